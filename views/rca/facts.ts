/** What the RCA knows about an incident, derived once from its records and timeline events. */
import { type StepEstimate, type StepSample, stepEstimates } from '../../src/domain/estimates.js';
import type { Incident, Run, StepRow } from '../../src/domain/records.js';
import type { StoredTimelineEvent, TimelineType } from '../../src/domain/timeline.js';
import { type PlanInfo, planInfo } from './plan.js';
import { oneLine } from './text.js';

export type RunOrigin = 'first' | 'retry' | 'escalation' | 'new';

export interface RunFacts {
  run: Run;
  /** `r2`: the run id without the incident prefix. */
  label: string;
  /** `Code rollback`, from the stored plan; null when the plan has no name. */
  levelName: string | null;
  plan: PlanInfo;
  steps: StepRow[];
  origin: RunOrigin;
  startedAt: number | null;
  finishedAt: number | null;
  approvalRequestedAt: number | null;
  approvalsRequired: number | null;
  approvedAt: number | null;
}

export interface StepFailure {
  run: RunFacts;
  step: number;
  name: string;
  host: string;
  outcome: string;
  exitCode: number | null;
  error: string | null;
}

export interface RcaFacts {
  incident: Incident;
  runs: RunFacts[];
  /** This incident's events, in append order. */
  events: StoredTimelineEvent[];
  failures: StepFailure[];
  blocked: { version: string; by: string } | null;
  fromVersion: string | null;
  /** The first run that succeeded, by finish time. */
  restoredBy: RunFacts | null;
  /** Per level, per step index: the median duration in earlier successful runs (absent: no history). */
  estimates: ReadonlyMap<number, ReadonlyMap<number, StepEstimate>>;
  now: number;
}

export interface FactsInput {
  incident: Incident;
  runs: Run[];
  steps: Record<string, StepRow[]>;
  timeline: StoredTimelineEvent[];
  now: number;
  stepSamples?: Partial<Record<number, StepSample[]>>;
}

export function gatherFacts(input: FactsInput): RcaFacts {
  const { incident } = input;
  const runIds = new Set(input.runs.map((r) => r.id));
  const events = input.timeline
    .filter((e) => e.incidentId === incident.id || (e.runId !== undefined && runIds.has(e.runId)))
    .sort((a, b) => a.seq - b.seq);
  const runs = input.runs.map((run, index) =>
    runFacts(run, index, input.runs[index - 1], input.steps[run.id] ?? [], events, incident.id),
  );
  const byId = new Map(runs.map((r) => [r.run.id, r]));
  const blockedEvent = events.findLast((e) => e.type === 'version.blocked');
  const blockedVersion = blockedEvent ? str(blockedEvent.data, 'version') : null;
  const resolved = events.findLast((e) => e.type === 'incident.resolved');
  return {
    incident,
    runs,
    events,
    failures: events.flatMap((e) => stepFailure(e, byId)),
    blocked: blockedEvent && blockedVersion ? { version: blockedVersion, by: blockedEvent.actor } : null,
    fromVersion:
      str(resolved?.data, 'fromVersion') ?? str(blockedEvent?.data, 'fromVersion') ?? blockedVersion ?? null,
    restoredBy:
      runs
        .filter((r) => r.run.state === 'succeeded')
        .sort((a, b) => (a.finishedAt ?? Infinity) - (b.finishedAt ?? Infinity))[0] ?? null,
    estimates: new Map(
      Object.entries(input.stepSamples ?? {}).map(([level, samples]) => [
        Number(level),
        stepEstimates(samples ?? []),
      ]),
    ),
    now: input.now,
  };
}

function runFacts(
  run: Run,
  index: number,
  previous: Run | undefined,
  steps: StepRow[],
  events: StoredTimelineEvent[],
  incidentId: string,
): RunFacts {
  const first = (type: TimelineType) => events.find((e) => e.runId === run.id && e.type === type);
  const plan = planInfo(run.plan);
  const requested = first('approval.requested');
  const terminalApproval = events.find(
    (e) => e.runId === run.id && e.type === 'approval.granted' && str(e.data, 'via') === 'terminal',
  );
  return {
    run,
    label: run.id.startsWith(`${incidentId}-`) ? run.id.slice(incidentId.length + 1) : run.id,
    levelName: plan.levelName,
    plan,
    steps,
    origin: originOf(run, index, previous, first('level.escalated') !== undefined),
    startedAt: first('run.started')?.at ?? run.startedAt,
    finishedAt: (first('run.finished') ?? first('run.interrupted'))?.at ?? run.finishedAt,
    approvalRequestedAt: requested?.at ?? null,
    approvalsRequired: num(requested?.data, 'required'),
    approvedAt: (first('run.approved') ?? terminalApproval)?.at ?? null,
  };
}

function originOf(run: Run, index: number, previous: Run | undefined, escalated: boolean): RunOrigin {
  if (index === 0) return 'first';
  if (escalated || (previous !== undefined && run.level > previous.level)) return 'escalation';
  return run.escalatedFrom ? 'retry' : 'new';
}

function stepFailure(event: StoredTimelineEvent, runs: Map<string, RunFacts>): StepFailure[] {
  const outcome = str(event.data, 'outcome');
  const run = event.runId ? runs.get(event.runId) : undefined;
  if (event.type !== 'step.finished' || !run || !outcome || outcome === 'ok' || outcome === 'skipped')
    return [];
  return [
    {
      run,
      step: num(event.data, 'step') ?? -1,
      name: str(event.data, 'name') ?? 'unnamed step',
      host: str(event.data, 'host') ?? 'unknown host',
      outcome,
      exitCode: num(event.data, 'exitCode'),
      error: str(event.data, 'error'),
    },
  ];
}

/** Run started → finished (or → now while it still runs). */
export function runActual(r: RunFacts, now: number): { ms: number; done: boolean } | null {
  if (r.startedAt === null) return null;
  return r.finishedAt === null
    ? { ms: now - r.startedAt, done: false }
    : { ms: r.finishedAt - r.startedAt, done: true };
}

/** `level 2: Code rollback`, or `level 2` when the name is unknown. */
export function levelColon(r: RunFacts): string {
  return r.levelName === null ? `level ${r.run.level}` : `level ${r.run.level}: ${oneLine(r.levelName, 80)}`;
}

/** `level 2 (Code rollback)`, or `level 2` when the name is unknown. */
export function levelParen(r: RunFacts): string {
  return r.levelName === null ? `level ${r.run.level}` : `level ${r.run.level} (${oneLine(r.levelName, 80)})`;
}

/** Event payloads are small JSON objects written by many callers: read them field by field. */
export function str(data: Record<string, unknown> | undefined, key: string): string | null {
  const value = data?.[key];
  return typeof value === 'string' ? value : null;
}

export function num(data: Record<string, unknown> | undefined, key: string): number | null {
  const value = data?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function strList(data: Record<string, unknown> | undefined, key: string): string[] {
  const value = data?.[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
