import { afterEach, describe, expect, it, vi } from 'vitest';
import { ShedLog } from '../src/shed-log.js';

describe('ShedLog: overload refusals summarised, not logged one by one', () => {
  afterEach(() => vi.useRealTimers());

  it('writes one warn line per interval with the counts by endpoint and reason, in the order first seen', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const log = new ShedLog({ warn: (obj, msg) => lines.push({ obj, msg }) }, 10_000);
    log.note('rank', 'queue_budget');
    log.note('score', 'queue_full');
    log.note('rank', 'queue_budget');
    vi.advanceTimersByTime(9_999);
    expect(lines).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(lines).toEqual([
      {
        obj: {
          refused: [
            { endpoint: 'rank', reason: 'queue_budget', count: 2 },
            { endpoint: 'score', reason: 'queue_full', count: 1 },
          ],
          seconds: 10,
        },
        msg: 'shedding load: requests refused (counts by endpoint and reason; each is logged at debug)',
      },
    ]);
    // A quiet interval writes nothing; the next refusal starts a new interval.
    vi.advanceTimersByTime(60_000);
    expect(lines.length).toBe(1);
    log.note('rank', 'queue_expired');
    vi.advanceTimersByTime(3_000);
    log.flush(); // on shutdown: what was counted is not lost
    expect(lines.slice(1).map((l) => l.obj)).toEqual([{ refused: [{ endpoint: 'rank', reason: 'queue_expired', count: 1 }], seconds: 3 }]);
    log.flush();
    vi.advanceTimersByTime(20_000);
    expect(lines.length).toBe(2);
  });
});
