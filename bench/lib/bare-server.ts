/**
 * The baseline: a bare Fastify POST route that parses a JSON body and answers JSON, no database,
 * no auth. `bare-server.ts <port>`; prints "ready" once listening.
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
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.stdout.write('ready\n');
