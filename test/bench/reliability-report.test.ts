import { describe, expect, it } from 'vitest';
import { mergeReliabilityMarkdown, reliabilityMarkdown, type ReliabilityRun } from '../../bench/reliability-report.js';

const whole: ReliabilityRun = {
  long: true,
  command: 'npm run bench:reliability',
  machine: '2 cores',
  load: { before: '1 1 1', after: '2 2 2' },
  outcome: 'vitest exit code 0, 30.0 min',
  records: [
    { name: 'rolling-restart', mode: 'long', failed: 0 },
    { name: 'soak', mode: 'long', requests: 100, rssMiB: { peak: 150 } },
    { name: 'overload', mode: 'long', refused: 7 },
  ],
};

const soakAlone: ReliabilityRun = {
  long: true,
  command: 'npm run bench:reliability -- test/reliability/soak.test.ts',
  machine: '2 cores',
  load: { before: '0.5 0.5 0.5', after: '1.1 0.9 0.8' },
  outcome: 'vitest exit code 0, 10.6 min',
  records: [
    { name: 'soak', mode: 'long', requests: 200, rssMiB: { peak: 140 } },
    { name: 'new-test', mode: 'long', count: 3 },
  ],
};

describe('bench/results/reliability.md after a run of selected test files', () => {
  it('replaces the sections of the tests that ran, in place and marked with their run, keeps the others and the header, adds new ones at the end', () => {
    const merged = mergeReliabilityMarkdown(reliabilityMarkdown(whole), soakAlone);
    expect(merged).toBe(
      [
        '# Reliability figures (long suite)',
        '',
        '- command: `npm run bench:reliability` (the tests: `test/reliability/`)',
        '- machine: 2 cores; 1/5/15-min load average 1 1 1 before, 2 2 2 after',
        '- outcome: vitest exit code 0, 30.0 min',
        '',
        '## rolling-restart (long)',
        '',
        '| figure | value |',
        '|---|---|',
        '| failed | 0 |',
        '',
        '## soak (long)',
        '',
        '- from `npm run bench:reliability -- test/reliability/soak.test.ts` (long): 2 cores; load average 0.5 0.5 0.5 before, 1.1 0.9 0.8 after; vitest exit code 0, 10.6 min',
        '',
        '| figure | value |',
        '|---|---|',
        '| requests | 200 |',
        '| rssMiB.peak | 140 |',
        '',
        '## overload (long)',
        '',
        '| figure | value |',
        '|---|---|',
        '| refused | 7 |',
        '',
        '## new-test (long)',
        '',
        '- from `npm run bench:reliability -- test/reliability/soak.test.ts` (long): 2 cores; load average 0.5 0.5 0.5 before, 1.1 0.9 0.8 after; vitest exit code 0, 10.6 min',
        '',
        '| figure | value |',
        '|---|---|',
        '| count | 3 |',
        '',
      ].join('\n'),
    );
  });

  it('merging the same run twice changes nothing more', () => {
    const once = mergeReliabilityMarkdown(reliabilityMarkdown(whole), soakAlone);
    expect(mergeReliabilityMarkdown(once, soakAlone)).toBe(once);
  });
});
