/** Samples of one metric from a Prometheus text exposition (what a scrape of /metrics returns). */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/**
 * Every sample of `name` (exact name: a histogram's `_sum` is another name). Label values in this
 * project's expositions hold no escaped quotes, which keeps the parse a regular expression.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details
 */
export function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include `match`. */
export function total(text: string, name: string, match: Record<string, string> = {}): number {
  return samples(text, name)
    .filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * The smallest bucket bound (`le`, in the histogram's unit) under which at least `q` of the
 * observations made between two scrapes fall: an upper bound on that quantile, as exact as the
 * buckets are. Infinity when it is past the last finite bucket; NaN when nothing was observed.
 */
export function quantileBound(before: string, after: string, name: string, q: number): number {
  const delta = (le: string) => total(after, `${name}_bucket`, { le }) - total(before, `${name}_bucket`, { le });
  const count = total(after, `${name}_count`) - total(before, `${name}_count`);
  if (count === 0) return Number.NaN;
  const bounds = [...new Set(samples(after, `${name}_bucket`).map((s) => s.labels.le!))].map(Number).sort((a, b) => a - b);
  for (const le of bounds) if (delta(le === Number.POSITIVE_INFINITY ? '+Inf' : String(le)) >= q * count) return le;
  return Number.POSITIVE_INFINITY;
}
