// The HTTP ceiling of this machine for the bench: Fastify parsing the same JSON body and answering
// a constant, no model. Usage: PORT=8081 node bench/servers/bare.mjs
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 1048576 });
app.post('/v1/score', async () => ({ score: 0.5 }));
app.get('/readyz', async () => ({ status: 'ready' }));
// Exit cleanly on SIGTERM so `node --cpu-prof` (bench:profile) can write its profile.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT ?? 8081), host: '127.0.0.1' });
