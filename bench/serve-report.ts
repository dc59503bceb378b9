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

const find = (cells: Cell[], model: string, server: string, c: number): Cell | undefined => cells.find((x) => x.model === model && x.server === server && x.connections === c);

/**
 * The targets of issue 10, for each generated variant that ran the needed cells. `batcher` is the
 * ceiling reference (bench/servers/batcher.mjs), `bare` the HTTP ceiling, `plain` the per-request server.
 */
export function ratios(cells: Cell[], generated: string[]): Ratio[] {
  const out: Ratio[] = [];
  const push = (name: string, g: string, value: number | undefined, target: string, met: (v: number) => boolean) => {
    if (value !== undefined && Number.isFinite(value)) out.push({ name, generated: g, value, target, met: met(value) });
  };
  const at = (m: string, s: string, c: number) => find(cells, m, s, c)?.load;
  const div = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : undefined);
  const sub = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a - b : undefined);
  for (const g of generated) {
    push('large@64 req/s, generated / batcher', g, div(at('large', g, 64)?.reqPerSec, at('large', 'batcher', 64)?.reqPerSec), '>= 0.95', (v) => v >= 0.95);
    push('large@64 req/s, generated / bare', g, div(at('large', g, 64)?.reqPerSec, at('large', 'bare', 64)?.reqPerSec), '>= 0.90', (v) => v >= 0.9);
    push('large@64 p99, generated / batcher', g, div(at('large', g, 64)?.p99Ms, at('large', 'batcher', 64)?.p99Ms), '<= 1.2', (v) => v <= 1.2);
    push('small@64 req/s, generated / bare', g, div(at('small', g, 64)?.reqPerSec, at('small', 'bare', 64)?.reqPerSec), '>= 0.95', (v) => v >= 0.95);
    push('large@64 req/s, generated / plain (information)', g, div(at('large', g, 64)?.reqPerSec, at('large', 'plain', 64)?.reqPerSec), '-', () => true);
    for (const m of ['small', 'large']) {
      push(`${m}@1 p50, generated - plain (ms)`, g, sub(at(m, g, 1)?.p50Ms, at(m, 'plain', 1)?.p50Ms), '<= +0.05 ms', (v) => v <= 0.05);
      push(`${m}@1 p99, generated - plain (ms)`, g, sub(at(m, g, 1)?.p99Ms, at(m, 'plain', 1)?.p99Ms), '<= +0.5 ms', (v) => v <= 0.5);
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
