import type { ServiceModel } from '../../config/model.js';
import { tsLiteral } from './names.js';
import { TsFile } from './ts-file.js';

/**
 * `test/smoke.test.mjs`: the cases the config decides (each endpoint's first example), handed to
 * the harness in `@mlservice/runtime/testing`, which starts the built service against `models/`
 * and expects a 200 with a JSON object for each. It runs before an image is built and in CI.
 */
export function smokeTestModule(model: ServiceModel): string {
  const file = new TsFile('test/smoke.test.mjs');
  const smokeTest = file.use('smokeTest', '@mlservice/runtime/testing');
  const cases = model.endpoints.filter((e) => e.examples.length > 0).map((e) => ({ path: e.path, example: e.examples[0] }));
  file.add(`${smokeTest}(${tsLiteral(cases)});`);
  return file.render();
}
