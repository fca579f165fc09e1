/**
 * The progress counter, counted per step+host pair (a confirm step is one pair) so it always adds
 * up: done + running + failed + stopped + not started + to go = total, whatever retries, confirmations or a
 * failed canary did. During the canary it also says how far the canary got.
 */
import type { Plan } from '../src/domain/plan.js';
import { plural } from './format.js';
import { type Cell, type CellState, DONE_STATES } from './progress-grid.js';

export interface StepCells {
  kind: string;
  cells: readonly Cell[];
}

const FAILED: readonly CellState[] = ['failed', 'timed_out', 'unknown'];

export interface ProgressCount {
  done: number;
  running: number;
  failed: number;
  /** Canceled by an abort. */
  stopped: number;
  notStarted: number;
  toGo: number;
  total: number;
}

export function countPairs(steps: readonly StepCells[]): ProgressCount {
  const count: ProgressCount = {
    done: 0,
    running: 0,
    failed: 0,
    stopped: 0,
    notStarted: 0,
    toGo: 0,
    total: 0,
  };
  for (const cell of steps.flatMap((s) => s.cells)) {
    count.total += 1;
    if (DONE_STATES.includes(cell.state)) count.done += 1;
    else if (cell.state === 'running') count.running += 1;
    else if (FAILED.includes(cell.state)) count.failed += 1;
    else if (cell.state === 'canceled') count.stopped += 1;
    else if (cell.state === 'not_started') count.notStarted += 1;
    else count.toGo += 1;
  }
  return count;
}

/**
 * "5 of 5 steps done" on one host; "7 of 10 done (5 steps × 2 hosts) · 1 running · 2 to go" on
 * several, with "canary shop-1: 4 of 5" while the canary runs and the other hosts wait.
 */
export function countLine(plan: Pick<Plan, 'hosts' | 'strategy'>, steps: readonly StepCells[]): string {
  const count = countPairs(steps);
  const head =
    plan.hosts.length <= 1
      ? `${count.done} of ${plural(count.total, 'step')} done`
      : `${count.done} of ${count.total} done (${shape(plan.hosts.length, steps)})`;
  const parts = [head];
  if (count.running > 0) parts.push(`${count.running} running`);
  if (count.failed > 0) parts.push(`${count.failed} failed`);
  if (count.stopped > 0) parts.push(`${count.stopped} stopped`);
  if (count.notStarted > 0) parts.push(`${count.notStarted} not started`);
  if (count.toGo > 0) parts.push(`${count.toGo} to go`);
  const canary = canaryPart(plan, steps);
  if (canary) parts.push(canary);
  return parts.join(' · ');
}

/** "5 steps × 2 hosts", "+ 1 confirmation" when there is one; "6 steps on 3 hosts" when steps differ in hosts. */
function shape(hosts: number, steps: readonly StepCells[]): string {
  const timed = steps.filter((s) => s.kind !== 'confirm' && s.cells.length > 0);
  const confirms = steps.length - steps.filter((s) => s.kind !== 'confirm').length;
  const even = timed.every((s) => s.cells.length === hosts);
  const base = even
    ? `${plural(timed.length, 'step')} × ${hosts} hosts`
    : `${plural(timed.length, 'step')} on ${hosts} hosts`;
  return confirms > 0 ? `${base} + ${plural(confirms, 'confirmation')}` : base;
}

/** While only the canary hosts have started: how far they got, in steps. */
function canaryPart(plan: Pick<Plan, 'hosts' | 'strategy'>, steps: readonly StepCells[]): string | undefined {
  const canary = plan.strategy.canary;
  if (canary <= 0 || canary >= plan.hosts.length) return undefined;
  const canaryHosts = new Set(plan.hosts.slice(0, canary).map((h) => h.name));
  const timed = steps.filter((s) => s.kind !== 'confirm');
  const cells = timed.flatMap((s) => s.cells);
  const othersStarted = cells.some(
    (c) => !canaryHosts.has(c.host) && c.state !== 'pending' && c.state !== 'not_started',
  );
  const onCanary = cells.filter((c) => canaryHosts.has(c.host));
  const canaryDone = onCanary.filter((c) => DONE_STATES.includes(c.state)).length;
  if (othersStarted || onCanary.length === 0 || canaryDone === onCanary.length) return undefined;
  const names = [...canaryHosts].join(', ');
  // One canary host: count its steps; several: count their step+host pairs.
  const of = canary === 1 ? plural(onCanary.length, 'step') : `${onCanary.length}`;
  return `canary ${names}: ${canaryDone} of ${of}`;
}
