/**
 * The prediction path's counters and histograms print exactly what prom-client's own would for
 * the same observations: same lines, same order, same number formatting.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterFamily, HistogramFamily } from '../src/metric-families.js';

const BUCKETS = [0.001, 0.01, 0.1, 1, 2.5];
const OBSERVED: Array<[Record<string, string>, number]> = [
  [{ api_endpoint: 'rank', variant: 'a' }, 0.0005],
  [{ api_endpoint: 'rank', variant: 'a' }, 0.001],
  [{ api_endpoint: 'rank', variant: 'b' }, 0.05],
  [{ api_endpoint: 'rank', variant: 'a' }, 3],
  [{ api_endpoint: 'score', variant: 'none' }, 1],
  [{ api_endpoint: 'rank', variant: 'a' }, 0],
];

async function both(fill: (reg: Registry, name: string) => (labels: Record<string, string>, v: number) => void): Promise<[string, string]> {
  const theirs = new Registry();
  const ours = new Registry();
  const a = fill(theirs, 'prom');
  const b = fill(ours, 'ours');
  for (const [labels, v] of OBSERVED) {
    a(labels, v);
    b(labels, v);
  }
  return [await theirs.metrics(), (await ours.metrics()).replaceAll('ours_', 'prom_')];
}

describe('metric families', () => {
  it('a histogram prints as prom-client prints it', async () => {
    const [theirs, ours] = await both((reg, kind) => {
      if (kind === 'prom') {
        const h = new Histogram({ name: 'prom_seconds', help: 'h', labelNames: ['api_endpoint', 'variant'], buckets: BUCKETS, registers: [reg] });
        return (l, v) => h.observe(l, v);
      }
      const h = new HistogramFamily('ours_seconds', 'h', ['api_endpoint', 'variant'], BUCKETS, reg);
      return (l, v) => h.labels(l).observe(v);
    });
    expect(ours).toBe(theirs);
    expect(ours).toContain('prom_seconds_bucket{le="0.001",api_endpoint="rank",variant="a"} 3');
    expect(ours).toContain('prom_seconds_bucket{le="+Inf",api_endpoint="rank",variant="a"} 4');
  });

  it('a counter prints as prom-client prints it, and a child keeps counting', async () => {
    const [theirs, ours] = await both((reg, kind) => {
      if (kind === 'prom') {
        const c = new Counter({ name: 'prom_total', help: 'c', labelNames: ['api_endpoint', 'variant'], registers: [reg] });
        return (l, v) => c.inc(l, v);
      }
      const c = new CounterFamily('ours_total', 'c', ['api_endpoint', 'variant'], reg);
      return (l, v) => c.inc(l, v);
    });
    expect(ours).toBe(theirs);
    const reg = new Registry();
    const c = new CounterFamily('x_total', 'c', ['status'], reg);
    const child = c.labels({ status: '200' });
    child.inc();
    child.inc();
    expect(c.labels({ status: '200' })).toBe(child);
    expect(await reg.metrics()).toBe('# HELP x_total c\n# TYPE x_total counter\nx_total{status="200"} 2\n');
  });

  it('refuses a label the family does not have', () => {
    const c = new CounterFamily('y_total', 'c', ['status'], new Registry());
    expect(() => c.labels({ status: '200', pod: 'p' })).toThrow('metric y_total has no label "pod"');
  });
});
