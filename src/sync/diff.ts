import { diffComm } from 'node-diff3';

const NO_EOL = '\\ No newline at end of file';

interface Op {
  tag: ' ' | '-' | '+';
  text: string;
  /** Old/new lines consumed before this op (0-based positions). */
  oldPos: number;
  newPos: number;
}

/**
 * A unified diff (`diff -u` / `git diff` layout, 3 lines of context) of one file; '' when equal.
 * `undefined` stands for "absent", printed as /dev/null like git does for created/deleted files.
 * @see https://www.gnu.org/software/diffutils/manual/html_node/Detailed-Unified.html
 */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined, context = 3): string {
  if (before === after) return '';
  const ops = diffOps(toLines(before ?? ''), toLines(after ?? ''));
  const hunks = groupHunks(ops, context);
  if (hunks.length === 0) return '';
  const head = [`--- ${before === undefined ? '/dev/null' : `a/${path}`}`, `+++ ${after === undefined ? '/dev/null' : `b/${path}`}`];
  return `${[...head, ...hunks.flatMap((h) => renderHunk(ops.slice(h[0], h[1])))].join('\n')}\n`;
}

/** Lines without their newline; a missing final newline is folded into the last line so it diffs. */
function toLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  else lines[lines.length - 1] = `${lines[lines.length - 1]}\n${NO_EOL}`;
  return lines;
}

function diffOps(a: string[], b: string[]): Op[] {
  const ops: Op[] = [];
  let oldPos = 0;
  let newPos = 0;
  const push = (tag: Op['tag'], text: string) => {
    ops.push({ tag, text, oldPos, newPos });
    if (tag !== '+') oldPos += 1;
    if (tag !== '-') newPos += 1;
  };
  for (const chunk of diffComm(a, b)) {
    if (chunk.common) chunk.common.forEach((l) => push(' ', l));
    else {
      chunk.buffer1.forEach((l) => push('-', l));
      chunk.buffer2.forEach((l) => push('+', l));
    }
  }
  return ops;
}

/** [start, end) op ranges: each change with `context` lines around, close ranges joined. */
function groupHunks(ops: Op[], context: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  ops.forEach((op, i) => {
    if (op.tag === ' ') return;
    const start = Math.max(0, i - context);
    const end = Math.min(ops.length, i + context + 1);
    const last = out[out.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  });
  return out;
}

function renderHunk(ops: Op[]): string[] {
  const first = ops[0];
  if (!first) return [];
  const oldCount = ops.filter((o) => o.tag !== '+').length;
  const newCount = ops.filter((o) => o.tag !== '-').length;
  // An empty side is numbered by the line before it (`-0,0` for a created file).
  const oldStart = oldCount === 0 ? first.oldPos : first.oldPos + 1;
  const newStart = newCount === 0 ? first.newPos : first.newPos + 1;
  return [`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, ...ops.map((o) => `${o.tag}${o.text}`)];
}
