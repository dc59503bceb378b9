/**
 * The scheduling policy of the batcher, with a controllable executor: the executor is not the unit
 * under test here, the policy is (when batches start, how rows are counted, split and shed).
 * Fake timers drive the maxLatencyMs clock, so nothing depends on real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher, STACKED_BATCHES, type BatcherOptions, type BatchReport } from '../src/batcher.js';
import { ClientGoneError, ModelRunError, QueueBudgetError, QueueFullError, UnavailableError } from '../src/errors.js';
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

  it('holds an overdue partial batch to the end of the turn its predecessor finished in', async () => {
    const { batcher, calls } = make({ maxBatchSize: 8, maxLatencyMs: 10 });
    const first = batcher.submit(rows(1));
    const queued = batcher.submit(rows(2));
    vi.advanceTimersByTime(50); // the running batch takes 50 ms: row 2 is 40 ms past maxLatencyMs
    calls[0]!.finish();
    await first;
    expect(sizes(calls)).toEqual([1]);
    // Read later in the same turn (they arrived while the batch ran): they join row 2.
    const late = [batcher.submit(rows(3)), batcher.submit(rows(4))];
    expect(sizes(calls)).toEqual([1]);
    await endTurn();
    expect(sizes(calls)).toEqual([1, 3]);
    calls[1]!.finish();
    expect(await Promise.all([queued, ...late])).toEqual([[{ y: [2] }], [{ y: [3] }], [{ y: [4] }]]);
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

  it("fits a stacked batch's cost from when the batch before it finished, not from its dispatch", async () => {
    const { batcher, calls } = make({ maxBatchSize: 3 });
    const a = batcher.submit(rows(0));
    const b = batcher.submit(rows(1, 2, 3)); // full: stacked behind the first at once
    expect(sizes(calls)).toEqual([1, 3]);
    vi.advanceTimersByTime(8);
    calls[0]!.finish();
    await a;
    vi.advanceTimersByTime(8);
    calls[1]!.finish();
    await b;
    // Each ran 8 ms: the fit is flat at 8 ms (dispatch to outputs would have said 16 ms for the second).
    expect([batcher.cost.perRowMs, batcher.cost.fixedMs].map((x) => Math.round(x * 1e9) / 1e9)).toEqual([0, 8]);
  });

  it('times a model that computes in the call (the event-loop thread) to the return of each call', async () => {
    // Each call takes 5 ms before it returns. The full batches submitted behind the first stack and
    // run at once, in the same tick, so the first one's promise settles only after all four ran:
    // timed to that, it would have cost 20 ms.
    const reports: BatchReport[] = [];
    const execute = (batch: ModelRow[]) => {
      vi.advanceTimersByTime(5);
      return Promise.resolve(batch.map((r) => ({ y: r.x! })));
    };
    const options: BatcherOptions = { enabled: true, maxBatchSize: 4, maxLatencyMs: 10, maxQueueRows: 16, computesInCall: true };
    const batcher = new Batcher('m', execute, options, { onBatch: (r) => reports.push(r), now: () => Date.now() });
    const first = batcher.submit(rows(0));
    const backlog = [0, 1, 2].map((i) => batcher.submit(rows(4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4)));
    expect(reports).toEqual([]);
    await first;
    await Promise.all(backlog);
    expect(reports.map((r) => [r.size, r.durationMs])).toEqual([
      [1, 5],
      [4, 5],
      [4, 5],
      [4, 5],
    ]);
    expect([batcher.cost.perRowMs, batcher.cost.fixedMs].map((x) => Math.round(x * 1e9) / 1e9)).toEqual([0, 5]);
  });

  it('keeps at most maxConcurrentBatches in flight', () => {
    const { batcher, calls } = make({ maxConcurrentBatches: 2, enabled: false });
    for (let i = 0; i < 5; i++) void batcher.submit(rows(i));
    expect(batcher.batchesInFlight).toBe(2);
    expect(batcher.queuedRows).toBe(3);
    expect(sizes(calls)).toEqual([1, 1]);
  });

  it('stacks full batches behind the running one, up to STACKED_BATCHES, while a backlog drains; partial ones wait', async () => {
    const { batcher, calls } = make({ maxBatchSize: 2 });
    const stacked = STACKED_BATCHES - 1;
    // One request runs alone (idle model), STACKED_BATCHES - 1 full batches of 2 stack behind it, 4 rows wait.
    const all = Array.from({ length: 1 + 2 * stacked + 4 }, (_, i) => batcher.submit(rows(i)));
    expect(sizes(calls)).toEqual([1, ...new Array<number>(stacked).fill(2)]);
    expect([batcher.batchesInFlight, batcher.queuedRows]).toEqual([STACKED_BATCHES, 4]);
    calls[0]!.finish();
    await endTurn();
    expect([calls.length, batcher.batchesInFlight, batcher.queuedRows]).toEqual([STACKED_BATCHES + 1, STACKED_BATCHES, 2]);
    for (let i = 1; i <= STACKED_BATCHES; i++) calls[i]!.finish();
    await endTurn();
    expect(sizes(calls)).toEqual([1, ...new Array<number>(stacked + 2).fill(2)]);
    calls[STACKED_BATCHES + 1]!.finish();
    await Promise.all(all);
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

  it('runs a batch the model refused (ModelRunError) again request by request: only the request whose rows fail alone fails', async () => {
    const { batcher, calls, reports } = make({ maxBatchSize: 8 });
    const first = batcher.submit(rows(1));
    const settled = Promise.allSettled([batcher.submit(rows(2)), batcher.submit(rows(3, 4)), batcher.submit(rows(5))]);
    calls[0]!.finish();
    await first;
    await endTurn();
    expect(sizes(calls)).toEqual([1, 4]);
    calls[1]!.fail(new ModelRunError('m'));
    // One request at a time, in the failed batch's slot.
    for (const [i, outcome] of [
      [2, 'ok'],
      [3, 'fail'],
      [4, 'ok'],
    ] as const) {
      await vi.waitFor(() => expect(calls).toHaveLength(i + 1));
      if (outcome === 'ok') calls[i]!.finish();
      else calls[i]!.fail(new ModelRunError('m'));
    }
    expect(sizes(calls)).toEqual([1, 4, 1, 2, 1]);
    const [ra, rb, rc] = await settled;
    expect(ra).toEqual({ status: 'fulfilled', value: [{ y: [2] }] });
    expect(rb).toEqual({ status: 'rejected', reason: expect.any(ModelRunError) });
    expect(rc).toEqual({ status: 'fulfilled', value: [{ y: [5] }] });
    await vi.waitFor(() => expect(reports).toHaveLength(2));
    expect(reports[1]).toMatchObject({ size: 4, failed: true, isolated: { requests: 3, failed: 1 } });
    expect(batcher.batchesInFlight).toBe(0);
  });

  it('does not run a batch again when it failed for another reason (a dead inference thread, a bug)', async () => {
    const { batcher, calls, reports } = make({ maxBatchSize: 8 });
    const first = batcher.submit(rows(1));
    const rest = Promise.allSettled([batcher.submit(rows(2)), batcher.submit(rows(3))]);
    calls[0]!.finish();
    await first;
    await endTurn();
    calls[1]!.fail(new UnavailableError('model_failed'));
    expect((await rest).map((r) => r.status === 'rejected' && r.reason instanceof UnavailableError)).toEqual([true, true]);
    expect(sizes(calls)).toEqual([1, 2]);
    expect(reports[1]).not.toHaveProperty('isolated');
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

describe('Batcher queue budget', () => {
  /** Runs one batch of `n` rows that takes `ms` of fake time, so the cost model has a sample. */
  async function teach(b: ReturnType<typeof make>, n: number, ms: number) {
    const p = b.batcher.submit(rows(...Array.from({ length: n }, (_, i) => i)));
    vi.advanceTimersByTime(ms);
    b.calls.at(-1)!.finish();
    await p;
    await endTurn();
  }

  it('predicts the wait from what is left of the running batch and the full batches queued ahead', async () => {
    const b = make({ maxBatchSize: 4, maxQueueRows: 64 });
    await teach(b, 4, 8); // 2 ms per row
    expect(b.batcher.predictedWaitMs()).toBe(0);
    void b.batcher.submit(rows(1, 2, 3, 4));
    vi.advanceTimersByTime(3);
    // 8 ms batch in flight, 3 ms gone; nothing queued.
    expect(b.batcher.predictedWaitMs()).toBe(5);
    for (let i = 0; i < 9; i++) void b.batcher.submit(rows(i));
    // Two full batches of 4 ahead (the ninth row waits for a third).
    expect(b.batcher.predictedWaitMs()).toBe(5 + 2 * 8);
  });

  it('refuses on arrival with 503 and Retry-After when the predicted wait exceeds the budget, and queues nothing', async () => {
    const b = make({ maxBatchSize: 4, maxQueueRows: 64, queueBudgetMs: 10 });
    await teach(b, 4, 8);
    void b.batcher.submit(rows(1, 2, 3, 4));
    for (let i = 0; i < 4; i++) void b.batcher.submit(rows(i));
    // The four rows fill a batch, stacked behind the running one: 8 ms left in flight + 8 ms stacked = 16 ms > 10 ms.
    expect([b.batcher.batchesInFlight, b.batcher.queuedRows]).toEqual([2, 0]);
    const err = await b.batcher.submit(rows(9)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueBudgetError);
    expect((err as QueueBudgetError).status).toBe(503);
    expect((err as QueueBudgetError).when).toBe('predicted');
    expect((err as QueueBudgetError).extra.retryAfterSeconds).toBe(1);
    expect(b.batcher.queuedRows).toBe(0);
    // A request with a larger budget of its own is admitted.
    void b.batcher.submit(rows(10), undefined, 100);
    expect(b.batcher.queuedRows).toBe(1);
  });

  /**
   * A model whose batch of 4 costs 50 ms (budget 100 ms): batch A runs, a full batch B stacks
   * behind it (it starts within 50 ms), and row 9 queues (predicted start 100 ms). A overruns its
   * cost; at 60 ms three rows fill row 9's batch, which would start after 9's budget behind B
   * (50 ms left of B against 40 ms left of the budget), so it is held, not stacked.
   */
  async function heldBehindOverrun() {
    const b = make({ maxBatchSize: 4, maxQueueRows: 64, queueBudgetMs: 100 });
    await teach(b, 4, 50);
    const a = b.batcher.submit(rows(1, 2, 3, 4));
    const stacked = [5, 6, 7, 8].map((x) => b.batcher.submit(rows(x)));
    const head = b.batcher.submit(rows(9));
    vi.advanceTimersByTime(60);
    const rest = [10, 11, 12].map((x) => b.batcher.submit(rows(x)));
    expect(sizes(b.calls)).toEqual([4, 4, 4]);
    expect([b.batcher.batchesInFlight, b.batcher.queuedRows]).toEqual([2, 4]);
    // A ends: B starts now and has all of its cost ahead (55 ms, refitted with A's 60), more than
    // row 9 has left. A ran 10 ms over its prediction: the overrun spread is sqrt(2 * 10²).
    b.calls[1]!.finish();
    await a;
    await endTurn();
    expect(sizes(b.calls)).toEqual([4, 4, 4]);
    expect([Math.round(b.batcher.cost.predictMs(4)), b.batcher.cost.overrunMs]).toEqual([55, Math.sqrt(200)]);
    // 10 ms into B (started when A ended, not when it was handed over): a new request would wait
    // for the rest of B and the held batch, plus a margin of 2.33 spreads times the square root of
    // the batches it waits for, its own included (3).
    vi.advanceTimersByTime(10);
    expect(b.batcher.predictedWaitMs()).toBeCloseTo(2 * b.batcher.cost.predictMs(4) - 10 + 2.33 * Math.sqrt(200) * Math.sqrt(3), 9);
    return { b, stacked, head, rest };
  }

  it('holds a full batch that would start after its oldest row ran out of budget, and runs it when a slot frees in time', async () => {
    const { b, stacked, head, rest } = await heldBehindOverrun();
    vi.advanceTimersByTime(10); // B takes 20 ms, not 55: row 9 has waited 80 ms
    b.calls[2]!.finish();
    await Promise.all(stacked);
    await endTurn();
    expect(sizes(b.calls)).toEqual([4, 4, 4, 4]);
    b.calls[3]!.finish();
    expect(await Promise.all([head, ...rest])).toEqual([9, 10, 11, 12].map((x) => [{ y: [x] }]));
  });

  it('refuses a held row whose budget ran out before a slot freed, and runs the rows behind it', async () => {
    const { b, stacked, head, rest } = await heldBehindOverrun();
    vi.advanceTimersByTime(40); // row 9 has waited 110 ms when B ends
    b.calls[2]!.finish();
    await Promise.all(stacked);
    await endTurn();
    const err = await head.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueBudgetError);
    expect((err as QueueBudgetError).when).toBe('expired');
    expect(sizes(b.calls)).toEqual([4, 4, 4, 3]);
    b.calls[3]!.finish();
    expect(await Promise.all(rest)).toEqual([10, 11, 12].map((x) => [{ y: [x] }]));
  });

  it('refuses a queued request whose budget ran out before its batch started, and runs the rest', async () => {
    const b = make({ maxBatchSize: 4, maxQueueRows: 64 });
    const first = b.batcher.submit(rows(0));
    const late = b.batcher.submit(rows(1), undefined, 5);
    const patient = b.batcher.submit(rows(2), undefined, 1000);
    vi.advanceTimersByTime(6);
    b.calls[0]!.finish();
    await first;
    await endTurn();
    const err = await late.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueBudgetError);
    expect((err as QueueBudgetError).when).toBe('expired');
    expect(b.calls[1]!.rows).toEqual(rows(2));
    b.calls[1]!.finish();
    expect(await patient).toEqual([{ y: [2] }]);
    expect(b.batcher.queuedRows).toBe(0);
  });

  it('never refuses while the model is idle, whatever it cost before', async () => {
    const b = make({ maxBatchSize: 4, queueBudgetMs: 1 });
    await teach(b, 4, 500);
    const p = b.batcher.submit(rows(7));
    expect(sizes(b.calls)).toEqual([4, 1]);
    b.calls[1]!.finish();
    expect(await p).toEqual([{ y: [7] }]);
  });

  it('with batching off, counts each queued request as a batch of its own', async () => {
    const b = make({ enabled: false, maxBatchSize: 4, maxQueueRows: 64 });
    await teach(b, 2, 4); // 2 ms per row
    void b.batcher.submit(rows(1, 2));
    void b.batcher.submit(rows(3, 4));
    void b.batcher.submit(rows(5, 6));
    // 4 ms in flight + two requests of 2 rows ahead (4 ms each).
    expect(b.batcher.predictedWaitMs()).toBe(12);
  });
});
