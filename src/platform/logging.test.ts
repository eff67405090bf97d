import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from './logging.ts';

describe('logging', () => {
  it('redacts credentials and personal data', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      {
        req: { headers: { authorization: 'Bearer demo-agent-token', cookie: 'JSESSIONID=abc' } },
        client: { passport: '4510 123456', inn: '770123456789', name: 'Иванов' },
        password: 'p@ssw0rD',
        body: { card: { cardNumber: '4111111111111111' } },
      },
      'request',
    );
    const out = lines.join('');
    for (const secret of [
      'demo-agent-token',
      'JSESSIONID=abc',
      '4510 123456',
      '770123456789',
      'p@ssw0rD',
      '4111111111111111',
    ]) {
      assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    }
    assert.ok(out.includes('Иванов'), 'other fields stay');
  });
});
