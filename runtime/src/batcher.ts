/**
 * The micro-batcher of one model. Rows (not requests) count against `maxBatchSize`; each row's
 * clock starts when its request arrives (not when it is dequeued, cf. pytorch/serve#2478).
 * A batch is dispatched, while fewer than `maxConcurrentBatches` run, as soon as one holds:
 *   - the model is idle (nothing in flight): no added latency at low load. When a batch has just
 *     finished, the model counts as idle only from the end of that event-loop turn, so requests
 *     read in the same turn (they piled up in the sockets while the batch ran) join one batch
 *     instead of the first of them running alone;
 *   - `maxBatchSize` rows are queued;
 *   - the oldest queued row has waited `maxLatencyMs`, except in the turn a batch finished: rows
 *     queued before it ran are overdue by then, and sending them at once sent them alone, ahead of
 *     the requests that piled up in the sockets meanwhile (seen in a trace of a model whose smallest
 *     batch costs 10 ms; mean rows per batch at twice its rate 61.3 -> 63.7 with this rule);
 *   - the batcher is closing (flush what is left).
 * While every slot is busy, full batches may still be handed to the model, up to STACKED_BATCHES in
 * flight: they run back to back. On a worker thread they wait in its message queue, so it goes from
 * one to the next without a round trip through the event loop; on the event-loop thread each runs
 * when it is dispatched (native-session.ts), so a backlog drains in the turn that found it. 16
 * rather than 4 dates from when every batch on the event-loop thread ran in a setImmediate: with 4,
 * the fifth batch's cost, fitted from the end of the one before it, took in the next turn's reading
 * of ~1,000 sockets, the fitted cost doubled, the predicted wait crossed the budget and refusals
 * took the event loop from the 200s (1,024 connections, service on one core: 0.38-0.49 of the
 * sustainable rate as 200s with 4, 0.75-0.95 with 16; bench/results/overload.findings.md).
 * A full batch is stacked only if it would start within the budget its oldest row has left
 * (predicted as below); otherwise it stays queued until a slot frees, where the budget is checked
 * again when it starts. Stacked regardless, a model whose batch takes ~50 ms on a worker thread
 * sharing one core at twice its rate ran its batches 131-174 ms on average from dispatch to
 * outputs, the rows of the deeper ones answered past their budget (overload.findings.md, section 9).
 * A request larger than a batch is split across batches and re-joined. One timer, no polling.
 * A batch the model refuses (ModelRunError) runs again request by request, so one request's bad
 * rows fail only that request.
 * With batching disabled each request runs alone, still under the concurrency bound.
 *
 * Overload is shed, not queued: each request may carry a queue budget (the longest it may wait
 * before its batch starts). A request whose predicted wait, from the fitted cost of a batch
 * (`BatchCost`) and the rows ahead of it, plus the time it already spent in the service before
 * `submit` (`spentMs`: reading and checking the body, long when the event loop is saturated),
 * exceeds its budget is refused on arrival, unless nothing is ahead of it; one that waits in the
 * queue longer than its budget is refused when it reaches the head. The prediction carries a
 * margin for batches that run over their fitted cost (`BatchCost.overrunMs`), so it holds for 99
 * requests in 100 and not only on average: under sustained overload the queue fills up to the
 * budget, so a prediction that is right on average leaves half the answers late. For the ~50 ms
 * model above at twice its rate, the p99 of the 200s went from 1.41-1.56x budget + one batch to
 * 1.01-1.04x (overload.findings.md, section 9).
 * Both are 503 with Retry-After (`QueueBudgetError`), so a caller with a deadline gets a fast
 * refusal, not a late answer. The HTTP route also asks `predictedWaitMs` before it reads the body
 * (predict-route.ts), so most refusals cost no parsing at all.
 */
import { BatchCost } from './batch-cost.js';
import { ClientGoneError, InvalidRequestError, ModelRunError, QueueBudgetError, QueueFullError, UnavailableError } from './errors.js';
import type { ModelOutputRow, ModelRow } from './types.js';

/**
 * What `submit` needs to drop a request whose client went away. An `AbortSignal` fits; the HTTP
 * route passes a lighter object (an AbortController per request showed up in profiles).
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
}

export type Execute = (rows: ModelRow[]) => Promise<ModelOutputRow[]>;

const ONCE = { once: true } as const;

/** The normal quantile of the predicted waits: 2.33 standard deviations, the 99th percentile. */
const SPREAD_Z = 2.33;

/** Full batches in flight at most, beyond `maxConcurrentBatches`, while a backlog drains. */
export const STACKED_BATCHES = 16;

export interface BatcherOptions {
  enabled: boolean;
  maxBatchSize: number;
  maxLatencyMs: number;
  maxQueueRows: number;
  /** Batches in flight at once (default 1); the next batch forms while they run. */
  maxConcurrentBatches?: number;
  /** Default queue budget of a request, in ms (none when absent); `submit` may pass its own. */
  queueBudgetMs?: number;
  /**
   * `execute` computes the batch before it returns (the model runs on the event-loop thread). A
   * batch then ends when the call returns: its promise settles only after every batch dispatched
   * after it in the same pump has run too, and timing it to that would give it all their cost.
   */
  computesInCall?: boolean;
}

export interface BatchReport {
  size: number;
  /** Milliseconds from arrival to batch start, one per request part in the batch. */
  waitsMs: number[];
  durationMs: number;
  failed: boolean;
  /** The model refused the batch, and its requests ran again alone: how many, and how many failed alone. */
  isolated?: { requests: number; failed: number };
}

export interface BatcherHooks {
  /** Called after every batch, for metrics. */
  onBatch?(report: BatchReport): void;
  /** Checks a row before it is queued; a message makes the request fail alone with 400. */
  checkRow?(row: ModelRow): string | null;
  /** Monotonic clock in ms (tests may pass a fake one). */
  now?(): number;
}

interface Job {
  rows: ModelRow[];
  outputs: ModelOutputRow[];
  arrivedAt: number;
  /** Longest the first row may wait in the queue for its batch to start, in ms (Infinity: no budget). */
  budgetMs: number;
  /** Rows handed to batches so far. */
  taken: number;
  /** Rows whose outputs are still missing. */
  pending: number;
  done: boolean;
  resolve(out: ModelOutputRow[]): void;
  reject(err: unknown): void;
}

interface Part {
  job: Job;
  from: number;
  to: number;
}

interface Running {
  start: number;
  size: number;
  stacked: boolean;
}

export class Batcher {
  private readonly queue: Job[] = [];
  private queued = 0;
  private inFlight = 0;
  /** A batch finished in this event-loop turn; idle dispatch waits for the turn's other requests. */
  private settling = false;
  private closing = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private idleWaiters: Array<() => void> = [];
  /** When the last batch finished: a stacked batch's own run starts then, not at its dispatch. */
  private lastDone = Number.NEGATIVE_INFINITY;
  /**
   * Each batch in flight, in dispatch order: rows, and when it started running (for a stacked
   * batch, when it was handed over, until the batch ahead of it ends and it begins: `stacked`).
   */
  private readonly running = new Set<Running>();
  /** The fitted cost of a batch, from every batch run so far. */
  readonly cost = new BatchCost();
  private readonly maxConcurrent: number;
  private readonly maxStacked: number;
  private readonly now: () => number;

  constructor(
    readonly model: string,
    private readonly execute: Execute,
    private readonly opts: BatcherOptions,
    private readonly hooks: BatcherHooks = {},
  ) {
    this.maxConcurrent = Math.max(1, opts.maxConcurrentBatches ?? 1);
    this.maxStacked = Math.max(this.maxConcurrent, STACKED_BATCHES);
    this.now = hooks.now ?? (() => performance.now());
  }

  get queuedRows(): number {
    return this.queued;
  }

  get batchesInFlight(): number {
    return this.inFlight;
  }

  /**
   * Queues a request's rows; resolves with one output row per input row, in order. `budgetMs` is
   * the longest the request may wait for its first batch to start (default `queueBudgetMs`), of
   * which `spentMs` already went before this call.
   */
  submit(rows: ModelRow[], signal?: CancelSignal, budgetMs = this.opts.queueBudgetMs ?? Number.POSITIVE_INFINITY, spentMs = 0): Promise<ModelOutputRow[]> {
    if (this.closing) return Promise.reject(new UnavailableError('shutting_down'));
    if (signal?.aborted) return Promise.reject(new ClientGoneError());
    try {
      this.checkRows(rows);
    } catch (err) {
      return Promise.reject(err);
    }
    if (rows.length === 0) return Promise.resolve([]);
    // A request bigger than the whole queue is still admitted into an empty queue, else it could never run.
    if (this.queued > 0 && this.queued + rows.length > this.opts.maxQueueRows) {
      return Promise.reject(new QueueFullError(this.model, this.retryAfterSeconds()));
    }
    // Nothing ahead: the request starts now, whatever it spent before (refusing it would spare no one).
    const predictedMs = this.predictedWaitMs();
    const waitMs = spentMs + predictedMs;
    if (predictedMs > 0 && waitMs > budgetMs) {
      return Promise.reject(new QueueBudgetError(this.model, 'predicted', waitMs, budgetMs, this.retryAfterSeconds()));
    }
    return new Promise<ModelOutputRow[]>((resolve, reject) => {
      const job: Job = { rows, outputs: new Array(rows.length), arrivedAt: this.now(), budgetMs, taken: 0, pending: rows.length, done: false, resolve, reject };
      this.queue.push(job);
      this.queued += rows.length;
      signal?.addEventListener('abort', () => this.abandon(job), ONCE);
      this.pump();
    });
  }

  /** Stops accepting rows; queued rows are flushed at once. */
  close(): void {
    this.closing = true;
    this.pump();
  }

  /** Resolves when nothing is queued or running. */
  drained(): Promise<void> {
    if (this.queued === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Seconds until the queue ahead of a new request has likely cleared (at least 1). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.predictedWaitMs() + this.batchMs(this.batchLimit())) / 1000));
  }

  /**
   * Milliseconds a request arriving now would wait before its first row's batch starts: what is
   * left of the batches in flight, plus the batches the rows queued ahead of it fill, with a margin
   * for its own batch (`startsInMs`). 0 while nothing has been measured yet, or while a batch slot
   * is free and nothing is queued.
   */
  predictedWaitMs(): number {
    if (!this.cost.known || (this.queued === 0 && this.inFlight < this.maxConcurrent)) return 0;
    const limit = this.batchLimit();
    const batchesAhead = Number.isFinite(limit) ? Math.floor(this.queued / limit) : this.queue.length;
    const rowsPerBatch = Number.isFinite(limit) ? limit : this.queued / Math.max(1, this.queue.length);
    return this.startsInMs(batchesAhead, this.batchMs(rowsPerBatch), 1);
  }

  /**
   * Milliseconds until a batch with `batchesAhead` queued batches of `batchMs` each ahead of it
   * would start: what is left of the batches in flight while every slot is busy (running ones from
   * when they started, stacked ones whole), plus those queued, from the fitted cost; plus a margin
   * for batches that overrun the fit (`BatchCost.overrunMs`), so the estimate holds for 99 requests
   * in 100 rather than on average: SPREAD_Z times that spread times the square root of the batches
   * waited for and of `ownBatches` more (a request's own batch may overrun too, and its caller
   * waits for it), their overruns taken as independent. With batches that match the fit the margin is 0.
   */
  private startsInMs(batchesAhead: number, batchMs: number, ownBatches = 0): number {
    let left = batchesAhead * batchMs;
    let batches = batchesAhead;
    if (this.cost.known && this.inFlight >= this.maxConcurrent) {
      const now = this.now();
      for (const b of this.running) {
        const cost = this.cost.predictMs(b.size);
        left += b.stacked ? cost : Math.max(0, cost - (now - b.start));
        batches++;
      }
    }
    if (batches === 0) return 0;
    return (left + SPREAD_Z * this.cost.overrunMs * Math.sqrt(batches + ownBatches)) / this.maxConcurrent;
  }

  /**
   * Whether a full batch stacked now would start within the budget its oldest row has left. One
   * that would not stays queued: handed over, its rows would wait unseen behind the batches ahead
   * and be answered late; queued, they are refused at dispatch if their budget runs out first, and
   * new requests see them in `predictedWaitMs`. A model that computes in the call runs a batch when
   * it is dispatched, with nothing ahead.
   */
  private stackedStartsInTime(): boolean {
    if (this.opts.computesInCall) return true;
    const head = this.queue[0]!;
    return this.startsInMs(0, 0) <= head.budgetMs - (this.now() - head.arrivedAt);
  }

  private batchMs(rows: number): number {
    return this.cost.predictMs(Number.isFinite(rows) ? rows : 1);
  }

  private checkRows(rows: ModelRow[]): void {
    if (!this.hooks.checkRow) return;
    for (const [i, row] of rows.entries()) {
      const problem = this.hooks.checkRow(row);
      if (problem) throw new InvalidRequestError(`preprocessed row ${i}: ${problem}`, [{ pointer: '', message: problem }]);
    }
  }

  /** A client that left before its rows were taken is dropped; rows already running finish. */
  private abandon(job: Job): void {
    if (job.done || job.taken > 0) return;
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    this.queued -= job.rows.length;
    this.finish(job, new ClientGoneError());
    this.pump();
  }

  private batchLimit(): number {
    return this.opts.enabled ? this.opts.maxBatchSize : Number.POSITIVE_INFINITY;
  }

  private shouldDispatch(): boolean {
    if (this.queued === 0) return false;
    if (this.inFlight >= this.maxConcurrent) return this.opts.enabled && !this.closing && this.inFlight < this.maxStacked && this.queued >= this.opts.maxBatchSize && this.stackedStartsInTime();
    if (!this.opts.enabled || this.closing || (this.inFlight === 0 && !this.settling)) return true;
    if (this.queued >= this.opts.maxBatchSize) return true;
    // Settling: the batch forms at the end of the turn, with the requests read in it (see above).
    return !this.settling && this.now() - this.queue[0]!.arrivedAt >= this.opts.maxLatencyMs;
  }

  private pump(): void {
    while (this.shouldDispatch()) {
      const parts = this.takeBatch();
      if (parts.length > 0) void this.dispatch(parts);
    }
    this.armTimer();
    if (this.queued === 0 && this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }

  /** One timer, for the moment the oldest queued row reaches maxLatencyMs. */
  private armTimer(): void {
    const head = this.queue[0];
    const needed = head !== undefined && this.inFlight < this.maxConcurrent;
    const at = needed ? head.arrivedAt + this.opts.maxLatencyMs : 0;
    if (this.timer && (!needed || at !== this.timerAt)) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (needed && !this.timer) {
      this.timerAt = at;
      this.timer = setTimeout(
        () => {
          this.timer = null;
          this.pump();
        },
        Math.max(0, at - this.now()),
      );
    }
  }

  /**
   * Removes from the queue a job that must not run: an earlier part of it failed (its other rows
   * would be wasted work), or its budget ran out before any row started (its caller is answered
   * now rather than late). Returns false for a job that runs.
   */
  private dropIfDead(job: Job): boolean {
    if (!job.done) {
      const waited = this.now() - job.arrivedAt;
      if (job.taken > 0 || waited <= job.budgetMs) return false;
      this.finish(job, new QueueBudgetError(this.model, 'expired', waited, job.budgetMs, this.retryAfterSeconds()));
    }
    this.queue.splice(this.queue.indexOf(job), 1);
    this.queued -= job.rows.length - job.taken;
    return true;
  }

  /** Takes up to one batch of rows from the head, splitting a request that does not fit. */
  private takeBatch(): Part[] {
    while (this.queue.length > 0 && this.dropIfDead(this.queue[0]!));
    const head = this.queue[0];
    if (head === undefined) return [];
    const limit = this.opts.enabled ? this.opts.maxBatchSize : head.rows.length - head.taken;
    const parts: Part[] = [];
    let size = 0;
    let i = 0;
    while (size < limit && i < this.queue.length) {
      const job = this.queue[i]!;
      if (this.dropIfDead(job)) continue;
      const n = Math.min(limit - size, job.rows.length - job.taken);
      parts.push({ job, from: job.taken, to: job.taken + n });
      job.taken += n;
      size += n;
      if (job.taken === job.rows.length) this.queue.splice(i, 1);
      else i++;
    }
    this.queued -= size;
    return parts;
  }

  private async dispatch(parts: Part[]): Promise<void> {
    this.inFlight++;
    const start = this.now();
    const rows: ModelRow[] = [];
    for (const p of parts) for (let i = p.from; i < p.to; i++) rows.push(p.job.rows[i]!);
    const batch: Running = { start, size: rows.length, stacked: this.inFlight > this.maxConcurrent };
    this.running.add(batch);
    let durationMs = 0;
    let failed = false;
    let isolated: BatchReport['isolated'];
    let returnedAt = Number.NaN;
    try {
      const call = this.execute(rows);
      if (this.opts.computesInCall) returnedAt = this.now();
      const out = await call;
      durationMs = this.endedAt(returnedAt) - start;
      this.deliver(parts, out, rows.length);
    } catch (err) {
      failed = true;
      durationMs ||= this.endedAt(returnedAt) - start;
      if (parts.length > 1 && err instanceof ModelRunError) isolated = await this.runAlone(parts, batch);
      else for (const p of parts) this.finish(p.job, err);
    } finally {
      // The cost fit and the report take the one model call of this batch; re-runs observe their own.
      // A stacked batch's own run began when the one before it finished.
      const ranFrom = Math.max(start, Math.min(this.lastDone, start + durationMs));
      this.cost.observe(rows.length, start + durationMs - ranFrom);
      this.lastDone = start + durationMs;
      this.running.delete(batch);
      this.startNextStacked(this.lastDone);
      this.inFlight--;
      this.hooks.onBatch?.({ size: rows.length, waitsMs: parts.map((p) => start - p.job.arrivedAt), durationMs, failed, ...(isolated && { isolated }) });
      this.settle();
    }
  }

  /** A slot came free at `at`: the oldest stacked batch, next in the model's queue, starts then. */
  private startNextStacked(at: number): void {
    for (const b of this.running) {
      if (!b.stacked) continue;
      b.stacked = false;
      b.start = Math.max(b.start, at);
      return;
    }
  }

  /** When a batch ended: when `execute` returned, for a model that computes in the call (NaN otherwise), else now. */
  private endedAt(returnedAt: number): number {
    return Number.isNaN(returnedAt) ? this.now() : returnedAt;
  }

  private deliver(parts: Part[], out: ModelOutputRow[], expected: number): void {
    if (out.length !== expected) throw new Error(`model "${this.model}" returned ${out.length} rows for ${expected}`);
    let k = 0;
    for (const p of parts) {
      for (let i = p.from; i < p.to; i++) p.job.outputs[i] = out[k++]!;
      p.job.pending -= p.to - p.from;
      if (p.job.pending === 0) this.finish(p.job, null);
    }
  }

  /**
   * The model refused a batch of several requests (e.g. one id outside an embedding table): each
   * request's rows run again alone, in this batch's slot, so only requests whose own rows fail get
   * the error, not every request that shared the batch. At most one extra run per request. The
   * slot's entry in `running` follows each re-run, so predicted waits stay honest meanwhile.
   */
  private async runAlone(parts: Part[], slot: Running): Promise<{ requests: number; failed: number }> {
    let failed = 0;
    for (const p of parts) {
      if (p.job.done) continue; // another part of it already failed in a concurrent batch
      const rows = p.job.rows.slice(p.from, p.to);
      slot.start = this.now();
      slot.size = rows.length;
      try {
        const call = this.execute(rows);
        const returnedAt = this.opts.computesInCall ? this.now() : Number.NaN;
        const out = await call;
        this.cost.observe(rows.length, this.endedAt(returnedAt) - slot.start);
        this.deliver([p], out, rows.length);
      } catch (err) {
        failed++;
        this.finish(p.job, err);
      }
    }
    return { requests: parts.length, failed };
  }

  /** Forms the next batch at the end of this event-loop turn (a full or overdue batch goes at once). */
  private settle(): void {
    if (!this.settling && !this.closing) {
      this.settling = true;
      setImmediate(() => {
        this.settling = false;
        this.pump();
      });
    }
    this.pump();
  }

  private finish(job: Job, err: unknown): void {
    if (job.done) return;
    job.done = true;
    if (err === null) job.resolve(job.outputs);
    else job.reject(err);
  }
}
