// First step of `npm run build`: tsc never deletes outputs, so a module removed or moved in the
// source would live on in dist/ and ship in the package (`files` lists dist/). Both packages'
// dist/ folders start empty on every build.
import { rmSync } from 'node:fs';

for (const dir of ['dist', 'runtime/dist']) rmSync(new URL(`../${dir}`, import.meta.url), { recursive: true, force: true });
