/**
 * A round-robin HTTP proxy in front of service instances, standing in for how Kubernetes routes a
 * Service's traffic: only to endpoints whose readiness probe passes. It probes each instance's
 * `/readyz` every `pollMs` (a new connection per probe, as the kubelet does) and stops routing to an
 * instance at its FIRST failed probe (Kubernetes needs `failureThreshold` failures, and on pod
 * deletion removes the endpoint at once; the proxy models the case where only readiness tells it),
 * and routes to it again at its first passing probe.
 * It never retries: a request forwarded to an instance that refuses or drops it is answered 502,
 * which the load generator counts as a failed request. Connections to the instances are kept
 * alive, as an ingress controller or a mesh sidecar keeps them.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  port: number;
  /** Routed to now (the last probe passed). */
  routable: boolean;
  /** Requests forwarded to it. */
  forwarded: number;
}

export interface RoutingChange {
  /** performance.now() of the probe result. */
  at: number;
  backend: number;
  routable: boolean;
}

/** Hop-by-hop headers (RFC 9110 section 7.6.1) stay on their own connection. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

export class RoundRobinProxy {
  readonly backends: Backend[];
  readonly changes: RoutingChange[] = [];
  /** Forwarding failures seen by the proxy itself (each also answered 502). */
  readonly upstreamErrors: Array<{ at: number; backend: number; error: string }> = [];
  private next = 0;
  private server: http.Server | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private readonly upstream = new http.Agent({ keepAlive: true, maxSockets: 128 });

  constructor(
    ports: number[],
    private readonly pollMs = 200,
  ) {
    this.backends = ports.map((port) => ({ port, routable: false, forwarded: 0 }));
  }

  /** Listens on a free port of 127.0.0.1 and starts probing; resolves with the proxy's base URL. */
  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const inFlight = new Set<number>();
    const probeAll = () => {
      this.backends.forEach((_, i) => {
        if (inFlight.has(i)) return; // a probe still waiting counts once, at its timeout
        inFlight.add(i);
        void this.probe(i).finally(() => inFlight.delete(i));
      });
    };
    probeAll();
    this.probeTimer = setInterval(probeAll, this.pollMs);
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once backend `i` is routed to (its probe passed). */
  async routable(i: number, timeoutMs = 60_000): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (!this.backends[i]!.routable) {
      if (performance.now() > end) throw new Error(`backend ${i} never became routable`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.upstream.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
  }

  private async probe(i: number): Promise<void> {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: this.backends[i]!.port, path: '/readyz', agent: false, timeout: 1000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
    const b = this.backends[i]!;
    if (b.routable !== ok) {
      b.routable = ok;
      this.changes.push({ at: performance.now(), backend: i, routable: ok });
    }
  }

  private pick(): number | null {
    for (let k = 0; k < this.backends.length; k++) {
      const i = (this.next + k) % this.backends.length;
      if (this.backends[i]!.routable) {
        this.next = i + 1;
        return i;
      }
    }
    return null;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const i = this.pick();
    if (i === null) {
      res.writeHead(503, { 'x-proxy': 'no ready backend' }).end();
      return;
    }
    const b = this.backends[i]!;
    b.forwarded++;
    const headers = { ...req.headers };
    for (const h of HOP_BY_HOP) delete headers[h];
    const up = http.request({ host: '127.0.0.1', port: b.port, path: req.url, method: req.method, headers, agent: this.upstream }, (answer) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    });
    up.on('error', (e: NodeJS.ErrnoException) => {
      this.upstreamErrors.push({ at: performance.now(), backend: i, error: e.code ?? e.message });
      if (!res.headersSent) res.writeHead(502, { 'x-proxy-error': e.code ?? 'error' }).end();
      else res.destroy();
    });
    req.pipe(up);
  }
}
