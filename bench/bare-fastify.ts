import Fastify from 'fastify';

// The yardstick: what a plain Fastify 5 app answers on this machine, in a process of its own like
// TapIn's: one POST route that parses JSON and answers JSON, no hooks, no plugins, logger off.
const app = Fastify({ logger: false });
app.post('/', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.send?.({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
process.on('message', () => void app.close().then(() => process.exit(0)));
