/**
 * All models of a service with one batcher each. A model used by several endpoints gets one batcher
 * whose settings are the most permissive of theirs (largest batch and queue, shortest wait).
 */
import type { FastifyBaseLogger } from 'fastify';
import { Batcher, type BatcherOptions } from './batcher.js';
import { ModelRunError, UnavailableError } from './errors.js';
import type { ServiceMetrics } from './metrics.js';
import { loadModel, warmUp, type LoadedModel } from './model-loader.js';
import { identityOf, type ModelIdentity } from './models-lock.js';
import { rowProblem } from './tensors.js';
import type { ModelRow, ModelsLock, ServiceDefinition } from './types.js';

export interface PoolEntry {
  model: LoadedModel;
  batcher: Batcher;
  identity: ModelIdentity;
}

function endpointModels(e: ServiceDefinition['endpoints'][number]): string[] {
  return e.ab ? e.ab.variants.map((v) => v.model) : e.model ? [e.model] : [];
}

/** Merged batching settings per model name. */
export function batchingByModel(def: ServiceDefinition): Map<string, BatcherOptions> {
  const out = new Map<string, BatcherOptions>();
  for (const e of def.endpoints) {
    for (const name of endpointModels(e)) {
      const b = e.batching;
      const prev = out.get(name);
      out.set(
        name,
        prev === undefined
          ? { ...b }
          : {
              enabled: prev.enabled || b.enabled,
              maxBatchSize: Math.max(prev.maxBatchSize, b.maxBatchSize),
              maxLatencyMs: Math.min(prev.maxLatencyMs, b.maxLatencyMs),
              maxQueueRows: Math.max(prev.maxQueueRows, b.maxQueueRows),
              maxConcurrentBatches: Math.max(prev.maxConcurrentBatches ?? 1, b.maxConcurrentBatches ?? 1),
            },
      );
    }
  }
  return out;
}

export interface PoolEvents {
  /** A loaded model can no longer run (its inference thread died). */
  onBroken?(model: string, err: Error): void;
  /** Where failed model runs are logged. */
  log?: Pick<FastifyBaseLogger, 'warn' | 'error'>;
}

export class ModelPool {
  readonly entries = new Map<string, PoolEntry>();
  /** Models whose inference thread died: their requests are refused (503), the others still run. */
  private readonly failed = new Set<string>();

  constructor(
    private readonly def: ServiceDefinition,
    private readonly metrics: ServiceMetrics,
    private readonly events: PoolEvents = {},
  ) {}

  get(name: string): PoolEntry | undefined {
    return this.entries.get(name);
  }

  /** True once the model's inference thread has died; it cannot run again in this process. */
  hasFailed(name: string): boolean {
    return this.failed.has(name);
  }

  /** Loads and warms every model (at batch sizes 1 and maxBatchSize); throws on the first failure. */
  async load(modelsDir: string, lock: ModelsLock | null): Promise<void> {
    const batching = batchingByModel(this.def);
    for (const m of this.def.models) {
      const opts = batching.get(m.name) ?? { enabled: false, maxBatchSize: 1, maxLatencyMs: 0, maxQueueRows: 1 };
      const model = await loadModel(m, modelsDir, {
        fullBatchRows: opts.enabled ? opts.maxBatchSize : 1,
        onBroken: (err) => {
          this.failed.add(m.name);
          this.events.onBroken?.(m.name, err);
        },
      });
      await warmUp(model, [1, opts.enabled ? opts.maxBatchSize : 1]);
      const identity = identityOf(lock, m.name, model.runId);
      this.metrics.modelInfo.set({ model: m.name, source: m.source, version: identity.version, run_id: identity.runId ?? '', sha256: identity.sha256 ?? '' }, 1);
      this.entries.set(m.name, { model, identity, batcher: this.batcherFor(model, opts) });
    }
  }

  private batcherFor(model: LoadedModel, opts: BatcherOptions): Batcher {
    // The model's series, resolved once: prom-client would hash the label set on every observe.
    const labels = { model: model.name };
    const batchSize = this.metrics.batchSize.labels(labels);
    const inference = this.metrics.inferenceDuration.labels(labels);
    const queueWait = this.metrics.queueWait.labels(labels);
    const execute = (rows: ModelRow[]) => model.run(rows).catch((err: unknown) => Promise.reject(this.runFailure(model.name, rows.length, err)));
    const batcher = new Batcher(
      model.name,
      execute,
      { ...opts, computesInCall: model.computesInCall },
      {
        checkRow: (row) => rowProblem(row, model.inputs),
        onBatch: (r) => {
          batchSize.observe(r.size);
          inference.observe(r.durationMs / 1000);
          for (const w of r.waitsMs) queueWait.observe(w / 1000);
          if (r.isolated) this.events.log?.warn({ model: model.name, rows: r.size, ...r.isolated }, 'a batch failed; its requests ran again one by one');
        },
      },
    );
    const { cost } = batcher;
    this.metrics.trackLatencyModel(model.name, {
      get known() {
        return cost.known;
      },
      get perRowMs() {
        return cost.perRowMs;
      },
      get fixedMs() {
        return cost.fixedMs;
      },
      get overrunMs() {
        return cost.overrunMs;
      },
      predictedWaitMs: () => batcher.predictedWaitMs(),
    });
    return batcher;
  }

  /**
   * What a failed run becomes for the requests in it: 503 `model-failed` when the model's thread
   * died (the batch never ran; another replica can answer), else ModelRunError (500
   * `model-error`), which the batcher answers request by request.
   */
  private runFailure(model: string, rows: number, err: unknown): Error {
    if (this.failed.has(model)) return new UnavailableError('model_failed');
    this.events.log?.error({ model, rows, error: err instanceof Error ? err.message : String(err) }, 'the model failed to run a batch');
    return new ModelRunError(model);
  }

  /** Refuses new rows, lets queued and running batches finish, then frees the sessions. */
  async drain(): Promise<void> {
    const all = [...this.entries.values()];
    for (const e of all) e.batcher.close();
    await Promise.all(all.map((e) => e.batcher.drained()));
    await Promise.all(all.map((e) => e.model.release()));
  }
}
