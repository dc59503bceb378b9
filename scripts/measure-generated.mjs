// Lines a generated project holds, by owner, for every committed example: `npm run measure:generated`
// (`-- --json` for the figures as JSON). The owners come from each example's .mlgen/manifest.json:
// - generated: files mlgen owns and rewrites, minus the chart templates and the manifest; the figure
//   issue 12 aims at (recommender <= 2,500);
// - chart templates: Helm templates copied verbatim into chart/<name>/templates/ (Helm users
//   expect them in the chart, so they stay generated files);
// - shared: user files in which mlgen owns a block or named JSON paths (whole files counted);
// - user: the scaffold files (src/hooks.ts) and mlservice.yaml;
// - manifest: .mlgen/manifest.json, bookkeeping, shown apart and excluded from the rest.
// It also lists every generated file of 20 lines or more whose bytes are identical in all examples
// (chart templates excepted): fixed code that belongs in a versioned package instead.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const MIN_IDENTICAL_LINES = 20;
const MANIFEST = '.mlgen/manifest.json';
const CONFIG = 'mlservice.yaml';

const lineCount = (text) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

function category(file, entry) {
  if (file === MANIFEST) return 'manifest';
  if (entry.owner === 'scaffold') return 'user';
  if (entry.owner === 'shared') return 'shared';
  return /^chart\/[^/]+\/templates\//.test(file) ? 'chartTemplates' : 'generated';
}

/** Figures for one example directory. */
export function measureExample(dir) {
  const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8'));
  const lines = { generated: 0, chartTemplates: 0, shared: 0, user: 0, manifest: 0 };
  const files = [];
  const add = (file, cat) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const n = lineCount(text);
    lines[cat] += n;
    files.push({ path: file, category: cat, lines: n, sha256: createHash('sha256').update(text).digest('hex') });
  };
  add(MANIFEST, 'manifest');
  for (const [file, entry] of Object.entries(manifest.files)) add(file, category(file, entry));
  add(CONFIG, 'user');
  return { lines, files };
}

/** Generated files (chart templates excepted) of `MIN_IDENTICAL_LINES`+ lines with the same bytes in every example. */
export function identicalAcross(measured) {
  const names = Object.keys(measured);
  const seen = new Map();
  for (const name of names) {
    for (const f of measured[name].files) {
      if (f.category !== 'generated' || f.lines < MIN_IDENTICAL_LINES) continue;
      const hit = seen.get(f.sha256) ?? { lines: f.lines, paths: new Map() };
      hit.paths.set(name, f.path);
      seen.set(f.sha256, hit);
    }
  }
  return [...seen.values()]
    .filter((h) => h.paths.size === names.length)
    .map((h) => ({ lines: h.lines, paths: [...new Set(h.paths.values())] }))
    .sort((a, b) => b.lines - a.lines || (a.paths[0] < b.paths[0] ? -1 : 1));
}

export function measureExamples(examplesDir) {
  const measured = {};
  for (const name of readdirSync(examplesDir).sort()) measured[name] = measureExample(path.join(examplesDir, name));
  return { examples: Object.fromEntries(Object.entries(measured).map(([k, v]) => [k, v.lines])), identical: identicalAcross(measured), files: measured };
}

function table(result) {
  const cols = ['generated', 'chartTemplates', 'shared', 'user', 'manifest'];
  const head = ['example', 'generated', 'chart templates', 'shared', 'user', 'manifest (excluded)'];
  const rows = Object.entries(result.examples).map(([name, l]) => [name, ...cols.map((c) => String(l[c]))]);
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  out.push('', `Generated files of ${MIN_IDENTICAL_LINES}+ lines identical in every example (chart templates excepted): ${result.identical.length}`);
  for (const h of result.identical) out.push(`- ${h.paths.join(', ')} (${h.lines} lines)`);
  return `${out.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(import.meta.dirname, '..');
  const result = measureExamples(path.join(root, 'examples'));
  if (process.argv.includes('--json')) {
    const { files: _files, ...summary } = result;
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else process.stdout.write(table(result));
}
