/** bench/results/reliability.md from the figures the reliability tests report (support/mode.ts). */

export interface ReliabilityRun {
  long: boolean;
  command: string;
  machine: string;
  /** 1/5/15-min load averages before and after the run. */
  load: { before: string; after: string };
  outcome: string;
  records: Array<Record<string, unknown>>;
  notes?: string[];
}

/** `a.b.c: value` rows of a record's figures. */
function rows(value: unknown, prefix = ''): Array<[string, string]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => rows(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, Array.isArray(value) ? value.join(', ') : String(value)]];
}

function section({ name, mode, ...figures }: Record<string, unknown>, from?: string): string[] {
  return [
    `## ${String(name)} (${String(mode)})`,
    '',
    ...(from ? [`- from ${from}`, ''] : []),
    '| figure | value |',
    '|---|---|',
    ...rows(figures).map(([k, v]) => `| ${k} | ${v.replaceAll('|', '\\|')} |`),
    '',
  ];
}

export function reliabilityTitle(long: boolean): string {
  return `# Reliability figures (${long ? 'long' : 'bounded'} suite)`;
}

/** The whole file, from a run of the whole suite. */
export function reliabilityMarkdown(run: ReliabilityRun): string {
  const lines = [
    reliabilityTitle(run.long),
    '',
    `- command: \`${run.command}\` (the tests: \`test/reliability/\`)`,
    `- machine: ${run.machine}; 1/5/15-min load average ${run.load.before} before, ${run.load.after} after`,
    `- outcome: ${run.outcome}`,
    ...(run.notes ?? []).map((n) => `- ${n}`),
    '',
    ...run.records.flatMap((r) => section(r)),
  ];
  return lines.join('\n');
}

/**
 * `existing` with the sections of the tests a partial run (selected test files) measured replaced
 * in place, each saying which run it is from; sections of tests it did not run, and the header of
 * the last whole run, stay. A test new to the file is added at the end.
 */
export function mergeReliabilityMarkdown(existing: string, run: ReliabilityRun): string {
  const from = `\`${run.command}\` (${run.long ? 'long' : 'bounded'}): ${run.machine}; load average ${run.load.before} before, ${run.load.after} after; ${run.outcome}`;
  const fresh = new Map(run.records.map((r) => [`## ${String(r.name)} (${String(r.mode)})`, section(r, from)]));
  const [header, ...sections] = existing.split(/^(?=## )/m);
  const kept = sections.map((text) => {
    const heading = text.slice(0, text.indexOf('\n'));
    const replaced = fresh.get(heading);
    fresh.delete(heading);
    return replaced ? `${replaced.join('\n')}\n` : text.replace(/\n*$/, '\n\n');
  });
  const added = [...fresh.values()].map((lines) => `${lines.join('\n')}\n`);
  return [header, ...kept, ...added].join('').replace(/\n+$/, '\n');
}
