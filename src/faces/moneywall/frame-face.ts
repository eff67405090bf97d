import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import {
  completeCardPayment,
  confirmCode,
  frameView,
  resendCode,
  startCardPayment,
  submitCustomer,
} from '../../bnpl/frame.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Face, FaceApp } from '../../platform/http/face.ts';
import { closedPage, codePage, donePage, formPage, payPage } from './frame-html.ts';
import { publicBase } from './wire.ts';

const ASSETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../assets/bnpl');
const asset = (name: string) => readFileSync(path.join(ASSETS, name));

/** The frame may sit in any merchant's iframe; scripts and styles are our own files only. */
function html(reply: FastifyReply, body: string, status = 200) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors *",
    )
    .send(body);
}

type Params = { token: string };

/**
 * The customer's side of Moneywall: `frame_url` opens `/frame/<token>`, server-rendered Russian
 * pages (payment graph, data form, consents, SMS code, first payment by card, back to the
 * merchant), plain HTML forms that work standalone and inside an iframe.
 */
export const moneywallFrameFace: Face = {
  name: 'moneywall-frame',
  title: 'Moneywall: фрейм покупателя',
  description: 'Страницы оформления оплаты частями (HTML), открываются по frame_url из init.',
  prefix: '/frame',
  version: '1.0',
  replyError(error, _request, reply) {
    const text =
      error.kind === 'internal' ? 'Что-то пошло не так. Попробуйте обновить страницу.' : error.message;
    return html(reply, closedPage('Оплата частями', text), error.status);
  },
  routes(app: FaceApp, ctx: AppContext) {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 65_536 },
      (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    const css = asset('frame.css');
    const js = asset('frame.js');
    const hide = { schema: { hide: true } };
    app.get('/assets/frame.css', hide, (_q, reply) =>
      reply
        .header('content-type', 'text/css; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(css),
    );
    app.get('/assets/frame.js', hide, (_q, reply) =>
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(js),
    );

    const render = async (token: string, reply: FastifyReply) => {
      const v = await frameView(ctx, token);
      const s = v.session;
      if (s.state === 'authorized' || s.state === 'charged') return html(reply, donePage(v));
      if (s.step === 'declined')
        return html(
          reply,
          closedPage(
            'Оплата частями не одобрена',
            'К сожалению, сейчас мы не можем оформить покупку частями. Выберите другой способ оплаты.',
            s.redirectUrl || undefined,
          ),
        );
      if (s.state !== 'processing' || (s.expiresAt && s.expiresAt.getTime() <= Date.now()))
        return html(
          reply,
          closedPage(
            'Оформление завершено',
            'Эта ссылка больше не действует: время на оформление истекло или заказ отменён.',
            s.redirectUrl || undefined,
          ),
        );
      if (s.step === 'code') return html(reply, codePage(v, token));
      if (s.step === 'pay') return html(reply, payPage(v, token));
      return html(reply, formPage(v, token));
    };

    app.get<{ Params: Params }>('/:token', hide, (request, reply) => render(request.params.token, reply));

    app.post<{ Params: Params; Body: Record<string, unknown> }>(
      '/:token/customer',
      hide,
      async (request, reply) => {
        const body = request.body ?? {};
        const errors = await submitCustomer(ctx, request.params.token, body);
        if (Object.keys(errors).length === 0) return reply.redirect(`/frame/${request.params.token}`, 303);
        const v = await frameView(ctx, request.params.token);
        const form = { ...v.form };
        for (const k of Object.keys(form) as (keyof typeof form)[])
          if (typeof body[k] === 'string') form[k] = body[k] as string;
        const consents = Object.fromEntries(
          Object.keys(body)
            .filter((k) => k.startsWith('consent_'))
            .map((k) => [k, true]),
        );
        return html(reply, formPage({ ...v, form }, request.params.token, errors, consents), 422);
      },
    );

    app.post<{ Params: Params; Body: Record<string, unknown> }>(
      '/:token/code',
      hide,
      async (request, reply) => {
        const code = typeof request.body?.code === 'string' ? request.body.code : '';
        const result = await confirmCode(ctx, request.params.token, code);
        if (result === 'wrong' || result === 'expired') {
          const v = await frameView(ctx, request.params.token);
          const text =
            result === 'wrong'
              ? 'Неверный код. Проверьте СМС и попробуйте ещё раз.'
              : 'Код больше не действует. Запросите новый.';
          return html(reply, codePage(v, request.params.token, text), 422);
        }
        return reply.redirect(`/frame/${request.params.token}`, 303);
      },
    );

    app.post<{ Params: Params }>('/:token/resend', hide, async (request, reply) => {
      await resendCode(ctx, request.params.token);
      return reply.redirect(`/frame/${request.params.token}`, 303);
    });

    app.post<{ Params: Params }>('/:token/pay', hide, async (request, reply) => {
      const formUrl = await startCardPayment(
        ctx,
        request.params.token,
        `${publicBase(ctx.config, request)}/frame/${request.params.token}/return`,
      );
      return reply.redirect(formUrl, 303);
    });

    app.get<{ Params: Params }>('/:token/return', hide, async (request, reply) => {
      await completeCardPayment(ctx, request.params.token);
      return reply.redirect(`/frame/${request.params.token}`, 303);
    });
  },
};
