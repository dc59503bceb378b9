/**
 * An open-loop load: requests due on a fixed schedule (`rate` per second, evenly spaced), whether or
 * not earlier ones were answered, as independent callers send them. autocannon cannot do this: its
 * `overallRate` gives each connection a whole number of requests per 1 s window, sent back to back
 * and then paused until the window's timer (lib/httpClient.js `reqsMadeThisSecond`); its connections
 * open together, so their windows line up, and "2,000 req/s over 1,024 connections" is a burst of
 * ~1,024 requests at the start of each second, while a rate above what the server answers is a
 * plain closed loop.
 *
 * A request goes out on a free one of `connections` keep-alive sockets (HTTP/1.1, one request per
 * socket at a time, the most recently freed first, as Node's http.Agent does); while none is free it waits here, and its
 * latency counts from the moment it was due, so a slow server cannot hide behind a full pool
 * (coordinated omission). A request unanswered `deadlineMs` after it was due is given up: counted as
 * a timeout, its socket closed and replaced. The request bytes are built once; answers are parsed
 * only for the status and Content-Length (the servers measured always send one; no chunked bodies),
 * so one core offers tens of thousands of requests a second.
 */
import net from 'node:net';

export interface OpenLoopOptions {
  rate: number;
  seconds: number;
  connections: number;
  deadlineMs: number;
}

export interface OpenLoopRun {
  /** Latencies in ms from when each request was due, by HTTP status. */
  byStatus: Map<number, number[]>;
  /** Latencies in ms from when each request was written to its socket, by status. */
  serverByStatus: Map<number, number[]>;
  /** Requests not answered within the deadline (including ones that never got a free socket). */
  timeouts: number;
  socketErrors: number;
  /** Requests due over the run. */
  due: number;
  /** Requests that found every socket busy when due and waited here for one. */
  queuedAtClient: number;
  seconds: number;
  /** Sockets that carried at least one request (a free socket is reused last-in first-out, as Node's http.Agent does), and that got at least one answer. */
  connectionsUsed: number;
  connectionsAnswered: number;
}

interface Conn {
  socket: net.Socket;
  /** When the request in flight was due and when it was written; NaN while free. */
  dueAt: number;
  sentAt: number;
  buf: Buffer;
  dead: boolean;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export async function openLoopLoad(url: string, body: string, o: OpenLoopOptions): Promise<OpenLoopRun> {
  const target = new URL(url);
  const request = Buffer.from(`POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const run: OpenLoopRun = { byStatus: new Map(), serverByStatus: new Map(), timeouts: 0, socketErrors: 0, due: 0, queuedAtClient: 0, seconds: 0, connectionsUsed: 0, connectionsAnswered: 0 };
  const record = (m: Map<number, number[]>, status: number, ms: number) => {
    const l = m.get(status);
    if (l) l.push(ms);
    else m.set(status, [ms]);
  };
  const free: Conn[] = [];
  const busy = new Set<Conn>();
  /** Due times of requests waiting for a free socket, oldest first. */
  const waiting: number[] = [];
  let head = 0;
  let ending = false;
  const usedConns = new Set<Conn>();
  const answeredConns = new Set<Conn>();

  const send = (c: Conn, dueAt: number) => {
    c.dueAt = dueAt;
    c.sentAt = performance.now();
    busy.add(c);
    usedConns.add(c);
    c.socket.write(request);
  };
  const release = (c: Conn) => {
    busy.delete(c);
    c.dueAt = Number.NaN;
    const now = performance.now();
    while (head < waiting.length) {
      const dueAt = waiting[head++]!;
      if (now - dueAt > o.deadlineMs) {
        run.timeouts++;
        continue;
      }
      return send(c, dueAt);
    }
    free.push(c);
  };
  const parse = (c: Conn) => {
    for (;;) {
      const end = c.buf.indexOf(HEADER_END);
      if (end < 0) return;
      const head = c.buf.toString('latin1', 0, end);
      const status = Number(head.slice(9, 12));
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const total = end + 4 + (m ? Number(m[1]) : 0);
      if (c.buf.length < total) return;
      c.buf = c.buf.subarray(total);
      const now = performance.now();
      record(run.byStatus, status, now - c.dueAt);
      record(run.serverByStatus, status, now - c.sentAt);
      answeredConns.add(c);
      release(c);
    }
  };
  const open = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.hostname, port: Number(target.port), noDelay: true });
      const c: Conn = { socket, dueAt: Number.NaN, sentAt: Number.NaN, buf: Buffer.alloc(0), dead: false };
      socket.once('connect', () => resolve(c));
      socket.on('data', (d: Buffer) => {
        c.buf = c.buf.length === 0 ? d : Buffer.concat([c.buf, d]);
        parse(c);
      });
      socket.on('error', (e) => {
        if (!socket.connecting) return;
        reject(e);
      });
      socket.on('close', () => {
        if (c.dead || ending) return;
        // Closed by the server with a request in flight: an error for that request; a new socket takes its place.
        c.dead = true;
        if (busy.delete(c)) run.socketErrors++;
        const i = free.indexOf(c);
        if (i >= 0) free.splice(i, 1);
        void open().then(release, () => run.socketErrors++);
      });
    });

  for (let i = 0; i < o.connections; i += 64) {
    const batch = await Promise.all(Array.from({ length: Math.min(64, o.connections - i) }, open));
    free.push(...batch);
  }
  const t0 = performance.now();
  const interval = 1000 / o.rate;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      const elapsed = now - t0;
      const due = Math.floor(Math.min(elapsed, o.seconds * 1000) / interval);
      for (; run.due < due; run.due++) {
        const dueAt = t0 + run.due * interval;
        const c = free.pop();
        if (c) send(c, dueAt);
        else {
          run.queuedAtClient++;
          waiting.push(dueAt);
        }
      }
      if (head > 65_536) {
        waiting.splice(0, head);
        head = 0;
      }
      // Requests past their deadline: given up, socket replaced (the server may still answer it).
      for (const c of busy) {
        if (now - c.dueAt > o.deadlineMs) {
          run.timeouts++;
          busy.delete(c);
          c.dead = true;
          c.socket.destroy();
          void open().then(release, () => run.socketErrors++);
        }
      }
      if (elapsed >= o.seconds * 1000 && busy.size === 0) {
        clearInterval(tick);
        resolve();
      } else if (elapsed >= o.seconds * 1000 + o.deadlineMs) {
        run.timeouts += busy.size;
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  run.seconds = o.seconds;
  run.timeouts += waiting.length - head;
  ending = true;
  for (const c of [...free, ...busy]) c.socket.destroy();
  run.connectionsUsed = usedConns.size;
  run.connectionsAnswered = answeredConns.size;
  return run;
}
