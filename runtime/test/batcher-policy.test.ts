/**
 * The scheduling policy of the batcher, with a controllable executor: the executor is not the unit
 * under test here, the policy is (when batches start, how rows are counted, split and shed).
 * Fake timers drive the maxLatencyMs clock, so nothing depends on real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher, type BatcherOptions, type BatchReport } from '../src/batcher.js';
import { ClientGoneError, QueueFullError, UnavailableError } from '../src/errors.js';
import type { ModelOutputRow, ModelRow } from '../src/types.js';

interface Call {
  rows: ModelRow[];
  finish(): void;
  fail(err: Error): void;
}

/** An executor whose batches finish when the test says so; each output row echoes its input `x`. */
function controllable() {
  const calls: Call[] = [];
  const execute = (rows: ModelRow[]) =>
    new Promise<ModelOutputRow[]>((resolve, reject) => {
      calls.push({ rows, finish: () => resolve(rows.map((r) => ({ y: r.x! }))), fail: reject });
    });
  return { calls, execute };
}

const rows = (...xs: number[]): ModelRow[] => xs.map((x) => ({ x: [x] }));
const sizes = (calls: Call[]) => calls.map((c) => c.rows.length);
const flush = () => new Promise<void>((r) => queueMicrotask(r)).then(() => Promise.resolve());
/** Ends the current event-loop turn (fake setImmediate), after pending promise callbacks. */
const endTurn = async () => {
  await flush();
  vi.advanceTimersByTime(0);
};

function make(opts: Partial<BatcherOptions> = {}) {
  const exec = controllable();
  const reports: BatchReport[] = [];
  const options: BatcherOptions = { enabled: true, maxBatchSize: 4, maxLatencyMs: 10, maxQueueRows: 16, ...opts };
  const batcher = new Batcher('m', exec.execute, options, { onBatch: (r) => reports.push(r), now: () => Date.now() });
  return { batcher, ...exec, reports };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('Batcher policy', () => {
  it('runs a request at once when the model is idle', () => {
    const { batcher, calls } = make();
    void batcher.submit(rows(1));
    expect(sizes(calls)).toEqual([1]);
  });

  it('collects rows that arrive while a batch runs, and in the turn it ends, into the next batch', async () => {
    const { batcher, calls } = make({ maxBatchSize: 8 });
    const first = batcher.submit(rows(1));
    const rest = [batcher.submit(rows(2)), batcher.submit(rows(3, 4))];
    expect(sizes(calls)).toEqual([1]);
    calls[0]!.finish();
    await first;
    // Requests read in the same event-loop turn as the finished batch still join the next one.
    expect(sizes(calls)).toEqual([1]);
    rest.push(batcher.submit(rows(5)));
    expect(sizes(calls)).toEqual([1]);
    vi.advanceTimersByTime(0);
    expect(sizes(calls)).toEqual([1, 4]);
    calls[1]!.finish();
    expect(await Promise.all(rest)).toEqual([[{ y: [2] }], [{ y: [3] }, { y: [4] }], [{ y: [5] }]]);
    // Idle again in a later turn: the next request runs at once.
    await endTurn();
    void batcher.submit(rows(6));
    expect(sizes(calls)).toEqual([1, 4, 1]);
  });

  it('sends a full batch at once even in the turn a batch finished', async () => {
    const { batcher, calls } = make({ maxBatchSize: 2 });
    const first = batcher.submit(rows(1));
    void batcher.submit(rows(2));
    calls[0]!.finish();
    await first;
    expect(sizes(calls)).toEqual([1]);
    void batcher.submit(rows(3));
    expect(sizes(calls)).toEqual([1, 2]);
  });

  it('counts rows, not requests, against maxBatchSize and splits a large request across batches', async () => {
    const { batcher, calls } = make({ maxBatchSize: 4 });
    void batcher.submit(rows(0));
    const big = batcher.submit(rows(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    for (let i = 0; i < 4; i++) {
      calls[i]!.finish();
      await endTurn();
    }
    expect(sizes(calls)).toEqual([1, 4, 4, 2]);
    expect((await big).map((r) => r.y![0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('with a free slot, waits for maxLatencyMs from arrival, or sends a full batch at once', async () => {
    const { batcher, calls } = make({ maxConcurrentBatches: 2, maxBatchSize: 4, maxLatencyMs: 10 });
    void batcher.submit(rows(1));
    void batcher.submit(rows(2));
    expect(sizes(calls)).toEqual([1]);
    vi.advanceTimersByTime(9);
    expect(sizes(calls)).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(sizes(calls)).toEqual([1, 1]);
    calls[0]!.finish();
    await flush();
    void batcher.submit(rows(3, 4));
    void batcher.submit(rows(5, 6));
    expect(sizes(calls)).toEqual([1, 1, 4]);
  });

  it('keeps at most maxConcurrentBatches in flight', () => {
    const { batcher, calls } = make({ maxConcurrentBatches: 2, maxBatchSize: 1 });
    for (let i = 0; i < 5; i++) void batcher.submit(rows(i));
    expect(batcher.batchesInFlight).toBe(2);
    expect(batcher.queuedRows).toBe(3);
    expect(sizes(calls)).toEqual([1, 1]);
  });

  it('reports queue wait measured from arrival', async () => {
    const { batcher, calls, reports } = make();
    const a = batcher.submit(rows(1));
    vi.advanceTimersByTime(3);
    const b = batcher.submit(rows(2));
    vi.advanceTimersByTime(5);
    calls[0]!.finish();
    await a;
    await endTurn();
    calls[1]!.finish();
    await b;
    expect(reports.map((r) => [r.size, r.waitsMs])).toEqual([
      [1, [0]],
      [1, [5]],
    ]);
  });

  it('rejects rows beyond maxQueueRows with a 429 error carrying Retry-After', async () => {
    const { batcher } = make({ maxQueueRows: 4 });
    void batcher.submit(rows(0));
    void batcher.submit(rows(1, 2, 3));
    const err = await batcher.submit(rows(4, 5)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect((err as QueueFullError).status).toBe(429);
    expect((err as QueueFullError).extra.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(batcher.queuedRows).toBe(3);
  });

  it('drops a request whose client went away before it ran', async () => {
    const { batcher, calls } = make();
    void batcher.submit(rows(1));
    const ac = new AbortController();
    const gone = batcher.submit(rows(2), ac.signal);
    const kept = batcher.submit(rows(3));
    ac.abort();
    await expect(gone).rejects.toBeInstanceOf(ClientGoneError);
    calls[0]!.finish();
    await endTurn();
    expect(calls[1]!.rows).toEqual(rows(3));
    calls[1]!.finish();
    expect(await kept).toEqual([{ y: [3] }]);
  });

  it('with batching off runs each request alone', async () => {
    const { batcher, calls } = make({ enabled: false, maxBatchSize: 2 });
    void batcher.submit(rows(1));
    void batcher.submit(rows(2, 3, 4));
    void batcher.submit(rows(5));
    for (let i = 0; i < 3; i++) {
      calls[i]!.finish();
      await flush();
    }
    expect(sizes(calls)).toEqual([1, 3, 1]);
  });

  it('fails every request of a failed batch and keeps serving', async () => {
    const { batcher, calls } = make();
    void batcher.submit(rows(0));
    const a = batcher.submit(rows(1));
    const b = batcher.submit(rows(2));
    calls[0]!.finish();
    await endTurn();
    calls[1]!.fail(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).rejects.toThrow('boom');
    await endTurn();
    const c = batcher.submit(rows(3));
    calls[2]!.finish();
    expect(await c).toEqual([{ y: [3] }]);
  });

  it('on close refuses new rows with 503, flushes queued rows and then reports drained', async () => {
    const { batcher, calls } = make({ maxConcurrentBatches: 2, maxLatencyMs: 1000 });
    const a = batcher.submit(rows(1));
    const b = batcher.submit(rows(2));
    batcher.close();
    expect(sizes(calls)).toEqual([1, 1]);
    await expect(batcher.submit(rows(3))).rejects.toBeInstanceOf(UnavailableError);
    let drained = false;
    const d = batcher.drained().then(() => (drained = true));
    calls[0]!.finish();
    await a;
    expect(drained).toBe(false);
    calls[1]!.finish();
    await b;
    await d;
    expect(drained).toBe(true);
  });
});
