/** The record of `npm run bench:overload` (bench/results/overload.md): issue 11's targets, met or not. */

export interface OverloadReport {
  setup: Record<string, string>;
  sustainableRps: number;
  offeredRps: number;
  /** Keep-alive connections that carried a request during the overload, and how many of them got any answer at all. */
  connections: number;
  connectionsAnswered: number;
  seconds: number;
  statuses: Record<string, number>;
  okRps: number;
  okP50Ms: number;
  okP99Ms: number;
  refusedP50Ms: number;
  refusedP99Ms: number;
  /** The same without the slowest `shed.queue_expired` refusals (those refused when their budget ran out in the queue waited it). */
  refusedOnArrivalP99Ms: number;
  /** Requests unanswered after the client's 2 s deadline. */
  timeouts: number;
  socketErrors: number;
  queueBudgetMs: number;
  /** The fitted cost of one full batch, a * maxBatchSize + b. */
  oneBatchMs: number;
  batchCost: { perRowMs: number; fixedMs: number };
  meanBatchRows: number;
  meanInferenceMs: number;
  shed: Record<string, number>;
  /** The service's own count of the requests it read, and how long it took to answer them (its histogram: from reading the request to the answer). */
  server: { received: number; within100ms: number; within250ms: number; over1s: number };
  /** CPU used during the overload, in cores (seconds per second): the service process and this load generator. */
  cpuCores: { server: number; client: number };
  /**
   * The service's CPU per 200 at the sustainable rate (c_a) and bench/servers/refuse.mjs's per
   * refusal (c_r, the least any refusal written in Node costs), both in µs, on `serverCores` cores.
   */
  /** bench/servers/batcher.mjs under the same loads (sustain loop, then `seconds` of the overload). */
  baseline: { sustainableRps: number; okRps: number; okP99Ms: number; timeouts: number; seconds: number };
  refusalFloor: { serviceUsPer200: number; floorUsPerRefusal: number; serverCores: number; factor: number };
  peakRssMiB: number;
  crashed: boolean;
  afterLoadStatus: number;
}

const f = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

interface Target {
  name: string;
  value: string;
  target: string;
  met: boolean | null;
}

/**
 * The most 200s per second, as a share of the sustainable rate S, that a service offered F*S
 * requests per second can answer when it must read and answer every one of them (refusals
 * included) on `serverCores` cores: x*c_a + (F*S - x)*c_r <= cores. Not below 0; 1 when the cores
 * cover everything.
 */
export function boundOkShare(r: Pick<OverloadReport, 'sustainableRps' | 'refusalFloor'>): number {
  const { serviceUsPer200: ca, floorUsPerRefusal: cr, serverCores, factor } = r.refusalFloor;
  const s = r.sustainableRps;
  const x = (serverCores * 1e6 - factor * s * cr) / (ca - cr);
  return Math.min(1, Math.max(0, x / s));
}

export function targets(r: OverloadReport): Target[] {
  const bound = r.queueBudgetMs + r.oneBatchMs;
  const refusals = r.statuses['503'] ?? 0;
  return [
    { name: 'p99 of the 200s (ms)', value: f(r.okP99Ms), target: `<= queueBudgetMs + one batch = ${r.queueBudgetMs} + ${f(r.oneBatchMs, 2)} = ${f(bound)}`, met: r.okP99Ms <= bound },
    { name: 'p99 of the refusals, 503 (ms)', value: refusals > 0 ? f(r.refusedP99Ms, 2) : 'no refusals', target: '< 5', met: refusals > 0 ? r.refusedP99Ms < 5 : null },
    {
      name: `p99 of the refusals made on arrival (ms): the ${r.shed.queue_expired ?? 0} slowest left out, as many as were refused when their queue budget ran out (they waited it)`,
      value: refusals > 0 ? f(r.refusedOnArrivalP99Ms, 2) : 'no refusals',
      target: 'information: < 5',
      met: null,
    },
    { name: '200s per second / sustainable rate', value: f(r.okRps / r.sustainableRps, 2), target: '>= 0.90', met: r.okRps / r.sustainableRps >= 0.9 },
    {
      // The part of the latency the queue budget governs: from the service reading the request to
      // its answer. The client's figure adds the wait to be read, which no budget sees.
      name: "answers within 100 ms of being read, by the service's own histogram (its p99 is <= 100 ms when >= 99%)",
      value: `${f((100 * r.server.within100ms) / Math.max(1, r.server.received), 2)}%`,
      target: `information: the service's side of the p99 bound (${f(bound)} ms)`,
      met: null,
    },
    {
      name: `200s share possible at a true ${r.refusalFloor.factor}x rate, every refusal at Node's floor`,
      value: f(boundOkShare(r), 2),
      target: 'information: x*c_a + (F*S - x)*c_r <= cores',
      met: null,
    },
    {
      name: `baseline, bench/servers/batcher.mjs under the same loads (${r.baseline.seconds} s): 200s per second / its sustainable rate`,
      value: `${f(r.baseline.okRps / r.baseline.sustainableRps, 2)} (${f(r.baseline.okRps, 0)} / ${f(r.baseline.sustainableRps, 0)}; p99 ${f(r.baseline.okP99Ms)} ms, ${r.baseline.timeouts} timeouts)`,
      target: 'information: the same ratio for the simplest server that batches well',
      met: null,
    },
    { name: 'client timeouts (no answer within 2 s)', value: String(r.timeouts), target: '0 (information; the issue saw ~560)', met: null },
    {
      name: 'connections that carried a request and never got an answer (not accepted in time: see overload.findings.md)',
      value: `${r.connections - r.connectionsAnswered} of ${r.connections}`,
      target: 'information',
      met: null,
    },
    { name: 'crash', value: r.crashed ? 'yes' : 'no', target: 'no', met: !r.crashed },
    { name: 'peak RSS (MiB, VmHWM)', value: f(r.peakRssMiB), target: 'bounded (reported)', met: null },
    { name: 'one request right after the load', value: String(r.afterLoadStatus), target: '200', met: r.afterLoadStatus === 200 },
  ];
}

export function overloadMarkdown(r: OverloadReport): string {
  const answered = Object.values(r.statuses).reduce((a, b) => a + b, 0);
  const lines = [
    '# bench:overload: twice the sustainable rate, callers with a 2 s deadline',
    '',
    ...Object.entries(r.setup).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '| measure | value | target | met |',
    '|---|---:|---|---|',
    ...targets(r).map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met === null ? '-' : t.met ? 'yes' : 'NO'} |`),
    '',
    '| detail | value |',
    '|---|---:|',
    `| sustainable rate (req/s) | ${f(r.sustainableRps, 0)} |`,
    `| offered rate (req/s) | ${f(r.offeredRps, 0)} |`,
    `| 200s per second | ${f(r.okRps, 0)} |`,
    `| answers by status | ${Object.entries(r.statuses)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')} |`,
    `| p50 of the 200s / of the refusals (ms) | ${f(r.okP50Ms, 2)} / ${f(r.refusedP50Ms, 2)} |`,
    `| socket errors other than timeouts | ${r.socketErrors} |`,
    `| fitted batch cost a (ms/row), b (ms) | ${f(r.batchCost.perRowMs, 4)}, ${f(r.batchCost.fixedMs, 3)} |`,
    `| mean rows per batch, mean inference per batch (ms) | ${f(r.meanBatchRows)}, ${f(r.meanInferenceMs, 2)} |`,
    `| mlservice_shed_requests_total during the overload | ${Object.entries(r.shed)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} |`,
    `| requests the service read / answered within 250 ms / took over 1 s (its own histogram) | ${r.server.received} / ${r.server.within250ms} / ${r.server.over1s} |`,
    `| CPU during the overload, cores: service / load generator (same machine) | ${f(r.cpuCores.server, 2)} / ${f(r.cpuCores.client, 2)} |`,
    `| service CPU per answer (µs) | ${f((1e6 * r.cpuCores.server * r.seconds) / Math.max(1, answered), 0)} |`,
    `| service CPU per 200 at the sustainable rate, c_a (µs) | ${f(r.refusalFloor.serviceUsPer200, 0)} |`,
    `| CPU per refusal of Node's bare HTTP server (bench/servers/refuse.mjs), c_r (µs) | ${f(r.refusalFloor.floorUsPerRefusal, 0)} |`,
    `| c_r / c_a | ${f(r.refusalFloor.floorUsPerRefusal / r.refusalFloor.serviceUsPer200, 2)} |`,
    `| overload duration (s) | ${f(r.seconds)} |`,
    '',
  ];
  return `${lines.join('\n')}`;
}
