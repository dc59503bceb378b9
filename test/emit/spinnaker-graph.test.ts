/**
 * The deploy pipeline's stage graph under orca's scheduling rules, simulated from orca's source
 * (test/support/orca.ts; not a real orca: none runs here), for every combination of failing
 * stages, on a later deploy (production exists) and on a first deploy (CI sends no baseline).
 */
import { describe, expect, it } from 'vitest';
import { deployPipeline, rollbackPipeline } from '../../src/emit/spinnaker-pipeline.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { evaluate, runPipeline } from '../support/orca.js';

type Json = Record<string, any>;

const LATER = { baselineImageTag: 'a'.repeat(40), imageTag: 'b'.repeat(40) };
const FIRST = { baselineImageTag: '', imageTag: 'b'.repeat(40) };

/** Runs the pipeline; `fails` names the refIds whose work fails when they run. */
const simulate = (stages: Json[], fails: Set<string>, params: Record<string, string> = LATER) => runPipeline(stages, params, (s) => !fails.has(s.refId));

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
      'bake-shared',
      'bake-canary',
      'bake-baseline',
      'bake-stable',
      'deploy-shared',
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
    for (const bake of ['bake-shared', 'bake-canary', 'bake-baseline', 'bake-stable']) {
      const r = simulate(stages, new Set([bake]));
      expect(r.ran.filter((x) => x.startsWith('deploy'))).toEqual([]);
      expect(r.final).toBe('TERMINAL');
    }
  });

  it('failed shared objects stop the pipeline before any pod of the new version is created', () => {
    const r = simulate(stages, new Set(['deploy-shared']));
    expect(r.ran).toEqual(['bake-shared', 'bake-canary', 'bake-baseline', 'bake-stable', 'deploy-shared']);
    expect(r.final).toBe('TERMINAL');
  });

  it('first deploy: shared objects, then production; no canary, baseline, analysis or cleanup', () => {
    const r = simulate(stages, new Set(), FIRST);
    expect(r.ran).toEqual(['bake-shared', 'bake-stable', 'deploy-shared', 'deploy-production', 'verdict']);
    expect(r.final).toBe('SUCCEEDED');
  });

  it('first deploy whose production deploy fails (pods never ready): the pipeline fails', () => {
    const r = simulate(stages, new Set(['deploy-production']), FIRST);
    expect(r.status.get('deploy-production')).toBe('STOPPED');
    expect(r.final).toBe('TERMINAL');
  });
});

describe('the expression forms the simulator evaluates', () => {
  const ctx = { statusByName: new Map([['Canary analysis', 'SUCCEEDED' as const]]), parameters: { baselineImageTag: '' } };
  it.each([
    ["#stage('Canary analysis')['status'].toString() == 'SUCCEEDED'", true],
    ["(#stage('Canary analysis')['status'].toString() == 'FAILED_CONTINUE') or (trigger['parameters']['baselineImageTag'] == '')", true],
    ["(#stage('Canary analysis')['status'].toString() == 'SUCCEEDED') and (trigger['parameters']['baselineImageTag'] != '')", false],
    ["!(trigger['parameters']['baselineImageTag'] == 'x')", true],
  ])('%s -> %s', (expr, want) => {
    expect(evaluate(expr, ctx)).toBe(want);
  });

  it('refuses a form it does not know instead of guessing', () => {
    expect(() => evaluate("#judgment('x') == 'y'", ctx)).toThrow(/unexpected expression form/);
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
