/**
 * Progress of `mlgen models pull`, as events (for any front-end) and one human renderer: a live status
 * line on a terminal, and exactly one line per model otherwise (CI logs stay short and diffable).
 */

export type ProgressEvent =
  | { type: 'model-start'; model: string; source: string }
  | { type: 'model-resolved'; model: string; version: string; runId: string; alias?: string }
  | { type: 'file-start'; model: string; path: string; size?: number }
  | { type: 'file-progress'; model: string; path: string; bytes: number; size?: number }
  | { type: 'file-done'; model: string; path: string; bytes: number }
  | {
      type: 'model-done';
      model: string;
      source: string;
      /** Registry version, when the source is a registry. */
      version?: string;
      files: number;
      bytes: number;
      sha256: string;
      /** False when `models/<model>/` already held exactly these files. */
      changed: boolean;
    };

export interface ProgressOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `950 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** The one line printed per model: `name: source -> version 12, 3 files, 1.2 MiB, sha256 0123456789ab (updated)`. */
export function summaryLine(e: Extract<ProgressEvent, { type: 'model-done' }>): string {
  const version = e.version === undefined ? '' : ` -> version ${e.version}`;
  const files = `${e.files} file${e.files === 1 ? '' : 's'}`;
  return `${e.model}: ${e.source}${version}, ${files}, ${formatBytes(e.bytes)}, sha256 ${e.sha256.slice(0, 12)} (${e.changed ? 'updated' : 'unchanged'})`;
}

const CLEAR_LINE = '\r\x1b[2K';

/** A renderer for `onProgress`. On a TTY the status line is redrawn at most once per percent. */
export function createProgressRenderer(out: ProgressOutput): (e: ProgressEvent) => void {
  let lastShown = -1;
  const status = (text: string) => {
    if (out.isTTY) out.write(`${CLEAR_LINE}${text}`);
  };
  return (e) => {
    switch (e.type) {
      case 'model-start':
        status(`${e.model}: resolving ${e.source}`);
        break;
      case 'model-resolved':
        status(`${e.model}: version ${e.version}`);
        break;
      case 'file-start':
        lastShown = -1;
        status(`${e.model}: ${e.path}`);
        break;
      case 'file-progress': {
        const step = e.size ? Math.floor((e.bytes / e.size) * 100) : Math.floor(e.bytes / (1024 * 1024));
        if (step === lastShown) break;
        lastShown = step;
        status(`${e.model}: ${e.path} ${formatBytes(e.bytes)}${e.size ? ` of ${formatBytes(e.size)}` : ''}`);
        break;
      }
      case 'file-done':
        break;
      case 'model-done':
        out.write(`${out.isTTY ? CLEAR_LINE : ''}${summaryLine(e)}\n`);
        break;
    }
  };
}
