// Part of `npm run build`: compiles the config schema into ajv standalone code beside the built
// loader (dist/src/config/), so the CLI does not compile the schema on every start.
import { writeFileSync } from 'node:fs';
import { PRECOMPILED_VALIDATOR, configValidatorSource } from '../dist/src/config/schema.js';

writeFileSync(new URL(`../dist/src/config/${PRECOMPILED_VALIDATOR}`, import.meta.url), configValidatorSource());
