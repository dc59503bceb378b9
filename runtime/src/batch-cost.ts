/**
 * What a batch of one model costs: milliseconds from dispatch to outputs as `perRowMs * rows +
 * fixedMs`, fitted online by exponentially weighted least squares over the batches run so far
 * (recent batches count most, so the fit follows a change of machine load). The batcher predicts
 * queue waits with it, to refuse at once the requests it could not start within their budget, and
 * the service exports both terms as metrics.
 */

/** How much one batch's weight fades per later batch: about the last 50 batches count. */
const DECAY = 0.98;
/** Below this variance of batch sizes (rows²), the two terms cannot be told apart. */
const MIN_SIZE_VARIANCE = 0.25;

export class BatchCost {
  /** Weighted sums of 1, n, n², d and n·d (n rows, d milliseconds). */
  private s0 = 0;
  private sn = 0;
  private snn = 0;
  private sd = 0;
  private snd = 0;
  private fit = { perRowMs: 0, fixedMs: 0 };
  /** Weighted count of batches seen after the first, and sum of squares of their overruns. */
  private se0 = 0;
  private see = 0;

  /** True once at least one batch was observed. */
  get known(): boolean {
    return this.s0 > 0;
  }

  get perRowMs(): number {
    return this.fit.perRowMs;
  }

  get fixedMs(): number {
    return this.fit.fixedMs;
  }

  /**
   * How far batches run over the fit: the spread of a batch's cost around what the fit predicted
   * for it before it was seen, from overruns alone (as sqrt(2 * weighted mean of overrun²), the
   * standard deviation if the errors were symmetric), each overrun capped at the prediction. Batches
   * faster than predicted cannot make anyone late, and early fits (one batch size seen, the cost
   * taken as proportional to rows) over-predict by far; a cap keeps one stall from widening the
   * margin for the next hundred batches. 0 until a second batch was seen.
   */
  get overrunMs(): number {
    return this.se0 > 0 ? Math.sqrt((2 * this.see) / this.se0) : 0;
  }

  observe(rows: number, ms: number): void {
    if (!(rows > 0) || !Number.isFinite(ms) || ms < 0) return;
    if (this.known) {
      const predicted = this.predictMs(rows);
      const over = Math.min(Math.max(0, ms - predicted), predicted);
      this.se0 = this.se0 * DECAY + 1;
      this.see = this.see * DECAY + over * over;
    }
    this.s0 = this.s0 * DECAY + 1;
    this.sn = this.sn * DECAY + rows;
    this.snn = this.snn * DECAY + rows * rows;
    this.sd = this.sd * DECAY + ms;
    this.snd = this.snd * DECAY + rows * ms;
    this.fit = this.solve();
  }

  /** Predicted milliseconds for a batch of `rows`. */
  predictMs(rows: number): number {
    return this.fit.perRowMs * rows + this.fit.fixedMs;
  }

  /**
   * Least squares of d = a·n + b, both terms kept non-negative. With (nearly) one batch size seen,
   * the cost is taken as proportional to rows: for larger batches that over-predicts by at most
   * the fixed term, which errs towards refusing early rather than answering late.
   */
  private solve(): { perRowMs: number; fixedMs: number } {
    const meanN = this.sn / this.s0;
    const meanD = this.sd / this.s0;
    const variance = this.snn / this.s0 - meanN * meanN;
    if (variance >= MIN_SIZE_VARIANCE) {
      const a = (this.snd / this.s0 - meanN * meanD) / variance;
      const b = meanD - a * meanN;
      if (a >= 0 && b >= 0) return { perRowMs: a, fixedMs: b };
      if (a < 0) return { perRowMs: 0, fixedMs: meanD };
      return { perRowMs: this.snd / this.snn, fixedMs: 0 };
    }
    return { perRowMs: meanD / meanN, fixedMs: 0 };
  }
}
