/** The RCA's `## Figures`: time to acknowledge, approve and restore; each run against its level's target. */
import { humanDuration } from './format.js';
import { levelColon, type RcaFacts, type RunFacts, runActual } from './rca-facts.js';
import { metricLines } from './rca-metrics.js';
import { stepTable } from './rca-steps.js';
import { cell, oneLine } from './rca-text.js';

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

/** Incident opened → the first approval or, when none was needed, the first run start. */
export function timeToAcknowledge(facts: RcaFacts): string {
  const approval = facts.events.find((e) => e.type === 'approval.granted');
  const start = facts.events.find((e) => e.type === 'run.started');
  const first = [approval, start].filter((e) => e !== undefined).sort((a, b) => a.seq - b.seq)[0];
  if (!first) return 'not yet';
  const what = first.type === 'approval.granted' ? 'first approval' : 'first run started';
  return `${humanDuration(first.at - facts.incident.openedAt)} (request → ${what})`;
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

/** Incident opened → the first run that succeeded finished. */
export function timeToRestore(facts: RcaFacts): string {
  const { restoredBy, incident } = facts;
  if (restoredBy?.finishedAt != null) {
    const which = facts.runs.length > 1 ? `run ${restoredBy.label}` : 'run';
    return `${humanDuration(restoredBy.finishedAt - incident.openedAt)} (request → ${which} succeeded)`;
  }
  if (incident.status === 'open')
    return `not restored (open for ${humanDuration(facts.now - incident.openedAt)})`;
  return 'no rollback run succeeded';
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

function verdict(r: RunFacts, actual: { ms: number; done: boolean } | null): string {
  if (actual === null) return 'not run';
  if (actual.ms > r.run.targetMs) return 'over target';
  return actual.done ? 'within target' : 'running';
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
