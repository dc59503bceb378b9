/**
 * A pipeline run under orca's scheduling rules, simulated from orca's source (no orca runs here):
 * - a stage starts when every upstream stage is SUCCEEDED, FAILED_CONTINUE or SKIPPED
 *   (orca-kotlin ext/Stage.kt allUpstreamStagesComplete);
 * - it never starts if an upstream is TERMINAL, STOPPED or CANCELED (StartStageHandler.anyUpstreamStagesFailed);
 * - `stageEnabled` false -> SKIPPED (OptionalStageSupport);
 * - a failure becomes FAILED_CONTINUE if continuePipeline, TERMINAL if failPipeline (default), else STOPPED
 *   (ext/Stage.kt failureStatus);
 * - a TERMINAL stage cancels everything not yet finished (CompleteStageHandler / CancelExecution);
 * - final status: all SUCCEEDED/SKIPPED/FAILED_CONTINUE -> SUCCEEDED; any TERMINAL -> TERMINAL; STOPPED with
 *   completeOtherBranchesThenFail -> TERMINAL (CompleteExecutionHandler.determineFinalStatus).
 * Stages that are ready together run in list order here; orca runs them in parallel, so nothing
 * a test checks may depend on that order.
 */
export type Status = 'SUCCEEDED' | 'FAILED_CONTINUE' | 'SKIPPED' | 'TERMINAL' | 'STOPPED' | 'CANCELED' | 'NOT_STARTED';
export type Stage = Record<string, any>;

export interface RunResult {
  status: Map<string, Status>;
  /** refIds of the stages whose work ran, in order. */
  ran: string[];
  final: 'SUCCEEDED' | 'TERMINAL' | 'OTHER';
}

export interface ExpressionContext {
  statusByName: Map<string, Status>;
  parameters: Record<string, string>;
}

type Token = { kind: 'lit' | 'stage' | 'param' | 'op'; value: string };

const TOKENS: Array<[RegExp, (m: RegExpExecArray) => Token | null]> = [
  [/^\s+/, () => null],
  [/^#stage\('((?:[^']|'')*)'\)\['status'\]\.toString\(\)/, (m) => ({ kind: 'stage', value: m[1]!.replaceAll("''", "'") })],
  [/^trigger\['parameters'\]\['((?:[^']|'')*)'\]/, (m) => ({ kind: 'param', value: m[1]!.replaceAll("''", "'") })],
  [/^'((?:[^']|'')*)'/, (m) => ({ kind: 'lit', value: m[1]!.replaceAll("''", "'") })],
  [/^(==|!=|\(|\)|!|and\b|or\b)/, (m) => ({ kind: 'op', value: m[1]! })],
];

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  for (let rest = expr; rest.length > 0; ) {
    const hit = TOKENS.map(([re, make]) => [re.exec(rest), make] as const).find(([m]) => m);
    if (!hit) throw new Error(`unexpected expression form at: ${rest}`);
    const [m, make] = hit;
    const token = make(m!);
    if (token) out.push(token);
    rest = rest.slice(m![0].length);
  }
  return out;
}

/**
 * Evaluates the bare SpEL forms the generator emits (stage status and trigger parameter
 * comparisons joined by and/or/!, parenthesised); anything else fails the test.
 */
export function evaluate(expr: string, ctx: ExpressionContext): boolean {
  const tokens = tokenize(expr);
  let i = 0;
  const peek = () => tokens[i];
  const take = (value?: string) => {
    const t = tokens[i++];
    if (!t || (value !== undefined && t.value !== value)) throw new Error(`expected ${value ?? 'a token'} in ${expr}`);
    return t;
  };
  const operand = (): string | null => {
    const t = take();
    if (t.kind === 'stage') return ctx.statusByName.get(t.value) ?? null;
    if (t.kind === 'param') return ctx.parameters[t.value] ?? null;
    if (t.kind === 'lit') return t.value;
    throw new Error(`unexpected ${t.value} in ${expr}`);
  };
  const unary = (): boolean => {
    if (peek()?.value === '!') return take('!') && !unary();
    if (peek()?.value === '(') {
      take('(');
      const v = or();
      take(')');
      return v;
    }
    const left = operand();
    const op = take().value;
    const right = operand();
    if (op === '==') return left === right;
    if (op === '!=') return left !== right;
    throw new Error(`unexpected operator ${op} in ${expr}`);
  };
  const and = (): boolean => {
    let v = unary();
    while (peek()?.value === 'and') v = take('and') && unary() && v;
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek()?.value === 'or') v = (take('or') && and()) || v;
    return v;
  };
  const result = or();
  if (i !== tokens.length) throw new Error(`trailing tokens in ${expr}`);
  return result;
}

function failureStatus(s: Stage): Status {
  if (s.continuePipeline === true) return 'FAILED_CONTINUE';
  if (s.failPipeline === undefined || s.failPipeline === true) return 'TERMINAL';
  return 'STOPPED';
}

/**
 * Runs the pipeline. `work(stage, ctx)` performs a stage that starts and says whether it
 * succeeded; checkPreconditions stages evaluate their expression on top of that.
 */
export function runPipeline(stages: Stage[], parameters: Record<string, string>, work: (s: Stage, ctx: ExpressionContext) => boolean): RunResult {
  const status = new Map<string, Status>(stages.map((s) => [s.refId, 'NOT_STARTED']));
  const ctx = (): ExpressionContext => ({ statusByName: new Map(stages.map((s) => [s.name as string, status.get(s.refId)!])), parameters });
  const ran: string[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    for (const s of stages) {
      if (status.get(s.refId) !== 'NOT_STARTED') continue;
      const up = (s.requisiteStageRefIds as string[]).map((r) => status.get(r)!);
      if (!up.every((u) => ['SUCCEEDED', 'FAILED_CONTINUE', 'SKIPPED'].includes(u))) continue;
      progress = true;
      if (s.stageEnabled && !evaluate(s.stageEnabled.expression, ctx())) {
        status.set(s.refId, 'SKIPPED');
        continue;
      }
      ran.push(s.refId);
      let ok = work(s, ctx());
      if (ok && s.type === 'checkPreconditions') ok = evaluate(s.preconditions[0].context.expression, ctx());
      const result = ok ? 'SUCCEEDED' : failureStatus(s);
      status.set(s.refId, result);
      if (result === 'TERMINAL') for (const [k, v] of status) if (v === 'NOT_STARTED') status.set(k, 'CANCELED');
    }
  }
  const all = [...status.values()];
  const stoppedFails = stages.some((s) => status.get(s.refId) === 'STOPPED' && s.completeOtherBranchesThenFail === true);
  const final = all.includes('TERMINAL') || stoppedFails ? 'TERMINAL' : all.every((v) => ['SUCCEEDED', 'SKIPPED', 'FAILED_CONTINUE'].includes(v)) ? 'SUCCEEDED' : 'OTHER';
  return { status, ran, final };
}
