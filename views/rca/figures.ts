/** The RCA's `## Figures`: time to acknowledge, approve and restore; each run against its level's target. */
import { targetVerdict, timeToAcknowledgeMs, timeToRestoreMs } from '../../src/domain/figures.js';
import { humanDuration } from '../format.js';
import { levelColon, type RcaFacts, type RunFacts, runActual } from './facts.js';
import { metricLines } from './metrics.js';
import { stepTable } from './steps.js';
import { cell, oneLine } from './text.js';

export function figuresSection(facts: RcaFacts): string[] {
  return [
    '## Figures',
    '',
    '| Measure | Value |',
    '| --- | --- |',
    `| Time to acknowledge | ${timeToAcknowledge(facts)} |`,
    `| Time to approval | ${timeToApproval(facts)} |`,
    `| Time to restore | ${timeToRestore(facts)} |`,
    '',
    ...runsTable(facts),
    ...versionLines(facts),
    ...metricLines(facts.events),
    ...facts.runs
      .filter((r) => r.startedAt !== null || r.steps.length > 0)
      .flatMap((r) => stepTable(r, facts)),
  ];
}

/** Incident opened → the first approval or, when none was needed, the first run start (domain/figures.ts). */
export function timeToAcknowledge(facts: RcaFacts): string {
  const at = (type: string) => facts.events.filter((e) => e.type === type).map((e) => e.at);
  const ms = timeToAcknowledgeMs({
    openedAt: facts.incident.openedAt,
    approvalsAt: at('approval.granted'),
    startsAt: at('run.started'),
  });
  if (ms === null) return 'not yet';
  const approval = facts.events.find((e) => e.type === 'approval.granted');
  const start = facts.events.find((e) => e.type === 'run.started');
  const byApproval = approval !== undefined && (start === undefined || approval.at <= start.at);
  return `${humanDuration(ms)} (request → ${byApproval ? 'first approval' : 'first run started'})`;
}

/** Per run that asked for approval: approval requested → run approved. */
export function timeToApproval(facts: RcaFacts): string {
  const asked = facts.runs.filter((r) => r.approvalRequestedAt !== null);
  if (asked.length === 0) return 'no approval requested';
  return asked
    .map((r) => {
      const value =
        r.approvedAt !== null
          ? humanDuration(r.approvedAt - r.approvalRequestedAt!)
          : `not approved (${resultOf(r)})`;
      return facts.runs.length > 1 ? `${r.label}: ${value}` : value;
    })
    .join('; ');
}

/** Incident opened → the run that restored service succeeded (domain/figures.ts). */
export function timeToRestore(facts: RcaFacts): string {
  const { restoredBy, incident } = facts;
  const ms = timeToRestoreMs({ openedAt: incident.openedAt, runs: facts.runs.map(momentsOf) });
  if (ms !== null && restoredBy) {
    const which = facts.runs.length > 1 ? `run ${restoredBy.label}` : 'run';
    return `${humanDuration(ms)} (request → ${which} succeeded)`;
  }
  if (incident.status === 'open')
    return `not restored (open for ${humanDuration(facts.now - incident.openedAt)})`;
  return 'no rollback run succeeded';
}

/** A run's moments as the timeline recorded them (the store's columns when an event is missing). */
function momentsOf(r: RunFacts) {
  return { state: r.run.state, startedAt: r.startedAt, finishedAt: r.finishedAt };
}

function runsTable(facts: RcaFacts): string[] {
  if (facts.runs.length === 0) return [];
  return [
    '| Run | Level | Result | Target | Actual | Verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...facts.runs.map((r) => {
      const actual = runActual(r, facts.now);
      const level = r.levelName === null ? `${r.run.level}` : `${r.run.level} · ${cell(r.levelName, 60)}`;
      const shown = actual === null ? '—' : `${humanDuration(actual.ms)}${actual.done ? '' : ' so far'}`;
      return `| ${r.label} | ${level} | ${resultOf(r)} | ${humanDuration(r.run.targetMs)} | ${shown} | ${verdict(r, actual)} |`;
    }),
    '',
  ];
}

/** Only a restore can be within its target: a failed or aborted run restored nothing. */
function verdict(r: RunFacts, actual: { ms: number; done: boolean } | null): string {
  if (actual === null) return 'not run';
  switch (targetVerdict({ ...momentsOf(r), targetMs: r.run.targetMs })) {
    case 'within':
      return 'within target';
    case 'over':
      return 'over target';
    case 'running':
      return actual.ms > r.run.targetMs ? 'over target (running)' : 'running';
    case 'not_run':
      return 'not run';
    case 'not_restored':
      return 'not a restore';
  }
}

const RESULTS: Record<string, string> = {
  pending_approval: 'waiting for approval',
  approved: 'approved, not started',
};

function resultOf(r: RunFacts): string {
  return RESULTS[r.run.state] ?? r.run.state;
}

function versionLines(facts: RcaFacts): string[] {
  const hosts = [...new Set(facts.runs.flatMap((r) => r.plan.hosts))];
  const target = facts.restoredBy ?? facts.runs.at(-1);
  const to = target ? (target.plan.params.version ?? levelColon(target)) : null;
  const from = facts.fromVersion;
  const blocked = from !== null && facts.blocked?.version === from ? ' (blocked from redeploy)' : '';
  return [
    `- **Hosts**: ${hosts.length > 0 ? hosts.map((h) => oneLine(h, 80)).join(', ') : 'not recorded'}`,
    `- **Rolled back from**: ${from === null ? 'not recorded' : `${oneLine(from, 80)}${blocked}`}`,
    `- **Rolled back to**: ${to === null ? 'nothing yet' : `${oneLine(to, 120)}${facts.restoredBy ? '' : ' (not restored)'}`}`,
    '',
  ];
}
