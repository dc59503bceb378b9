/** The batch cost fit the batcher predicts queue waits with. */
import { describe, expect, it } from 'vitest';
import { BatchCost } from '../src/batch-cost.js';

describe('BatchCost', () => {
  it('knows nothing before the first batch and predicts 0', () => {
    const c = new BatchCost();
    expect(c.known).toBe(false);
    expect(c.predictMs(64)).toBe(0);
  });

  it('recovers a*n + b exactly from batches of several sizes', () => {
    const c = new BatchCost();
    for (let i = 0; i < 40; i++) for (const n of [1, 8, 33, 64]) c.observe(n, 0.03 * n + 0.2);
    expect(c.perRowMs).toBeCloseTo(0.03, 10);
    expect(c.fixedMs).toBeCloseTo(0.2, 10);
    expect(c.predictMs(100)).toBeCloseTo(3.2, 10);
  });

  it('with one batch size seen, takes the cost as proportional to rows', () => {
    const c = new BatchCost();
    for (let i = 0; i < 5; i++) c.observe(64, 3.2);
    expect(c.perRowMs).toBeCloseTo(0.05, 10);
    expect(c.fixedMs).toBe(0);
  });

  it('follows a change of cost: recent batches outweigh old ones', () => {
    const c = new BatchCost();
    for (let i = 0; i < 200; i++) for (const n of [1, 64]) c.observe(n, 0.01 * n + 0.1);
    for (let i = 0; i < 200; i++) for (const n of [1, 64]) c.observe(n, 0.04 * n + 0.1);
    expect(c.perRowMs).toBeCloseTo(0.04, 3);
  });

  it('never fits a negative term', () => {
    const c = new BatchCost();
    // Bigger batches measured faster (noise): no negative per-row cost.
    c.observe(1, 2);
    c.observe(64, 1);
    expect(c.perRowMs).toBe(0);
    // The weighted mean: the older batch's weight has faded by one step (0.98).
    expect(c.fixedMs).toBeCloseTo((0.98 * 2 + 1) / 1.98, 10);
    const d = new BatchCost();
    // A line through the points would cross below zero at n = 0: no negative fixed cost.
    d.observe(10, 1);
    d.observe(20, 3);
    expect(d.fixedMs).toBe(0);
    expect(d.perRowMs).toBeCloseTo((0.98 * 10 * 1 + 20 * 3) / (0.98 * 100 + 400), 10);
  });

  it('measures how far batches overrun the fit before it saw them: overruns only, each capped at the prediction', () => {
    const c = new BatchCost();
    c.observe(4, 8);
    expect(c.overrunMs).toBe(0);
    c.observe(4, 11); // predicted 8: 3 over, as the spread of symmetric errors sqrt(2 * 3²)
    expect(c.overrunMs).toBeCloseTo(Math.sqrt(18), 12);
    c.observe(4, c.predictMs(4) - 1); // under the fit: counts as no overrun
    expect(c.overrunMs).toBeCloseTo(Math.sqrt((2 * 0.98 * 9) / 1.98), 12);
    const stalled = new BatchCost();
    stalled.observe(4, 8);
    stalled.observe(4, 1000); // a stall: counted as an overrun of the prediction (8), not 992
    expect(stalled.overrunMs).toBeCloseTo(Math.sqrt(2 * 64), 12);
    const early = new BatchCost();
    early.observe(1, 10); // proportional fit: 10 ms per row
    early.observe(64, 45); // predicted 640: far under, no overrun
    expect(early.overrunMs).toBe(0);
    const steady = new BatchCost();
    for (let i = 0; i < 50; i++) steady.observe(64, 3.2);
    expect(steady.overrunMs).toBeLessThan(1e-12);
  });

  it('ignores impossible samples', () => {
    const c = new BatchCost();
    c.observe(0, 5);
    c.observe(4, Number.NaN);
    c.observe(4, -1);
    expect(c.known).toBe(false);
  });
});
