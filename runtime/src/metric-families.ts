/**
 * Counters and histograms for the prediction path, registered in a prom-client Registry (which
 * formats them with every other metric) but with children that hold plain numbers. prom-client's
 * own children re-hash their label set on every `inc`/`observe` (a child is the parent plus bound
 * labels), which showed up at ~2-3 µs per request (bench/results/serve-profile.md); here the label
 * set is hashed once, when the child is made, and the hot path is an array increment.
 * Exposition is prom-client's: `_bucket` (cumulative, `le` label), `_sum`, `_count`.
 * @see https://github.com/siimon/prom-client/blob/master/lib/registry.js (what `get()` must return)
 */
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class Family<Child> {
  readonly aggregator = 'sum';
  private readonly children = new Map<string, { labels: Labels; child: Child }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of one label set, made on first use: keep it, and the hot path hashes nothing. */
  labels(labels: Labels): Child {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\0');
    let entry = this.children.get(key);
    if (!entry) {
      for (const n of Object.keys(labels)) if (!this.labelNames.includes(n)) throw new Error(`metric ${this.name} has no label "${n}"`);
      entry = { labels: { ...labels }, child: this.makeChild() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  protected abstract makeChild(): Child;
  protected abstract samples(labels: Labels, child: Child): Sample[];

  /** What prom-client's Registry formats. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    for (const { labels, child } of this.children.values()) values.push(...this.samples(labels, child));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  abstract readonly type: string;

  reset(): void {
    this.children.clear();
  }
}

export class CounterSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class CounterFamily extends Family<CounterSeries> {
  readonly type = 'counter';

  inc(labels: Labels, by = 1): void {
    this.labels(labels).inc(by);
  }

  protected makeChild(): CounterSeries {
    return new CounterSeries();
  }

  protected samples(labels: Labels, child: CounterSeries): Sample[] {
    return [{ labels, value: child.value }];
  }
}

export class HistogramSeries {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  observe(labels: Labels, value: number): void {
    this.labels(labels).observe(value);
  }

  protected makeChild(): HistogramSeries {
    return new HistogramSeries(this.buckets);
  }

  protected samples(labels: Labels, child: HistogramSeries): Sample[] {
    const out: Sample[] = [];
    let cumulative = 0;
    child.bounds.forEach((le, i) => {
      cumulative += child.counts[i]!;
      out.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    out.push({ labels: { le: '+Inf', ...labels }, value: child.count, metricName: `${this.name}_bucket` });
    out.push({ labels, value: child.sum, metricName: `${this.name}_sum` });
    out.push({ labels, value: child.count, metricName: `${this.name}_count` });
    return out;
  }
}
