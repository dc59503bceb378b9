/**
 * The deploy pipeline's stage graph under orca's scheduling rules, simulated from orca's source
 * (not a real orca: none runs here). Rules modelled, with where they live in orca:
 * - a stage starts when every upstream stage is SUCCEEDED, FAILED_CONTINUE or SKIPPED
 *   (orca-kotlin ext/Stage.kt allUpstreamStagesComplete);
 * - it never starts if an upstream is TERMINAL, STOPPED or CANCELED (StartStageHandler.anyUpstreamStagesFailed);
 * - `stageEnabled` false -> SKIPPED (OptionalStageSupport);
 * - a failure becomes FAILED_CONTINUE if continuePipeline, TERMINAL if failPipeline (default), else STOPPED
 *   (ext/Stage.kt failureStatus);
 * - a TERMINAL stage cancels everything not yet finished (CompleteStageHandler / CancelExecution);
 * - final status: all SUCCEEDED/SKIPPED/FAILED_CONTINUE -> SUCCEEDED; any TERMINAL -> TERMINAL; STOPPED with
 *   completeOtherBranchesThenFail -> TERMINAL (CompleteExecutionHandler.determineFinalStatus).
 */
import { describe, expect, it } from 'vitest';
import { deployPipeline, rollbackPipeline } from '../../src/emit/spinnaker-pipeline.js';
import { abModel, minimalModel } from '../support/fixtures.js';

type Json = Record<string, any>;
type Status = 'SUCCEEDED' | 'FAILED_CONTINUE' | 'SKIPPED' | 'TERMINAL' | 'STOPPED' | 'CANCELED' | 'NOT_STARTED';

/** Evaluates the only expression forms the generator emits; anything else fails the test. */
function evaluate(expr: string, statusByName: Map<string, Status>): boolean {
  return expr.split(' and ').every((part) => {
    const m = /^\(?#stage\('((?:[^']|'')*)'\)\['status'\]\.toString\(\) == '([A-Z_]+)'\)?$/.exec(part);
    if (!m) throw new Error(`unexpected expression form: ${part}`);
    return statusByName.get(m[1]!.replaceAll("''", "'")) === m[2];
  });
}

function failureStatus(s: Json): Status {
  if (s.continuePipeline === true) return 'FAILED_CONTINUE';
  if (s.failPipeline === undefined || s.failPipeline === true) return 'TERMINAL';
  return 'STOPPED';
}

/** Runs the pipeline; `fails` names the refIds whose work fails when they run. */
function simulate(stages: Json[], fails: Set<string>) {
  const status = new Map<string, Status>(stages.map((s) => [s.refId, 'NOT_STARTED']));
  const byName = () => new Map(stages.map((s) => [s.name as string, status.get(s.refId)!]));
  const ran: string[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    for (const s of stages) {
      if (status.get(s.refId) !== 'NOT_STARTED') continue;
      const up = (s.requisiteStageRefIds as string[]).map((r) => status.get(r)!);
      if (!up.every((u) => ['SUCCEEDED', 'FAILED_CONTINUE', 'SKIPPED'].includes(u))) continue;
      progress = true;
      if (s.stageEnabled && !evaluate(s.stageEnabled.expression, byName())) {
        status.set(s.refId, 'SKIPPED');
        continue;
      }
      ran.push(s.refId);
      let ok = !fails.has(s.refId);
      if (ok && s.type === 'checkPreconditions') ok = evaluate(s.preconditions[0].context.expression, byName());
      const result = ok ? 'SUCCEEDED' : failureStatus(s);
      status.set(s.refId, result);
      if (result === 'TERMINAL') {
        for (const [k, v] of status) if (v === 'NOT_STARTED') status.set(k, 'CANCELED');
      }
    }
  }
  const all = [...status.values()];
  const stoppedFails = stages.some((s) => status.get(s.refId) === 'STOPPED' && s.completeOtherBranchesThenFail === true);
  const final = all.includes('TERMINAL') || stoppedFails ? 'TERMINAL' : all.every((v) => ['SUCCEEDED', 'SKIPPED', 'FAILED_CONTINUE'].includes(v)) ? 'SUCCEEDED' : 'OTHER';
  return { status, ran, final };
}

const stagesOf = (p: object) => (p as Json).stages as Json[];

describe.each([
  ['minimal', minimalModel],
  ['ab', abModel],
])('deploy pipeline graph (%s)', (_n, make) => {
  const stages = stagesOf(deployPipeline(make()));
  const refIds = stages.map((s) => s.refId);

  it('has unique refIds, known requisites and no cycle', () => {
    expect(new Set(refIds).size).toBe(refIds.length);
    for (const s of stages) for (const r of s.requisiteStageRefIds) expect(refIds).toContain(r);
    // Kahn: every stage is eventually free of unresolved requisites
    const done = new Set<string>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const s of stages) {
        if (!done.has(s.refId) && s.requisiteStageRefIds.every((r: string) => done.has(r))) {
          done.add(s.refId);
          changed = true;
        }
      }
    }
    expect(done.size).toBe(stages.length);
  });

  it('keeps refIds and names stable across runs and models', () => {
    expect(refIds).toEqual(stagesOf(deployPipeline(make())).map((s) => s.refId));
    expect(refIds).toEqual([
      'bake-canary',
      'bake-baseline',
      'bake-stable',
      'deploy-canary',
      'deploy-baseline',
      'canary-analysis',
      'deploy-production',
      'delete-canary',
      'delete-baseline',
      'verdict',
    ]);
  });

  it('happy path: production deployed, canary and baseline deleted, pipeline succeeds', () => {
    const r = simulate(stages, new Set());
    expect(r.ran).toEqual(refIds);
    expect(r.final).toBe('SUCCEEDED');
  });

  // Every combination of failures among the stages that run after something was deployed.
  const risky = ['deploy-canary', 'deploy-baseline', 'canary-analysis', 'deploy-production', 'delete-canary', 'delete-baseline'];
  const combos = Array.from({ length: 2 ** risky.length }, (_, i) => risky.filter((_r, b) => (i >> b) & 1)).filter((c) => c.length > 0);

  it.each(combos.map((c) => [c.join('+'), c]))('failure of %s: cleanup runs, production only after a pass, pipeline fails', (_l, failing) => {
    const r = simulate(stages, new Set(failing as string[]));
    expect(r.ran).toContain('delete-canary');
    expect(r.ran).toContain('delete-baseline');
    const analysisOk = r.status.get('canary-analysis') === 'SUCCEEDED';
    expect(r.ran.includes('deploy-production')).toBe(analysisOk);
    expect(r.final).toBe('TERMINAL');
  });

  it('a failed bake deploys nothing', () => {
    for (const bake of ['bake-canary', 'bake-baseline', 'bake-stable']) {
      const r = simulate(stages, new Set([bake]));
      expect(r.ran.filter((x) => x.startsWith('deploy'))).toEqual([]);
      expect(r.final).toBe('TERMINAL');
    }
  });
});

describe('rollback pipeline graph', () => {
  it('bakes then deploys production, nothing else', () => {
    const stages = stagesOf(rollbackPipeline(abModel()));
    expect(stages.map((s) => [s.refId, s.type, s.requisiteStageRefIds])).toEqual([
      ['bake-stable', 'bakeManifest', []],
      ['deploy-production', 'deployManifest', ['bake-stable']],
    ]);
    expect(simulate(stages, new Set()).final).toBe('SUCCEEDED');
  });
});
