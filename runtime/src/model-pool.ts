/**
 * All models of a service with one batcher each. A model used by several endpoints gets one batcher
 * whose settings are the most permissive of theirs (largest batch and queue, shortest wait).
 */
import { Batcher, type BatcherOptions } from './batcher.js';
import type { ServiceMetrics } from './metrics.js';
import { loadModel, warmUp, type LoadedModel } from './model-loader.js';
import { identityOf, type ModelIdentity } from './models-lock.js';
import { rowProblem } from './tensors.js';
import type { ModelsLock, ServiceDefinition } from './types.js';

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
      out.set(name, prev === undefined ? { ...b } : {
        enabled: prev.enabled || b.enabled,
        maxBatchSize: Math.max(prev.maxBatchSize, b.maxBatchSize),
        maxLatencyMs: Math.min(prev.maxLatencyMs, b.maxLatencyMs),
        maxQueueRows: Math.max(prev.maxQueueRows, b.maxQueueRows),
        maxConcurrentBatches: Math.max(prev.maxConcurrentBatches ?? 1, b.maxConcurrentBatches ?? 1),
      });
    }
  }
  return out;
}

export class ModelPool {
  readonly entries = new Map<string, PoolEntry>();

  constructor(
    private readonly def: ServiceDefinition,
    private readonly metrics: ServiceMetrics,
    /** A loaded model can no longer run (its inference thread died). */
    private readonly onBroken?: (model: string, err: Error) => void,
  ) {}

  get(name: string): PoolEntry | undefined {
    return this.entries.get(name);
  }

  /** Loads and warms every model (at batch sizes 1 and maxBatchSize); throws on the first failure. */
  async load(modelsDir: string, lock: ModelsLock | null): Promise<void> {
    const batching = batchingByModel(this.def);
    for (const m of this.def.models) {
      const model = await loadModel(m, modelsDir, (err) => this.onBroken?.(m.name, err));
      const opts = batching.get(m.name) ?? { enabled: false, maxBatchSize: 1, maxLatencyMs: 0, maxQueueRows: 1 };
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
    const batcher = new Batcher(model.name, (rows) => model.run(rows), opts, {
      checkRow: (row) => rowProblem(row, model.inputs),
      onBatch: (r) => {
        batchSize.observe(r.size);
        inference.observe(r.durationMs / 1000);
        for (const w of r.waitsMs) queueWait.observe(w / 1000);
      },
    });
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
      predictedWaitMs: () => batcher.predictedWaitMs(),
    });
    return batcher;
  }

  /** Refuses new rows, lets queued and running batches finish, then frees the sessions. */
  async drain(): Promise<void> {
    const all = [...this.entries.values()];
    for (const e of all) e.batcher.close();
    await Promise.all(all.map((e) => e.batcher.drained()));
    await Promise.all(all.map((e) => e.model.release()));
  }
}
