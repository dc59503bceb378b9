// Regenerates every example's committed output with the built CLI: `npm run examples:sync`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const mlgen = path.join(root, 'bin/mlgen.js');
let failed = 0;
for (const name of readdirSync(path.join(root, 'examples')).sort()) {
  const dir = path.join('examples', name);
  console.log(`== ${dir}`);
  const r = spawnSync(process.execPath, [mlgen, 'sync', '-C', dir], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
