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

export function reliabilityMarkdown(run: ReliabilityRun): string {
  const lines = [
    `# Reliability figures (${run.long ? 'long' : 'bounded'} suite)`,
    '',
    `- command: \`${run.command}\` (the tests: \`test/reliability/\`)`,
    `- machine: ${run.machine}; 1/5/15-min load average ${run.load.before} before, ${run.load.after} after`,
    `- outcome: ${run.outcome}`,
    ...(run.notes ?? []).map((n) => `- ${n}`),
    '',
    ...run.records.flatMap(({ name, mode, ...figures }) => [
      `## ${String(name)} (${String(mode)})`,
      '',
      '| figure | value |',
      '|---|---|',
      ...rows(figures).map(([k, v]) => `| ${k} | ${v.replaceAll('|', '\\|')} |`),
      '',
    ]),
  ];
  return lines.join('\n');
}
