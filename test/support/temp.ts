/**
 * Temporary directories that remove themselves: one made inside a test goes when that test
 * finishes; one made in a hook or while collecting goes after the file's tests. (Whatever a test
 * or a tool it runs still leaves behind goes with the run's own temp root: temp-root.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

const afterFile: string[] = [];
afterAll(() => {
  for (const dir of afterFile.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    onTestFinished(() => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }));
  } catch {
    // Not inside a test (onTestFinished refuses): keep it for the file's tests.
    afterFile.push(dir);
  }
  return dir;
}
