/**
 * Overload refusals in the log: one warn line per interval with the counts by endpoint and reason,
 * instead of a line per refused request. At twice the sustainable rate a service refuses thousands
 * of requests a second; a line each would flood the log pipeline when it is needed most and cost the
 * service CPU it has not got. Each refusal is still counted in mlservice_shed_requests_total and
 * logged at debug.
 */
export interface WarnLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** The reasons that mean "too much load", summarised rather than logged one by one. */
export const OVERLOAD_REASONS: ReadonlySet<string> = new Set(['queue_full', 'queue_budget', 'queue_expired']);

export class ShedLog {
  private counts = new Map<string, number>();
  private since = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: WarnLogger,
    private readonly intervalMs = 10_000,
  ) {}

  /** Counts one refusal; the first of an interval arms the summary written at its end. */
  note(endpoint: string, reason: string): void {
    const key = `${endpoint}\u0000${reason}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.timer !== null) return;
    this.since = performance.now();
    // unref: a pending summary does not keep a stopping process alive.
    this.timer = setTimeout(() => this.flush(), this.intervalMs).unref();
  }

  /** Writes the summary of the refusals counted so far, if any (also called on shutdown). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.counts.size === 0) return;
    const refused = [...this.counts].map(([key, count]) => {
      const [endpoint, reason] = key.split('\u0000');
      return { endpoint, reason, count };
    });
    this.counts = new Map();
    this.log.warn({ refused, seconds: Math.round((performance.now() - this.since) / 1000) }, 'shedding load: requests refused (counts by endpoint and reason; each is logged at debug)');
  }
}
