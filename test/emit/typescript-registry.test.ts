import { expect, test } from 'vitest';
import { emitAll } from '../../src/emit/index.js';
import { abModel } from '../../testkit/fixtures.js';

test('the TypeScript outputs are registered and no other emitter claims their paths', () => {
  const files = emitAll(abModel());
  const mine = files.filter((f) => f.emitter === 'typescript' || f.emitter === 'typescript-project').map((f) => f.path);
  expect(mine).toEqual([
    '.npmrc',
    'package.json',
    'src/generated/hooks-contract.ts',
    'src/generated/service.ts',
    'src/generated/types.ts',
    'src/hooks.ts',
    'src/main.ts',
    'test/smoke.test.mjs',
    'tsconfig.json',
  ]);
});
