/** `npm run examples:models`: writes examples/minimal/models/churn/model.onnx (an in-project model source). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLE_MODELS } from '../testkit/example-models.js';
import { buildMlp } from '../testkit/onnx-builder.js';

const file = path.resolve(import.meta.dirname, '../examples/minimal/models/churn/model.onnx');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, buildMlp(EXAMPLE_MODELS.minimal!.churn!));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
