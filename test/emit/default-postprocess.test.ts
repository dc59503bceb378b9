/**
 * The default postprocess fills every response field it can map, required or not: an optional
 * field left out would answer with less than the model gave. Called as the service calls it, on
 * the rows a real model run returns.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { loadHooks } from '../support/hooks-runner.js';
import { serviceFiles } from '../../testkit/service-project.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mlgen-postprocess-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

function withOutput(output: string): string {
  return MINIMAL_YAML.replace(/ {4}output:\n(?: {6}.*\n)+/, `    output:\n${output}`);
}

async function postprocess(yaml: string, outputs: Array<Record<string, number[]>>): Promise<unknown> {
  const hooks = await loadHooks(await mkdtemp(join(work, 'p-')), serviceFiles(parseConfigText(yaml, 'mlservice.yaml')));
  return hooks.score!.postprocess(
    outputs.map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Float32Array.from(v)]))),
    { features: [1, 2, 3, 4] },
  );
}

describe('default postprocess', () => {
  it('fills an optional score', async () => {
    const yaml = withOutput('      type: object\n      properties:\n        score: {type: number}\n');
    expect(await postprocess(yaml, [{ y: [0.75] }])).toEqual({ score: 0.75 });
  });

  it('fills optional and required fields in the schema order, and leaves out what no default maps', async () => {
    const yaml = withOutput(
      '      type: object\n      required: [score]\n      properties:\n        explanation: {type: string}\n        label: {type: boolean}\n        score: {type: number}\n        rounded: {type: integer}\n',
    );
    const got = await postprocess(yaml, [{ y: [0.75] }]);
    expect(got).toEqual({ label: true, score: 0.75, rounded: 1 });
    expect(Object.keys(got as object)).toEqual(['label', 'score', 'rounded']);
  });

  it("fills an optional array from the model's output array", async () => {
    // Scalar inputs: with a required input array the default would read the request as a ranking.
    const scalarInput = '    input:\n      type: object\n      required: [a]\n      properties:\n        a: {type: number}\n';
    const yaml = withOutput('      type: object\n      properties:\n        probabilities: {type: array, items: {type: number}}\n')
      .replace(/ {4}input:\n(?: {6}.*\n)+/, scalarInput)
      .replace('      - features: [0.1, 0.2, 0.3, 0.4]', '      - {a: 1}');
    expect(await postprocess(yaml, [{ p: [0.25, 0.75] }])).toEqual({ probabilities: [0.25, 0.75] });
  });

  it('still leaves the whole postprocess to the user when a required field has no default', async () => {
    const yaml = withOutput('      type: object\n      required: [explanation]\n      properties:\n        explanation: {type: string}\n        score: {type: number}\n');
    await expect(postprocess(yaml, [{ y: [0.5] }])).rejects.toThrow('postprocess of endpoint "score": no default fits its response schema; write it in src/hooks.ts');
  });
});
