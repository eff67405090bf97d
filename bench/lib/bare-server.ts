/**
 * The baseline: bare Fastify routes, no database, no auth. `POST /bare` parses a JSON body and
 * answers JSON; `GET /bare?txn_id=` answers a small OSMP-like XML (the mymfo baseline).
 * `bare-server.ts <port>`; prints "ready" once listening.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/bare', async (request) => {
  const body = request.body as { agentTransactionId?: unknown };
  return {
    result: 0,
    resultMessage: 'ok',
    transactionId: 1,
    agentTransactionId: body.agentTransactionId ?? 0,
  };
});
app.get('/bare', async (request, reply) => {
  const txn = String((request.query as { txn_id?: string }).txn_id ?? '');
  return reply
    .type('application/xml; charset=utf-8')
    .send(
      `<?xml version="1.0" encoding="UTF-8"?>\n<response>\n\t<osmp_txn_id>${txn}</osmp_txn_id>\n\t<result>0</result>\n</response>`,
    );
});
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.stdout.write('ready\n');
