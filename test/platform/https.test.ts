import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { platformFace } from '../../src/faces/platform/face.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

describe('HTTPS', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kopek-tls-'));
  let db: TestDatabase;
  let app: FaceApp;
  before(async () => {
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    db = await testDatabase();
    app = await buildServer({ ...db.ctx, config: { ...db.ctx.config, tls: { certFile, keyFile } } }, [
      platformFace,
    ]);
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves over TLS with the configured certificate', async () => {
    const address = app.server.address();
    assert.ok(address && typeof address === 'object');
    const { status, body, peer } = await new Promise<{ status: number; body: string; peer: string }>(
      (resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: address.port, path: '/healthz', rejectUnauthorized: false },
          (res) => {
            // Read the certificate now: the socket is detached once the response ends.
            const peer = String((res.socket as TLSSocket).getPeerCertificate().subject.CN ?? '');
            let body = '';
            res.on('data', (d) => {
              body += d;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(body), { status: 'ok' });
    assert.equal(peer, '127.0.0.1');
  });
});
