import { describe, expect, it } from 'vitest';
import { quantileBound } from '../../testkit/metrics.js';

/** Two scrapes of one histogram over two series (as the runtime labels them by endpoint and variant). */
function exposition(a: number[], b: number[]): string {
  const les = ['0.01', '0.1', '1', '+Inf'];
  const series = (labels: string, counts: number[]) => [...les.map((le, i) => `req_seconds_bucket{${labels},le="${le}"} ${counts[i]}`), `req_seconds_count{${labels}} ${counts.at(-1)}`];
  return [...series('endpoint="a"', a), ...series('endpoint="b"', b)].join('\n');
}

describe('quantileBound', () => {
  const before = exposition([5, 5, 5, 5], [0, 10, 10, 10]);

  it('takes the observations between the two scrapes, summed over series, and names the bucket a quantile is under', () => {
    // Between the scrapes: 90 under 10 ms, 8 more under 100 ms, 2 more under 1 s (100 in all).
    const after = exposition([95, 101, 103, 103], [0, 12, 12, 12]);
    expect(quantileBound(before, after, 'req_seconds', 0.5)).toBe(0.01);
    expect(quantileBound(before, after, 'req_seconds', 0.9)).toBe(0.01);
    expect(quantileBound(before, after, 'req_seconds', 0.98)).toBe(0.1);
    expect(quantileBound(before, after, 'req_seconds', 0.99)).toBe(1);
  });

  it('is Infinity past the last finite bucket and NaN when nothing was observed', () => {
    expect(quantileBound(before, exposition([5, 5, 5, 15], [0, 10, 10, 10]), 'req_seconds', 0.5)).toBe(Number.POSITIVE_INFINITY);
    expect(quantileBound(before, before, 'req_seconds', 0.99)).toBeNaN();
  });
});
