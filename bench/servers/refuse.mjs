// The floor of a refusal on this machine: Node's own HTTP server (no Fastify, no routing, no
// logging, no metrics) answering every POST with a constant 503 problem+json and Retry-After,
// without reading the body. Nothing written in Node answers an HTTP request for less CPU, so
// bench:overload uses its cost per answer as the cheapest refusal the service could ever make.
// Usage: PORT=8081 node bench/servers/refuse.mjs
import http from 'node:http';

const problem = JSON.stringify({
  type: 'urn:mlservice:problem:queue-budget-exceeded',
  title: 'Service Unavailable',
  status: 503,
  detail: 'model scorer: predicted wait 120 ms is over its queue budget of 100 ms; retry after 1s',
  instance: '/v1/score',
});
const refusal = { 'content-type': 'application/problem+json; charset=utf-8', 'retry-after': '1', 'content-length': Buffer.byteLength(problem) };
const ready = JSON.stringify({ status: 'ready' });

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ready) });
    res.end(ready);
    return;
  }
  res.writeHead(503, refusal);
  res.end(problem);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(Number(process.env.PORT ?? 8081), '127.0.0.1');
