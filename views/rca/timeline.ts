/** The RCA's `## Timeline`: one human line per meaningful event, step results summarised per step. */
import type { StoredTimelineEvent } from '../../src/domain/timeline.js';
import { humanDuration, plural } from '../format.js';
import { num, type RcaFacts, type RunFacts, str, strList } from './facts.js';
import { channelRef, oneLine, who, whoList } from './text.js';
import type { ZoneClock } from './time.js';
import { describeRunEvent } from './timeline-runs.js';

interface Line {
  at: number;
  seq: number;
  text: string;
}

/** `- HH:MM — event`; the date is added when the day changes, the offset when DST changes it. */
export function timelineSection(facts: RcaFacts, clock: ZoneClock): string[] {
  const lines = timelineLines(facts);
  const first = lines[0];
  if (!first) return ['## Timeline', '', '_No events recorded._'];
  const days = new Set(lines.map((l) => clock.at(l.at).date));
  const out = ['## Timeline', '', `_Times in ${clock.timeZone} (${clock.at(first.at).offset})._`, ''];
  let previous: { date: string; offset: string } | undefined;
  for (const line of lines) {
    const z = clock.at(line.at);
    let stamp = days.size > 1 && z.date !== previous?.date ? `${z.date} ${z.time}` : z.time;
    if (previous && z.offset !== previous.offset) stamp += ` ${z.offset}`;
    out.push(`- ${stamp} — ${line.text}`);
    previous = z;
  }
  return out;
}

function timelineLines(facts: RcaFacts): Line[] {
  const lines = facts.events.flatMap((e) => {
    const text = describe(e, facts);
    return text ? [{ at: e.at, seq: e.seq, text }] : [];
  });
  // Append order is the true order; the clock could step back, the sequence cannot.
  return [...lines, ...stepLines(facts)].sort((a, b) => a.seq - b.seq);
}

function describe(e: StoredTimelineEvent, facts: RcaFacts): string | undefined {
  const run = facts.runs.find((r) => r.run.id === e.runId);
  switch (e.type) {
    case 'incident.opened':
      return opened(e, facts);
    case 'approval.requested': {
      const approvers = strList(e.data, 'approvers');
      const needed = plural(num(e.data, 'required') ?? 1, 'approval');
      return `Approval requested from ${whoList(approvers)} (${needed} needed)`;
    }
    case 'approval.granted':
      return granted(e, run);
    case 'approval.denied':
      return `Denied by ${who(e.actor)}`;
    case 'approval.refused':
      return refused(e, run);
    case 'approval.expired':
      return 'Approval request expired without a decision';
    case 'escalation.pinged': {
      const after = str(e.data, 'after');
      return `Escalation ping to ${whoList(strList(e.data, 'notify'))}${after ? ` (no decision after ${oneLine(after, 20)})` : ''}`;
    }
    case 'message.posted':
      return str(e.data, 'what') === 'incident'
        ? `Incident message posted in ${channelRef(str(e.data, 'channel') ?? 'Slack')}`
        : undefined;
    case 'note.added':
      return `Note from ${who(e.actor)}: ${oneLine(str(e.data, 'text') ?? '', 500)}`;
    case 'incident.resolved':
      return `Resolved by ${who(e.actor)}`;
    case 'version.blocked':
      return `Version ${oneLine(str(e.data, 'version') ?? '?', 80)} blocked from redeploy by ${who(e.actor)}`;
    case 'version.unblocked':
      return `Version ${oneLine(str(e.data, 'version') ?? '?', 80)} unblocked by ${who(e.actor)}`;
    default:
      return run ? describeRunEvent(e, run, facts) : undefined;
  }
}

function opened(e: StoredTimelineEvent, facts: RcaFacts): string {
  const { incident } = facts;
  const level = num(e.data, 'level') ?? incident.level;
  const severity = (str(e.data, 'severity') ?? incident.severity).toUpperCase();
  const what = incident.kind === 'drill' ? 'Drill' : 'Rollback';
  const reason = oneLine(str(e.data, 'reason') ?? incident.reason, 500);
  return `${what} requested by ${who(e.actor)} (level ${level}, ${oneLine(severity, 20)}): ${reason}`;
}

function granted(e: StoredTimelineEvent, run: RunFacts | undefined): string {
  // `cli:` actors already read "(terminal)".
  const via = str(e.data, 'via') === 'terminal' && !e.actor.startsWith('cli:') ? ' at the terminal' : '';
  const count = num(e.data, 'count');
  const required = run?.approvalsRequired ?? null;
  const progress = count !== null && required !== null && required > 1 ? ` (${count}/${required})` : '';
  return `Approved by ${who(e.actor)}${via}${progress}`;
}

const REFUSAL_REASONS: Record<string, string> = {
  already_decided: 'already decided',
  expired: 'the request had expired',
  plan_changed: 'the plan changed since the request',
};

function refused(e: StoredTimelineEvent, run: RunFacts | undefined): string {
  const code = str(e.data, 'code') ?? 'refused';
  const requester = run?.run.requestedBy === e.actor;
  const reason =
    code === 'not_authorized'
      ? requester
        ? 'requester cannot approve'
        : 'not an approver'
      : (REFUSAL_REASONS[code] ?? oneLine(code, 40));
  const what = str(e.data, 'action') === 'operate' ? 'Run control' : 'Approval';
  return `${what} refused for ${who(e.actor)} (${reason})`;
}

const FAILURE_VERBS: Record<string, string> = {
  failed: 'failed',
  timed_out: 'timed out',
  canceled: 'was canceled',
  unknown: 'had an unknown outcome',
};

/**
 * Per (run, host batch, step): one line for the hosts that passed, one per host that did not. The
 * engine runs the canary batch through every step before the next batch starts, so a step index
 * going down marks a new batch; grouping by batch keeps the lines in the order things happened.
 */
function stepLines(facts: RcaFacts): Line[] {
  const groups = new Map<string, StoredTimelineEvent[]>();
  const batches = new Map<string, { batch: number; step: number }>();
  for (const e of facts.events) {
    if (e.type !== 'step.finished' || !e.runId || !facts.runs.some((r) => r.run.id === e.runId)) continue;
    const step = num(e.data, 'step') ?? -1;
    const previous = batches.get(e.runId) ?? { batch: 0, step };
    const current = { batch: step < previous.step ? previous.batch + 1 : previous.batch, step };
    batches.set(e.runId, current);
    const key = `${e.runId}\u0000${current.batch}\u0000${step}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.values()].flatMap((group) => [
    ...passedLines(group, 'ok', 'ok'),
    ...passedLines(group, 'skipped', 'skipped'),
    ...group.filter((e) => !['ok', 'skipped'].includes(str(e.data, 'outcome') ?? '')).map(failedLine),
  ]);
}

function stepTitle(e: StoredTimelineEvent): string {
  const index = num(e.data, 'step');
  const name = oneLine(str(e.data, 'name') ?? 'unnamed', 120);
  return `Step ${index === null ? '?' : index + 1} '${name}'`;
}

function passedLines(group: StoredTimelineEvent[], outcome: string, verb: string): Line[] {
  const passed = group.filter((e) => str(e.data, 'outcome') === outcome);
  const last = passed.at(-1);
  if (!last) return [];
  const longest = Math.max(...passed.map((e) => num(e.data, 'durationMs') ?? 0));
  const where =
    passed.length === 1
      ? `${oneLine(str(last.data, 'host') ?? '?', 80)} (${humanDuration(longest)})`
      : `${passed.length} hosts (max ${humanDuration(longest)})`;
  return [{ at: last.at, seq: last.seq, text: `${stepTitle(last)} ${verb} on ${where}` }];
}

function failedLine(e: StoredTimelineEvent): Line {
  const outcome = str(e.data, 'outcome') ?? 'failed';
  const verb = FAILURE_VERBS[outcome] ?? oneLine(outcome, 20);
  const host = oneLine(str(e.data, 'host') ?? '?', 80);
  const exitCode = num(e.data, 'exitCode');
  const duration = num(e.data, 'durationMs');
  const error = str(e.data, 'error');
  let detail = '';
  if (exitCode !== null) detail = ` (exit ${exitCode})`;
  else if (outcome === 'timed_out' && duration !== null) detail = ` (after ${humanDuration(duration)})`;
  // With an exit code the error only repeats it; otherwise it is the only explanation there is.
  if (exitCode === null && error) detail += `: ${oneLine(error, 200)}`;
  return { at: e.at, seq: e.seq, text: `${stepTitle(e)} ${verb} on ${host}${detail}` };
}
