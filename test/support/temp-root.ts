/**
 * vitest globalSetup: the whole run gets one temp root, and TMPDIR points there for the test
 * workers and every process they start, so whatever a test, a tool (tsx's cache) or a library
 * (onnxruntime writes an empty mat-debug-<pid>.log per process) leaves in os.tmpdir() is removed
 * with the root when the run ends. Tests still clean up after themselves (support/temp.ts): the
 * teardown names what they left, so a new leak shows in the log.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Litter of tools and libraries, and the runtime tests' model fixture (shared by the run on purpose). */
const NOT_OURS = /^(mat-debug-\d+\.log|tsx-\d+|mlservice-runtime-fixture-[0-9a-f]+|node-compile-cache)$/;

export default function setup(): () => void {
  const root = mkdtempSync(path.join(tmpdir(), 'mlgen-test-run-'));
  // The real-yo test runs yo as another user, inside a folder it makes world-writable: let it through.
  chmodSync(root, 0o711);
  process.env.TMPDIR = root;
  return () => {
    const left = readdirSync(root).filter((name) => !NOT_OURS.test(name));
    if (left.length > 0) console.warn(`temp: tests left ${left.length} entries in ${root} (now removed): ${left.sort().join(', ')}`);
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
