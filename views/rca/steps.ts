/**
 * Seed 003's "Rollback Time Estimate" per run: each step's estimate (the median of the same step in
 * earlier successful runs of the service and level) against its slowest host this time.
 */
import type { StepEstimate } from '../../src/domain/estimates.js';
import type { StepRow } from '../../src/domain/records.js';
import { humanDuration, plural } from '../format.js';
import { levelColon, type RcaFacts, type RunFacts, runActual } from './facts.js';
import type { PlanStepInfo } from './plan.js';
import { cell } from './text.js';

export function stepTable(r: RunFacts, facts: RcaFacts): string[] {
  const previous = facts.runs.find((p) => p.run.id === r.run.escalatedFrom && r.origin === 'retry');
  const actual = runActual(r, facts.now);
  const steps = stepsOf(r);
  const known = facts.estimates.get(r.run.level);
  return [
    `### Steps — ${r.label} (${levelColon(r)})`,
    '',
    '| Step | Estimate (median of earlier runs) | Actual | Hosts |',
    '| --- | --- | --- | --- |',
    ...steps.map((step) => {
      const rows = r.steps.filter((row) => row.stepIndex === step.index);
      return `| ${step.index + 1}. ${cell(step.name)} | ${estimateCell(step, known)} | ${slowest(rows)} | ${hostsCell(step, rows, previous)} |`;
    }),
    `| **Total** | **${totalEstimate(steps, known)}** · level target ${humanDuration(r.run.targetMs)} | **${actual === null ? '—' : humanDuration(actual.ms)}** | |`,
    '',
  ];
}

function estimateCell(step: PlanStepInfo, known: ReadonlyMap<number, StepEstimate> | undefined): string {
  if (step.kind === 'confirm') return '— (waits for a person)';
  const estimate = known?.get(step.index);
  if (!estimate) return 'no history';
  return `${humanDuration(estimate.medianMs)} (${plural(estimate.runs, 'run')})`;
}

/** The sum of the steps' estimates, only when every step that runs has one. */
function totalEstimate(steps: PlanStepInfo[], known: ReadonlyMap<number, StepEstimate> | undefined): string {
  const timed = steps.filter((s) => s.kind !== 'confirm');
  const medians = timed.map((s) => known?.get(s.index)?.medianMs);
  if (timed.length === 0 || medians.some((m) => m === undefined)) return 'no history';
  return humanDuration(medians.reduce<number>((sum, m) => sum + (m ?? 0), 0));
}

/** The stored plan's steps, or (for a plan without them) the steps that left rows. */
function stepsOf(r: RunFacts): PlanStepInfo[] {
  if (r.plan.steps.length > 0) return r.plan.steps;
  const byIndex = new Map<number, PlanStepInfo>();
  for (const row of r.steps) {
    if (byIndex.has(row.stepIndex)) continue;
    byIndex.set(row.stepIndex, {
      index: row.stepIndex,
      name: row.name,
      kind: row.kind,
      timeoutMs: null,
      hosts: [],
    });
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

function slowest(rows: StepRow[]): string {
  if (rows.some((row) => row.state === 'running')) return 'running';
  const durations = rows.flatMap((row) => (row.durationMs === null ? [] : [row.durationMs]));
  return durations.length === 0 ? '—' : humanDuration(Math.max(...durations));
}

function hostsCell(step: PlanStepInfo, rows: StepRow[], previous: RunFacts | undefined): string {
  if (step.kind === 'confirm') return 'confirmation';
  const planned = step.hosts.length > 0 ? step.hosts : rows.map((row) => row.host);
  // "mimo-1, mimo-3 ok; mimo-2 failed (exit 1)", or "3 ok" when every host agrees.
  const byWord = new Map<string, string[]>();
  for (const host of planned) {
    const word = hostWord(step, host, rows, previous);
    byWord.set(word, [...(byWord.get(word) ?? []), cell(host, 60)]);
  }
  if (byWord.size === 1) return `${planned.length} ${[...byWord.keys()][0]}`;
  return [...byWord].map(([word, hosts]) => `${hosts.join(', ')} ${word}`).join('; ');
}

function hostWord(step: PlanStepInfo, host: string, rows: StepRow[], previous: RunFacts | undefined): string {
  const row = rows.find((x) => x.host === host);
  if (row) return stateWord(row);
  const before = previous?.steps.find(
    (x) => x.host === host && x.stepIndex === step.index && x.state === 'ok',
  );
  return before ? `done in ${previous!.label}` : 'not run';
}

function stateWord(row: StepRow): string {
  switch (row.state) {
    case 'failed':
      return row.exitCode === null ? 'failed' : `failed (exit ${row.exitCode})`;
    case 'timed_out':
      return 'timed out';
    case 'unknown':
      return 'outcome unknown';
    default:
      return row.state;
  }
}
