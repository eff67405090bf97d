import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { moneywallFace } from '../../src/faces/moneywall/face.ts';
import { moneywallFrameFace } from '../../src/faces/moneywall/frame-face.ts';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { type Harness, harness, initBody, TOKEN } from './harness.ts';

function initAs(app: FaceApp, body: unknown, host: string) {
  return app.inject({
    method: 'POST',
    url: '/api/partners/payments/init',
    headers: { authorization: TOKEN, 'content-type': 'application/json', host },
    payload: JSON.stringify(body),
  });
}

describe('Moneywall frame_url comes from configuration, not from the Host header', () => {
  let h: Harness;
  let configured: FaceApp;

  before(async () => {
    h = await harness();
    configured = await buildServer(
      { ...h.db.ctx, config: { ...h.db.ctx.config, publicUrl: 'https://pay.example.ru' } },
      [moneywallFace, moneywallFrameFace],
    );
  });
  after(async () => {
    await configured?.close();
    await h?.close();
  });

  it('a forged Host does not change frame_url; a repeat through another host answers the same URL', async () => {
    const body = initBody('frame-host-1');
    const first = await initAs(h.app, body, 'evil.example');
    assert.equal(first.statusCode, 200, first.body);
    const url = first.json().frame_url as string;
    // Tests run with the default HOST and PORT and no KOPEK_PUBLIC_URL.
    assert.match(url, /^http:\/\/127\.0\.0\.1:8080\/frame\/[A-Za-z0-9_-]{20,}$/);
    const repeat = await initAs(h.app, { ...body }, 'other.example:9999');
    assert.equal(repeat.json().id, first.json().id);
    assert.equal(repeat.json().frame_url, url);
  });

  it('KOPEK_PUBLIC_URL is the base of frame_url, whatever the Host', async () => {
    const body = initBody('frame-host-2');
    const a = await initAs(configured, body, 'evil.example');
    assert.equal(a.statusCode, 200, a.body);
    assert.match(a.json().frame_url, /^https:\/\/pay\.example\.ru\/frame\/[A-Za-z0-9_-]{20,}$/);
    const b = await initAs(configured, body, '127.0.0.1');
    assert.equal(b.json().frame_url, a.json().frame_url);
    const token = new URL(a.json().frame_url).pathname.split('/')[2];
    const frame = await configured.inject({
      method: 'GET',
      url: `/frame/${token}`,
      headers: { host: 'x.y' },
    });
    assert.equal(frame.statusCode, 200);
  });

  it('KOPEK_PUBLIC_URL must be an http(s) URL without a trailing slash', () => {
    const load = (KOPEK_PUBLIC_URL: string) => loadConfig({ KOPEK_ENV: 'test', KOPEK_PUBLIC_URL });
    assert.equal(load('https://pay.example.ru').publicUrl, 'https://pay.example.ru');
    assert.equal(load('http://10.0.0.5:8443/kopek').publicUrl, 'http://10.0.0.5:8443/kopek');
    assert.equal(load('').publicUrl, undefined);
    for (const bad of [
      'pay.example.ru',
      'ftp://pay.example.ru',
      'https://pay.example.ru/',
      'https://user:pw@pay.example.ru',
      'https://pay.example.ru?x=1',
      'javascript:alert(1)',
    ])
      assert.throws(
        () => load(bad),
        (e: unknown) => e instanceof ConfigError && /KOPEK_PUBLIC_URL/.test(e.message),
        bad,
      );
  });
});
