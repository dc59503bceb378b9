#!/usr/bin/env node
// The programs the generated GitHub workflows run (src/ci/main.ts).
import { main } from '../dist/src/ci/main.js';

process.exitCode = await main(process.argv.slice(2));
