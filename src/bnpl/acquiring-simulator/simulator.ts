import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BoundedCache } from '../../platform/bounded-cache.ts';

/**
 * A card acquirer on loopback for the demo and the tests, speaking the protocol of
 * `../acquiring/http-gateway.ts`, with its own card form page. Every valid card number (Luhn)
 * is authorized except numbers ending in 0000 (declined: "недостаточно средств"). It keeps no
 * card number: a random token and the first six / last four digits.
 */
interface SimPayment {
  id: string;
  reference: string;
  amount: number;
  description: string;
  returnUrl: string;
  status: 'created' | 'authorized' | 'declined' | 'captured' | 'voided';
  card?: { token: string; first6: string; last4: string };
  error?: string;
}

export const MAX_PAYMENTS = 20_000;

export interface AcquiringSimulator {
  url: string;
  close(): Promise<void>;
}

export async function startAcquiringSimulator(port = 0, host = '127.0.0.1'): Promise<AcquiringSimulator> {
  // Bounded (it runs inside `kopek serve` in development as long as the server does): the latest
  // payments, least recently used out.
  const payments = new BoundedCache<string, SimPayment>({ maxEntries: MAX_PAYMENTS });
  const byReference = new BoundedCache<string, string>({ maxEntries: MAX_PAYMENTS });
  let base = '';

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'internal' }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'POST' && url.pathname === '/payments') {
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      const reference = String(body.reference ?? '');
      if (
        !reference ||
        !Number.isInteger(body.amount) ||
        (body.amount as number) <= 0 ||
        typeof body.return_url !== 'string'
      )
        return send(res, 400, { error: 'reference, amount, return_url обязательны' });
      let id = byReference.get(reference);
      if (!id) {
        id = `sim_${randomBytes(8).toString('hex')}`;
        payments.set(id, {
          id,
          reference,
          amount: body.amount as number,
          description: String(body.description ?? ''),
          returnUrl: body.return_url,
          status: 'created',
        });
        byReference.set(reference, id);
      }
      return send(res, 201, { id, form_url: `${base}/form/${id}` });
    }
    if (parts[0] === 'payments' && parts[1]) {
      const p = payments.get(parts[1]);
      if (!p) return send(res, 404, { error: 'payment not found' });
      if (req.method === 'GET' && parts.length === 2) return send(res, 200, view(p));
      if (req.method === 'POST' && parts[2] === 'capture') {
        if (p.status === 'authorized') p.status = 'captured';
        return send(res, p.status === 'captured' ? 200 : 409, view(p));
      }
      if (req.method === 'POST' && parts[2] === 'void') {
        if (p.status === 'authorized' || p.status === 'captured') p.status = 'voided';
        return send(res, p.status === 'voided' ? 200 : 409, view(p));
      }
    }
    if (parts[0] === 'form' && parts[1]) {
      const p = payments.get(parts[1]);
      if (!p) return html(res, 404, page('Платёж не найден', '<p>Платёж не найден.</p>'));
      if (req.method === 'GET') return html(res, 200, formPage(p));
      if (req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        const number = (form.get('card_number') ?? '').replace(/\D/g, '');
        if (p.status !== 'created') return redirect(res, p.returnUrl);
        if (
          !luhn(number) ||
          !/^\d{2}\/\d{2}$/.test(form.get('expiry') ?? '') ||
          !/^\d{3}$/.test(form.get('cvc') ?? '')
        )
          return html(res, 200, formPage(p, 'Проверьте номер карты, срок действия и CVC'));
        p.card = {
          token: `tok_${randomBytes(12).toString('hex')}`,
          first6: number.slice(0, 6),
          last4: number.slice(-4),
        };
        if (number.endsWith('0000')) {
          p.status = 'declined';
          p.error = 'недостаточно средств';
        } else p.status = 'authorized';
        return redirect(res, p.returnUrl);
      }
    }
    send(res, 404, { error: 'not found' });
  }

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function view(p: SimPayment) {
  return {
    id: p.id,
    status: p.status,
    ...(p.card ? { card: p.card } : {}),
    ...(p.error ? { error: p.error } : {}),
  };
}

function luhn(number: string): boolean {
  if (!/^\d{13,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
      if (data.length > 100_000) req.destroy();
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(body);
}

function redirect(res: ServerResponse, to: string): void {
  res.writeHead(303, { location: to });
  res.end();
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:420px;margin:24px auto;padding:0 16px;color:#1b1f24}
label{display:block;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:10px;font-size:16px;border:1px solid #98a2b3;border-radius:6px}
button{margin-top:16px;width:100%;padding:12px;font-size:16px;background:#0b5cad;color:#fff;border:0;border-radius:6px}
.err{color:#b42318}.row{display:flex;gap:12px}.row>div{flex:1}.note{color:#555;font-size:13px}</style></head><body>${body}</body></html>`;
}

function formPage(p: SimPayment, error?: string): string {
  const amount = `${Math.trunc(p.amount / 100)},${String(p.amount % 100).padStart(2, '0')} ₽`;
  return page(
    'Оплата картой',
    `<h1>Оплата картой</h1><p>${esc(p.description)}</p><p><strong>К оплате: ${amount}</strong></p>
${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/form/${esc(p.id)}">
<label for="card_number">Номер карты</label><input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" required>
<div class="row"><div><label for="expiry">Срок (ММ/ГГ)</label><input id="expiry" name="expiry" placeholder="12/29" autocomplete="cc-exp" required></div>
<div><label for="cvc">CVC</label><input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required></div></div>
<button type="submit">Оплатить</button></form>
<p class="note">Тестовый эквайринг: любая карта с верной контрольной суммой проходит, карта на 0000 отклоняется.</p>`,
  );
}
