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
