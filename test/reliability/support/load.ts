/**
 * Load for the reliability tests, from the test process: keep-alive HTTP/1.1 POSTs of JSON with a
 * per-request timeout. A closed loop (N connections, each sends its next request when the last one
 * is answered) measures what the machine sustains right now; an open loop (requests sent on a
 * fixed schedule whether or not earlier ones were answered, as independent callers do) holds a
 * chosen rate. Every answer that is not the expected status, and every socket error or timeout,
 * is a failure, kept with its time.
 */
import http from 'node:http';
import { percentile } from '../../../testkit/stats.js';

export interface Answer {
  /** HTTP status, or 0 when no answer came (socket error, timeout). */
  status: number;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
  /** ms since the load started, when the request was sent. */
  at: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Socket error code or `timeout` when status is 0. */
  error?: string;
}

export interface RequestSpec {
  path: string;
  body: string;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly origin: URL;

  constructor(
    base: string,
    maxSockets = 256,
    private readonly timeoutMs = 10_000,
  ) {
    this.origin = new URL(base);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  post(spec: RequestSpec, t0 = performance.now()): Promise<Answer> {
    const sent = performance.now();
    return new Promise((resolve) => {
      const done = (a: Omit<Answer, 'ms' | 'at'>) => resolve({ ...a, ms: performance.now() - sent, at: sent - t0 });
      const req = http.request(
        {
          host: this.origin.hostname,
          port: this.origin.port,
          path: spec.path,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(spec.body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
          res.on('error', (e: NodeJS.ErrnoException) => done({ status: 0, headers: {}, text: '', error: e.code ?? e.message }));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      req.on('error', (e: NodeJS.ErrnoException) => done({ status: 0, headers: {}, text: '', error: e.code ?? e.message }));
      req.end(spec.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Totals of a load run: counts by status, failures kept in full (the first 50), latencies. */
export class Tally {
  readonly byStatus = new Map<number, number>();
  readonly failures: Answer[] = [];
  failed = 0;
  /** Open loop only: requests due while a second's worth was already outstanding, not sent. */
  unsent = 0;
  readonly latencies: number[] = [];

  constructor(private readonly expected = 200) {}

  add(a: Answer): void {
    this.byStatus.set(a.status, (this.byStatus.get(a.status) ?? 0) + 1);
    this.latencies.push(a.ms);
    if (a.status !== this.expected) {
      this.failed++;
      if (this.failures.length < 50) this.failures.push(a);
    }
  }

  get total(): number {
    return this.latencies.length;
  }

  /** `{status: count}` as plain JSON. */
  statuses(): Record<string, number> {
    return Object.fromEntries([...this.byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => [String(s), n]));
  }

  /** Failures as short lines: time, status or error, body. */
  failureLines(): string[] {
    return this.failures.map((f) => `${Math.round(f.at)}ms ${f.status || f.error} ${f.text.slice(0, 200)}`);
  }

  latency(): { p50: number; p99: number; max: number } {
    return { p50: percentile(this.latencies, 50), p99: percentile(this.latencies, 99), max: percentile(this.latencies, 100) };
  }
}

/** `connections` loops, each sending its next request when its last one is answered, for `seconds`; answered requests per second. */
export async function closedLoop(client: HttpClient, next: () => RequestSpec, connections: number, seconds: number, tally = new Tally()): Promise<{ rate: number; tally: Tally }> {
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) tally.add(await client.post(next(), t0));
    }),
  );
  return { rate: (tally.byStatus.get(200) ?? 0) / ((performance.now() - t0) / 1000), tally };
}

/**
 * Sends `rate` requests per second on a fixed schedule (checked every 5 ms) until `stop()` or
 * `seconds` is up; `done` resolves when every request sent has been answered. At most one
 * second's worth of requests is outstanding: when the machine (client and service share it) falls
 * behind, the requests due beyond that are not sent but counted in `tally.unsent`, rather than
 * queued in this process without bound (a 10-minute soak ran the test process out of memory).
 * A service that stops answering still fails: what is outstanding times out.
 */
export function openLoop(client: HttpClient, next: () => RequestSpec, rate: number, seconds = Number.POSITIVE_INFINITY): { tally: Tally; stop(): void; done: Promise<Tally> } {
  const tally = new Tally();
  const t0 = performance.now();
  const maxOutstanding = Math.max(64, Math.ceil(rate));
  let sent = 0;
  let outstanding = 0;
  let drained: (() => void) | null = null;
  let timer: NodeJS.Timeout | undefined;
  let finish: () => void = () => {};
  const stopped = new Promise<void>((r) => (finish = r));
  const stop = () => {
    clearInterval(timer);
    finish();
  };
  const answered = (a: Answer) => {
    tally.add(a);
    if (--outstanding === 0) drained?.();
  };
  timer = setInterval(() => {
    const elapsed = (performance.now() - t0) / 1000;
    const due = Math.floor(rate * Math.min(elapsed, seconds));
    for (; sent < due; sent++) {
      if (outstanding >= maxOutstanding) {
        tally.unsent++;
        continue;
      }
      outstanding++;
      void client.post(next(), t0).then(answered);
    }
    if (elapsed >= seconds) stop();
  }, 5);
  const done = stopped.then(() => (outstanding === 0 ? tally : new Promise<Tally>((r) => (drained = () => r(tally)))));
  return { tally, stop, done };
}
