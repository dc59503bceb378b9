/**
 * Prometheus metrics on the service's own registry: exactly the names in `names.ts` METRICS, plus
 * the default process metrics. Label names come from `names.ts` LABELS, none of which Prometheus
 * sets at scrape time; which service, namespace, pod and track a series belongs to is added by the
 * scrape (the chart's ServiceMonitor), not by the process.
 * @see https://prometheus.io/docs/practices/naming/
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CounterFamily, HistogramFamily, type CounterSeries, type HistogramSeries } from './metric-families.js';
import { LABELS, METRICS } from './names.js';

const { apiEndpoint, variant, status, model, reason, version, revision, source, runId, sha256 } = LABELS;

/** Powers of two up to (and including) the largest configured batch size. */
export function batchSizeBuckets(maxBatchSize: number): number[] {
  const buckets: number[] = [];
  for (let b = 1; b < maxBatchSize; b *= 2) buckets.push(b);
  buckets.push(maxBatchSize);
  return buckets;
}

/**
 * Gauges prom-client names `*_total`; promtool's lintCounter refuses them ("non-counter metrics
 * should not have \"_total\" suffix").
 * @see https://github.com/prometheus/client_golang/blob/main/prometheus/testutil/promlint/validations/counter_validations.go
 */
const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** What the batcher knows about a model's cost; exported per model as gauges. */
export interface BatchLatencyModel {
  readonly known: boolean;
  readonly perRowMs: number;
  readonly fixedMs: number;
  readonly overrunMs: number;
  predictedWaitMs(): number;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: CounterFamily;
  readonly requestDuration: HistogramFamily;
  readonly batchSize: HistogramFamily;
  readonly queueWait: HistogramFamily;
  readonly inferenceDuration: HistogramFamily;
  readonly shed: Counter<typeof apiEndpoint | typeof reason>;
  readonly predictionScore: HistogramFamily;
  readonly buildInfo: Gauge<typeof version | typeof revision>;
  /** Each model's batcher latency model, read when Prometheus scrapes (nothing on the request path). */
  private readonly latencyModels = new Map<string, BatchLatencyModel>();
  readonly modelInfo: Gauge<typeof model | typeof source | typeof version | typeof runId | typeof sha256>;

  /** Export `model`'s batch latency model (fitted cost and predicted wait) from now on. */
  trackLatencyModel(name: string, m: BatchLatencyModel): void {
    this.latencyModels.set(name, m);
  }

  /** `maxBatchSize` sets the batch-size buckets. */
  constructor(maxBatchSize: number) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client exports these three gauges with a `_total` suffix, which promtool refuses for
    // anything but a counter; the per-type gauges of the same names without it stay.
    for (const name of NON_COUNTER_TOTALS) this.registry.removeSingleMetric(name);
    // The prediction path's series: plain-number children (metric-families.ts), no label hashing per request.
    this.requests = new CounterFamily(METRICS.requests, 'Prediction requests answered, by endpoint, variant and HTTP status.', [apiEndpoint, variant, status], this.registry);
    this.requestDuration = new HistogramFamily(METRICS.requestDuration, 'Time from request arrival to response, in seconds.', [apiEndpoint, variant], LATENCY_BUCKETS, this.registry);
    this.batchSize = new HistogramFamily(METRICS.batchSize, 'Rows per model call.', [model], batchSizeBuckets(maxBatchSize), this.registry);
    this.queueWait = new HistogramFamily(METRICS.queueWait, 'Seconds from request arrival to the start of the batch that ran it.', [model], LATENCY_BUCKETS, this.registry);
    this.inferenceDuration = new HistogramFamily(
      METRICS.inferenceDuration,
      'Seconds from handing a batch to the model to having its outputs: onnxruntime run plus any wait for the thread that runs it.',
      [model],
      LATENCY_BUCKETS,
      this.registry,
    );
    this.shed = new Counter({
      name: METRICS.shed,
      help: 'Requests refused or dropped: queue_full, queue_budget (predicted wait over the queue budget), queue_expired (budget ran out in the queue), shutting_down, not_ready, model_failed, client_gone.',
      labelNames: [apiEndpoint, reason],
      registers,
    });
    this.predictionScore = new HistogramFamily(METRICS.predictionScore, "First element of each row of the model's first output.", [apiEndpoint, variant], SCORE_BUCKETS, this.registry);
    const latency = this.latencyModels;
    const gaugeOf = (name: string, help: string, read: (m: BatchLatencyModel) => number) =>
      new Gauge({
        name,
        help,
        labelNames: [model],
        registers,
        collect() {
          this.reset();
          for (const [name, m] of latency) if (m.known) this.set({ model: name }, read(m) / 1000);
        },
      });
    gaugeOf(METRICS.batchCostPerRow, 'Fitted cost of one more row in a batch (a in a*rows+b, exponentially weighted least squares over recent batches), in seconds.', (m) => m.perRowMs);
    gaugeOf(METRICS.batchCostFixed, 'Fitted fixed cost of a batch (b in a*rows+b), in seconds.', (m) => m.fixedMs);
    gaugeOf(
      METRICS.batchCostOverrun,
      'Spread of how far batches run over their fitted cost (overruns only, as a standard deviation), in seconds; predicted waits add a margin of 2.33 of them per square root of the batches waited for.',
      (m) => m.overrunMs,
    );
    gaugeOf(
      METRICS.predictedQueueWait,
      'Predicted wait, before its batch starts, of a request arriving now, with its margin for overrunning batches; requests predicted over their queue budget are refused.',
      (m) => m.predictedWaitMs(),
    );
    this.buildInfo = new Gauge({ name: METRICS.buildInfo, help: 'Always 1; labels identify the service build.', labelNames: [version, revision], registers });
    this.modelInfo = new Gauge({ name: METRICS.modelInfo, help: 'Always 1; labels identify each model served.', labelNames: [model, source, version, runId, sha256], registers });
  }
}

/**
 * The labelled series of one prediction endpoint, resolved once per variant and status, so a
 * request touches only plain numbers.
 */
export class EndpointSeries {
  private readonly requests = new Map<string, CounterSeries>();
  private readonly durations = new Map<string, HistogramSeries>();
  private readonly scores = new Map<string, HistogramSeries>();

  constructor(
    private readonly metrics: ServiceMetrics,
    readonly endpoint: string,
  ) {}

  /** One answered request: its status and its time from arrival to response. */
  request(variantName: string, statusCode: number, seconds: number): void {
    const key = `${variantName}\0${statusCode}`;
    let counter = this.requests.get(key);
    if (!counter) {
      counter = this.metrics.requests.labels({ [apiEndpoint]: this.endpoint, [variant]: variantName, [status]: String(statusCode) });
      this.requests.set(key, counter);
    }
    counter.inc();
    let duration = this.durations.get(variantName);
    if (!duration) {
      duration = this.metrics.requestDuration.labels({ [apiEndpoint]: this.endpoint, [variant]: variantName });
      this.durations.set(variantName, duration);
    }
    duration.observe(seconds);
  }

  /** The prediction-score histogram of one variant. */
  score(variantName: string): HistogramSeries {
    let h = this.scores.get(variantName);
    if (!h) {
      h = this.metrics.predictionScore.labels({ [apiEndpoint]: this.endpoint, [variant]: variantName });
      this.scores.set(variantName, h);
    }
    return h;
  }
}
