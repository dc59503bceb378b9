import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ServiceModel } from '../config/index.js';

const run = promisify(execFile);

/**
 * The config as it was at a git revision (default HEAD), parsed in memory: no checkout, no
 * writes. `null` when the project is not in git, the revision has no such file, or git is missing:
 * the summary then reports everything as new.
 */
export async function configAtRevision(root: string, configFile: string, ref = 'HEAD'): Promise<ServiceModel | null> {
  let text: string;
  try {
    const top = (await run('git', ['rev-parse', '--show-toplevel'], { cwd: root })).stdout.trim();
    const rel = path.relative(top, path.resolve(root, configFile)).split(path.sep).join('/');
    text = (await run('git', ['show', `${ref}:${rel}`], { cwd: root, maxBuffer: 16 << 20 })).stdout;
  } catch {
    return null;
  }
  const { parseConfigText } = await import('../config/index.js');
  return parseConfigText(text, `${ref}:${configFile}`);
}
