/**
 * Turns the cells of `npm run bench:serve` into the target ratios and the markdown record
 * (bench/results/serve.md). Ratios only compare cells of the same run.
 */
import type { LoadResult } from './serve-load.js';

export interface Cell {
  model: string;
  server: string;
  connections: number;
  load: LoadResult;
  /** Server process CPU per answered request (all threads), microseconds. */
  serverCpuUsPerReq: number;
  /** Share of both cores busy during the cell (server + client + anything else). */
  hostBusyPct: number;
  loadAverage: number;
  batch: null | { meanSize: number; batches: number; meanInferenceMs: number; meanQueueWaitMs: number };
}

export interface ServerRecord {
  model: string;
  server: string;
  description: string;
  peakRssMiB: number;
}

export interface Ratio {
  name: string;
  generated: string;
  value: number;
  target: string;
  met: boolean;
}

const find = (cells: Cell[], model: string, server: string, c: number): Cell | undefined =>
  cells.find((x) => x.model === model && x.server === server && x.connections === c);

/** The four targets, for each generated variant that ran the needed cells. */
export function ratios(cells: Cell[], generated: string[]): Ratio[] {
  const out: Ratio[] = [];
  for (const g of generated) {
    const rps = (m: string, s: string) => find(cells, m, s, 64)?.load.reqPerSec;
    const [gl, pl, bl, gs, bs] = [rps('large', g), rps('large', 'plain'), rps('large', 'bare'), rps('small', g), rps('small', 'bare')];
    if (gl && pl) out.push({ name: 'large@64 req/s, generated / plain', generated: g, value: gl / pl, target: '>= 2.5', met: gl / pl >= 2.5 });
    const tuned = rps('large', 'plain-intra1');
    if (gl && tuned) out.push({ name: 'large@64 req/s, generated / plain-intra1 (information)', generated: g, value: gl / tuned, target: '-', met: true });
    if (gl && bl) out.push({ name: 'large@64 req/s, generated / bare', generated: g, value: gl / bl, target: '>= 0.60', met: gl / bl >= 0.6 });
    if (gs && bs) out.push({ name: 'small@64 req/s, generated / bare', generated: g, value: gs / bs, target: '>= 0.80', met: gs / bs >= 0.8 });
    for (const m of ['small', 'large']) {
      const [a, b] = [find(cells, m, g, 1), find(cells, m, 'plain', 1)];
      if (a && b) {
        const d = a.load.p99Ms - b.load.p99Ms;
        out.push({ name: `${m}@1 p99, generated - plain (ms)`, generated: g, value: d, target: '<= +1 ms', met: d <= 1 });
      }
    }
  }
  return out;
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function cellRow(c: Cell): string {
  const b = c.batch;
  const batch = b ? `${f(b.meanSize)} | ${f(b.meanInferenceMs, 2)} | ${f(b.meanQueueWaitMs, 2)}` : '- | - | -';
  const errors = `${c.load.socketErrors}/${c.load.non2xx}`;
  return `| ${c.model} | ${c.server} | ${c.connections} | ${f(c.load.reqPerSec, 0)} | ${f(c.load.p50Ms, 2)} | ${f(c.load.p99Ms, 2)} | ${batch} | ${f(c.serverCpuUsPerReq, 0)} | ${f(c.hostBusyPct, 0)} | ${f(c.loadAverage)} | ${errors} |`;
}

export interface Report {
  title: string;
  setup: string[];
  cells: Cell[];
  servers: ServerRecord[];
  ratios: Ratio[];
}

export function markdown(r: Report): string {
  const lines = [`# ${r.title}`, '', ...r.setup.map((s) => `- ${s}`), '', '## Target ratios (same run)', ''];
  lines.push('| ratio | generated variant | value | target | met |', '|---|---|---:|---|---|');
  for (const x of r.ratios) lines.push(`| ${x.name} | ${x.generated} | ${f(x.value, 2)} | ${x.target} | ${x.target === '-' ? '' : x.met ? 'yes' : 'NO'} |`);
  lines.push('', '## Cells', '');
  lines.push('| model | server | conns | req/s | p50 ms | p99 ms | mean batch | infer ms/batch | queue wait ms | server CPU µs/req | host busy % | load avg | sock err/non-2xx |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of r.cells) lines.push(cellRow(c));
  lines.push('', '## Servers', '', '| model | server | peak RSS MiB | what |', '|---|---|---:|---|');
  for (const s of r.servers) lines.push(`| ${s.model} | ${s.server} | ${f(s.peakRssMiB)} | ${s.description} |`);
  return `${lines.join('\n')}\n`;
}
