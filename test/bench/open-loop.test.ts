/**
 * bench/open-loop.ts against real local HTTP servers: it sends on its schedule whatever the server
 * does, parses answers across TCP reads, and gives up on requests past their deadline, counting
 * each once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openLoopLoad } from '../../bench/open-loop.js';

let server: Server | undefined;

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/score`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

describe('openLoopLoad', () => {
  it('sends exactly rate x seconds requests and sorts the answers by status', async () => {
    const seen: string[] = [];
    let n = 0;
    const url = await listen((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['content-type']} ${body}`);
        // Every third refused; a body long enough to arrive in more than one read now and then.
        const status = n++ % 3 === 2 ? 503 : 200;
        const text = JSON.stringify({ pad: 'x'.repeat(70_000) });
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    const run = await openLoopLoad(url, '{"a":1}', { rate: 300, seconds: 1, connections: 8, deadlineMs: 2000 });
    expect(run.due).toBe(300);
    expect(seen.length).toBe(300);
    expect(new Set(seen)).toEqual(new Set(['POST /v1/score application/json {"a":1}']));
    expect(run.byStatus.get(200)?.length).toBe(200);
    expect(run.byStatus.get(503)?.length).toBe(100);
    expect(run.timeouts).toBe(0);
    expect(run.socketErrors).toBe(0);
    expect(run.connectionsAnswered).toBe(run.connectionsUsed);
  });

  it('counts every request unanswered by its deadline as a timeout, sent or not', async () => {
    let received = 0;
    const url = await listen(() => {
      received++; // never answers
    });
    const run = await openLoopLoad(url, '{}', { rate: 40, seconds: 0.5, connections: 2, deadlineMs: 150 });
    expect(run.due).toBe(20);
    expect(run.timeouts).toBe(20);
    expect([...run.byStatus.values()].flat()).toEqual([]);
    // Two went out at once; the rest waited for a socket, each freed (closed and replaced) when the
    // request on it passed its deadline, and went out while still within theirs, or were given up.
    expect(run.queuedAtClient).toBe(20 - 2);
    expect(received).toBeGreaterThanOrEqual(2);
    expect(received).toBeLessThanOrEqual(20);
  });
});
