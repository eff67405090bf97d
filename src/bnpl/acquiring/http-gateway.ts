import type { AcquiringGateway, AcquiringPayment } from './gateway.ts';
import { AcquiringUnavailable } from './unavailable.ts';

/**
 * The acquirer over HTTP (JSON):
 * `POST /payments {reference, amount (kopecks), description, return_url}` -> `{id, form_url}`
 * (idempotent by reference); `GET /payments/<id>`; `POST /payments/<id>/capture`;
 * `POST /payments/<id>/void` -> `{id, status, card?: {token, first6, last4}, error?}`.
 */
export class HttpAcquiringGateway implements AcquiringGateway {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new AcquiringUnavailable(`эквайринг недоступен: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (response.status >= 500) throw new AcquiringUnavailable(`эквайринг ответил ${response.status}`);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new AcquiringUnavailable('эквайринг прислал не JSON');
    }
    if (response.status >= 400)
      throw new AcquiringUnavailable(`эквайринг отказал: ${String(json.error ?? response.status)}`);
    return json;
  }

  async create(p: { reference: string; amount: bigint; description: string; returnUrl: string }) {
    const r = await this.call('POST', '/payments', {
      reference: p.reference,
      amount: Number(p.amount),
      description: p.description,
      return_url: p.returnUrl,
    });
    if (typeof r.id !== 'string' || typeof r.form_url !== 'string')
      throw new AcquiringUnavailable('эквайринг не вернул id и form_url');
    return { id: r.id, formUrl: r.form_url };
  }

  get(id: string) {
    return this.call('GET', `/payments/${encodeURIComponent(id)}`).then(toPayment);
  }

  capture(id: string) {
    return this.call('POST', `/payments/${encodeURIComponent(id)}/capture`, {}).then(toPayment);
  }

  void(id: string) {
    return this.call('POST', `/payments/${encodeURIComponent(id)}/void`, {}).then(toPayment);
  }
}

function toPayment(r: Record<string, unknown>): AcquiringPayment {
  const status = r.status;
  if (
    typeof r.id !== 'string' ||
    !['created', 'authorized', 'declined', 'captured', 'voided'].includes(String(status))
  )
    throw new AcquiringUnavailable('эквайринг прислал неизвестный статус');
  const card = r.card as { token?: unknown; first6?: unknown; last4?: unknown } | undefined;
  return {
    id: r.id,
    status: status as AcquiringPayment['status'],
    card:
      card &&
      typeof card.token === 'string' &&
      typeof card.first6 === 'string' &&
      typeof card.last4 === 'string'
        ? { token: card.token, first6: card.first6, last4: card.last4 }
        : undefined,
    error: typeof r.error === 'string' ? r.error : undefined,
  };
}
