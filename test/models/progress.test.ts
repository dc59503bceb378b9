import { describe, expect, it } from 'vitest';
import { createProgressRenderer, formatBytes, type ProgressEvent } from '../../src/models/index.js';

const run: ProgressEvent[] = [
  { type: 'model-start', model: 'ranker', source: 'models:/ranker@champion' },
  { type: 'model-resolved', model: 'ranker', version: '12', runId: 'abc', alias: 'champion' },
  { type: 'file-start', model: 'ranker', path: 'model.onnx', size: 2 * 1024 * 1024 },
  ...[1, 1000, 10_000, 1024 * 1024, 2 * 1024 * 1024].map((bytes): ProgressEvent => ({ type: 'file-progress', model: 'ranker', path: 'model.onnx', bytes, size: 2 * 1024 * 1024 })),
  { type: 'file-done', model: 'ranker', path: 'model.onnx', bytes: 2 * 1024 * 1024 },
  { type: 'model-done', model: 'ranker', source: 'models:/ranker@champion', version: '12', files: 3, bytes: 2 * 1024 * 1024 + 700, sha256: 'ab'.repeat(32), changed: true },
  { type: 'model-start', model: 'local', source: 'exports/m.onnx' },
  { type: 'model-done', model: 'local', source: 'exports/m.onnx', files: 1, bytes: 950, sha256: 'cd'.repeat(32), changed: false },
];

function capture(isTTY: boolean): string {
  let out = '';
  const render = createProgressRenderer({ isTTY, write: (s: string) => (out += s) });
  for (const e of run) render(e);
  return out;
}

describe('progress renderer', () => {
  it('prints exactly one line per model when not a TTY', () => {
    expect(capture(false)).toBe(
      'ranker: models:/ranker@champion -> version 12, 3 files, 2.0 MiB, sha256 abababababab (updated)\n' + 'local: exports/m.onnx, 1 file, 950 B, sha256 cdcdcdcdcdcd (unchanged)\n',
    );
  });

  it('redraws one status line on a TTY, once per percent, and leaves the summaries', () => {
    const out = capture(true);
    const frames = out.split('\r\x1b[2K').filter(Boolean);
    expect(frames).toEqual([
      'ranker: resolving models:/ranker@champion',
      'ranker: version 12',
      'ranker: model.onnx',
      'ranker: model.onnx 1 B of 2.0 MiB',
      'ranker: model.onnx 1.0 MiB of 2.0 MiB',
      'ranker: model.onnx 2.0 MiB of 2.0 MiB',
      'ranker: models:/ranker@champion -> version 12, 3 files, 2.0 MiB, sha256 abababababab (updated)\n',
      'local: resolving exports/m.onnx',
      'local: exports/m.onnx, 1 file, 950 B, sha256 cdcdcdcdcdcd (unchanged)\n',
    ]);
  });

  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [5 * 1024 ** 3, '5.0 GiB'],
  ])('formatBytes(%d) = %s', (n, s) => {
    expect(formatBytes(n)).toBe(s);
  });
});
