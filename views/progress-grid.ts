/** The per-step × per-host status grid of the progress message, summarised per step when hosts are many. */
import type { PlannedStep } from '../src/domain/plan.js';
import type { StepRow, StepState } from '../src/domain/records.js';
import { humanDuration } from './format.js';
import { escapeFit, escapeMrkdwn } from './mrkdwn.js';

/**
 * `done_earlier`: an earlier run of the incident did this step on this host, so this run (a retry)
 * skips it. `not_started`: this run will never do it (it ended, or a failed canary stopped the rest).
 */
export type CellState = StepState | 'pending' | 'done_earlier' | 'not_started';

export const CELL_EMOJI: Record<CellState, string> = {
  pending: '⏳',
  done_earlier: '☑️',
  not_started: '▫️',
  running: '🔄',
  ok: '✅',
  failed: '❌',
  timed_out: '⏱',
  canceled: '⛔',
  unknown: '❓',
  skipped: '⏭',
};

/** Shown per host up to this many hosts; beyond it a step is one line of counts. */
export const HOSTS_PER_LINE = 5;
const LINE_MAX = 600;
const NAMED_PROBLEMS = 3;
const BAD: readonly CellState[] = ['failed', 'timed_out', 'unknown'];
// Order in which a step's overall symbol is chosen and counts are listed: problems first.
const PRIORITY: readonly CellState[] = [
  'failed',
  'unknown',
  'timed_out',
  'running',
  'canceled',
  'pending',
  'not_started',
  'ok',
  'done_earlier',
  'skipped',
];
// States in which a step+host pair needs nothing more from this run.
export const DONE_STATES: readonly CellState[] = ['ok', 'done_earlier', 'skipped'];

export interface Cell {
  host: string;
  state: CellState;
  /** Finished: its duration; running: time so far; pending: undefined. */
  elapsedMs: number | undefined;
}

/** What the rows alone do not say about pairs without a row in this run. */
export interface CellContext {
  /** `stepIndex\u0000host` keys an earlier run already did (a retry skips them). */
  doneEarlier: ReadonlySet<string>;
  /** Confirm steps answered with Continue. */
  confirmed: ReadonlySet<number>;
  /** Hosts this run will never start. */
  notStarted: ReadonlySet<string>;
  /** The run has ended: nothing without a row will run any more. */
  ended: boolean;
}

export const NO_CONTEXT: CellContext = {
  doneEarlier: new Set(),
  confirmed: new Set(),
  notStarted: new Set(),
  ended: false,
};

export function pairKey(stepIndex: number, host: string): string {
  return `${stepIndex}\u0000${host}`;
}

/**
 * One cell per host the step runs on (the latest row per host: a retry adds a newer one), and one
 * cell for a confirm step, so every step counts and the totals add up.
 */
export function cellsOf(
  step: PlannedStep,
  rows: readonly StepRow[],
  now: number,
  ctx: CellContext = NO_CONTEXT,
): Cell[] {
  if (step.kind === 'confirm') {
    const state = ctx.confirmed.has(step.index) ? 'ok' : ctx.ended ? 'not_started' : 'pending';
    return [{ host: '', state, elapsedMs: undefined }];
  }
  const mine = rows.filter((r) => r.stepIndex === step.index);
  const hosts =
    step.targets.length > 0 ? step.targets.map((t) => t.host) : [...new Set(mine.map((r) => r.host))];
  return hosts.map((host) => {
    const row = latest(mine.filter((r) => r.host === host));
    if (row !== undefined) return { host, state: row.state, elapsedMs: elapsedOf(row, now) };
    return { host, state: unrunState(step.index, host, ctx), elapsedMs: undefined };
  });
}

function unrunState(stepIndex: number, host: string, ctx: CellContext): CellState {
  if (ctx.doneEarlier.has(pairKey(stepIndex, host))) return 'done_earlier';
  if (ctx.ended || ctx.notStarted.has(host)) return 'not_started';
  return 'pending';
}

export function stepSymbol(cells: readonly Cell[]): string {
  if (cells.length === 0) return CELL_EMOJI.pending;
  const states = new Set(cells.map((c) => c.state));
  const started = cells.some((c) => c.state !== 'pending' && c.state !== 'done_earlier');
  if (started && states.has('pending') && !BAD.some((s) => states.has(s))) return CELL_EMOJI.running;
  // Done on every host, some of it by an earlier run: done.
  if (states.size > 1 && [...states].every((s) => DONE_STATES.includes(s))) return CELL_EMOJI.ok;
  const top = PRIORITY.find((s) => states.has(s)) ?? 'pending';
  return CELL_EMOJI[top];
}

/** "✅ *2. Restart* · mimo-1 ✅ 3s · mimo-2 🔄 5s" or, for many hosts, "🔄 *2. Restart* · ✅ 47 · 🔄 2 · ❌ 1 (mimo-7)". */
export function stepLine(step: PlannedStep, cells: readonly Cell[], waitingForConfirm: boolean): string {
  const title = `*${step.index + 1}. ${escapeFit(step.name, 150)}*`;
  if (step.kind === 'confirm') {
    const symbol = waitingForConfirm ? '⏸' : stepSymbol(cells);
    return `${symbol} ${title}${waitingForConfirm ? ' · waiting for an answer' : ''}`;
  }
  if (cells.length === 0) return `${CELL_EMOJI.skipped} ${title} · no selected host`;
  const detail = cells.length <= HOSTS_PER_LINE ? cells.map(hostCell).join(' · ') : counts(cells);
  const took = stepElapsed(cells);
  const line = `${stepSymbol(cells)} ${title} · ${detail}${took ? ` · ${took}` : ''}`;
  return line.length <= LINE_MAX ? line : `${line.slice(0, LINE_MAX - 1)}…`;
}

function hostCell(cell: Cell): string {
  const time = cell.elapsedMs === undefined ? '' : ` ${humanDuration(cell.elapsedMs)}`;
  return `${escapeMrkdwn(cell.host)} ${CELL_EMOJI[cell.state]}${time}`;
}

// Counts read like a tally, good news first; the step's own symbol already leads with any problem.
const COUNT_ORDER: readonly CellState[] = [
  'ok',
  'done_earlier',
  'running',
  'pending',
  'failed',
  'timed_out',
  'unknown',
  'canceled',
  'skipped',
  'not_started',
];

function counts(cells: readonly Cell[]): string {
  return COUNT_ORDER.flatMap((state) => {
    const hosts = cells.filter((c) => c.state === state).map((c) => c.host);
    if (hosts.length === 0) return [];
    const named = BAD.includes(state) ? ` (${namedHosts(hosts)})` : '';
    return [`${CELL_EMOJI[state]} ${hosts.length}${named}`];
  }).join(' · ');
}

function namedHosts(hosts: readonly string[]): string {
  const shown = hosts.slice(0, NAMED_PROBLEMS).map(escapeMrkdwn).join(', ');
  return hosts.length > NAMED_PROBLEMS ? `${shown} +${hosts.length - NAMED_PROBLEMS}` : shown;
}

/** The longest host time of a step with many hosts (per-host times are shown when hosts are few). */
function stepElapsed(cells: readonly Cell[]): string | undefined {
  if (cells.length <= HOSTS_PER_LINE) return undefined;
  const times = cells.map((c) => c.elapsedMs).filter((t): t is number => t !== undefined);
  return times.length === 0 ? undefined : `longest ${humanDuration(Math.max(...times))}`;
}

function latest(rows: readonly StepRow[]): StepRow | undefined {
  return rows.reduce<StepRow | undefined>(
    (best, row) => (best === undefined || (row.startedAt ?? 0) >= (best.startedAt ?? 0) ? row : best),
    undefined,
  );
}

function elapsedOf(row: StepRow, now: number): number | undefined {
  if (row.state === 'running') return row.startedAt === null ? undefined : now - row.startedAt;
  if (row.durationMs !== null) return row.durationMs;
  if (row.startedAt !== null && row.finishedAt !== null) return row.finishedAt - row.startedAt;
  return undefined;
}

/** The first host where the run went wrong: what the failure block explains. */
export function firstProblem(rows: readonly StepRow[]): StepRow | undefined {
  const current = new Map<string, StepRow>();
  for (const row of rows) {
    const key = `${row.stepIndex}\u0000${row.host}`;
    current.set(key, latest([...(current.has(key) ? [current.get(key)!] : []), row])!);
  }
  const bad = [...current.values()].filter((r) => BAD.includes(r.state));
  return [...bad].sort((a, b) => a.stepIndex - b.stepIndex || (a.startedAt ?? 0) - (b.startedAt ?? 0))[0];
}
