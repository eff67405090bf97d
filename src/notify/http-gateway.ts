import type { SmsGateway } from './gateway.ts';

/**
 * The SMS operator over HTTP (JSON): `POST <base>/messages {phone, text}` -> `200 {id}`.
 * Any other answer, a timeout or a refused connection is an error the sender retries. Error
 * messages carry the status and the operator's `error` field, never the text (it holds codes).
 */
export class HttpSmsGateway implements SmsGateway {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(message: { phone: string; text: string }): Promise<{ gatewayId: string }> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: message.phone, text: message.text }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new Error(`СМС-шлюз недоступен: ${(error as Error).message}`);
    }
    const body = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      // not JSON: judged by the status below
    }
    if (!response.ok)
      throw new Error(
        `СМС-шлюз ответил ${response.status}${typeof json.error === 'string' ? `: ${json.error.slice(0, 200)}` : ''}`,
      );
    if (typeof json.id !== 'string' && typeof json.id !== 'number')
      throw new Error('СМС-шлюз не вернул id сообщения');
    return { gatewayId: String(json.id) };
  }
}
