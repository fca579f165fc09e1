/** The incident thread root (seed 004's "🚨 INCIDENT" + seed 002's template fields), edited as the status changes. */
import type { KnownBlock } from '@slack/types';
import { type DataLoss, dataLossOf } from '../src/domain/data-loss.js';
import type { Eta } from '../src/domain/estimates.js';
import type { Incident, Run } from '../src/domain/records.js';
import type { RunState } from '../src/domain/run-state.js';
import { SEVERITY_INFO } from '../src/domain/severity.js';
import {
  actions,
  button,
  context,
  fallback,
  fieldsSection,
  header,
  type MessageContent,
  section,
} from './blocks.js';
import { humanDuration, levelLabel, plural, severityBadge } from './format.js';
import { encodeActionValue, ROOT_ACTIONS_BLOCK, TAKE_OWNERSHIP } from './ids.js';
import { escapeFit, escapeMrkdwn, inlineCode, mention, slackTime } from './mrkdwn.js';

export const INCIDENT_STATUSES = [
  'awaiting_approval',
  'rolling_back',
  'verifying',
  'resolved',
  'failed',
  'aborted',
  'interrupted',
  'denied',
  'expired',
] as const;
export type IncidentDisplayStatus = (typeof INCIDENT_STATUSES)[number];

export const STATUS_LABEL: Record<IncidentDisplayStatus, string> = {
  awaiting_approval: '⏳ Awaiting approval',
  rolling_back: '🔄 Rolling back',
  verifying: '🔍 Verifying',
  resolved: '✅ Resolved',
  failed: '❌ Failed',
  aborted: '⛔ Aborted',
  interrupted: '⚠️ Interrupted',
  denied: '🚫 Denied',
  expired: '⌛ Expired',
};

/** The display status for a run's state; a succeeded run is "verifying" until someone marks it resolved. */
export function statusOfRun(state: RunState, incidentResolved: boolean): IncidentDisplayStatus {
  if (incidentResolved) return 'resolved';
  switch (state) {
    case 'pending_approval':
      return 'awaiting_approval';
    case 'approved':
    case 'running':
      return 'rolling_back';
    case 'succeeded':
      return 'verifying';
    default:
      return state;
  }
}

export interface IncidentMessageInput {
  incident: Incident;
  /** The incident's current (latest) run. */
  run: Run;
  levelName: string;
  /** The level's target duration: the ETA's fallback when no earlier run timed the steps. */
  targetMs: number;
  status: IncidentDisplayStatus;
  /** What is happening now, e.g. "Step 3/6 Clean install on mimo-2"; plain text, escaped here. */
  currentAction: string;
  /** Used for the time left and the resolved duration; defaults to the incident's own times. */
  now?: number;
  /** What the level loses (domain `dataLossOf` with the runbook level's `dataLoss`); default by level. */
  dataLoss?: DataLoss;
  /** Affected users / features as the requester described them; when absent the reason is shown. */
  impact?: string;
  /** Who owns the incident (a user id); default the requester. */
  owner?: string;
  /** Elapsed + remaining estimate (domain `estimateEta`); absent: the level's target minus elapsed. */
  eta?: Eta;
  /** The deploy the incident followed: the version the pipeline reported last before it opened. */
  deploy?: { version: string; at: number };
}

const REASON_MAX = 1500;

export function incidentMessage(input: IncidentMessageInput): MessageContent {
  const { incident, run, status } = input;
  const drill = incident.kind === 'drill';
  const title = titleOf(input);
  const blocks: KnownBlock[] = [header(title)];
  const done = doneLine(input);
  if (done) blocks.push(section(done));
  blocks.push(fieldsSection(fields(input)));
  const impact = input.impact?.trim();
  if (drill) {
    blocks.push(section(`*Drill reason*\n${reasonText(incident.reason)}`));
  } else {
    // Seed 002: the issue, then who and what it affects; the reason stands in until someone says.
    blocks.push(section(`*Affected users / features*\n${reasonText(impact || incident.reason)}`));
    if (impact) blocks.push(section(`*Issue*\n${reasonText(incident.reason)}`));
  }
  blocks.push(context(`Run ${inlineCode(run.id)} · plan, approvals and live progress are in the thread`));
  // An open incident can change hands: whoever leads it now says so with one click.
  if (status !== 'resolved') {
    blocks.push(
      actions(ROOT_ACTIONS_BLOCK, [
        button({
          actionId: TAKE_OWNERSHIP,
          text: '🙋 Take ownership',
          value: encodeActionValue({ runId: run.id }),
        }),
      ]),
    );
  }
  const text = [
    title,
    incident.id,
    drill ? undefined : SEVERITY_INFO[incident.severity].label,
    `level ${run.level} ${input.levelName}`,
    STATUS_LABEL[status],
    input.currentAction,
  ]
    .filter((p): p is string => p !== undefined && p !== '')
    .map(escapeMrkdwn)
    .join(' · ');
  return { text: fallback(text), blocks };
}

/** Seed 004's "🚨 INCIDENT" while it is open; a resolved incident's root reads as resolved. */
function titleOf({ incident, run, status }: IncidentMessageInput): string {
  if (incident.kind === 'drill') return `🧪 DRILL: ${incident.service} level ${run.level} on ${incident.env}`;
  if (status === 'resolved') return `✅ RESOLVED: ${incident.service} ${incident.env}`;
  return `🚨 INCIDENT: ${incident.service} ${incident.env} issue detected`;
}

function fields(input: IncidentMessageInput): string[] {
  const { incident, run, status } = input;
  const drill = incident.kind === 'drill';
  const owner = input.owner ?? incident.requestedBy;
  const loss = input.dataLoss ?? dataLossOf(run.level);
  const list = [
    `*${drill ? 'Drill' : 'Incident'}*\n${escapeMrkdwn(incident.id)}`,
    drill ? undefined : `*Severity*\n${severityBadge(incident.severity)}`,
    `*Rollback level*\n${escapeMrkdwn(levelLabel(run.level, input.levelName))}`,
    `*Environment*\n${escapeMrkdwn(incident.env)}`,
    `*Status*\n${STATUS_LABEL[status]}`,
    owner === incident.requestedBy
      ? `*Owner*\n${mention(owner)} (requested it)`
      : `*Owner*\n${mention(owner)} · requested by ${mention(incident.requestedBy)}`,
    `*Current action*\n${escapeFit(input.currentAction || '—', 500)}`,
    status === 'resolved' ? undefined : `*ETA*\n${etaText(input)}`,
    `*Data loss*\n${loss.losesData ? '⚠️ ' : ''}${escapeFit(loss.text, 300)}`,
    input.deploy && !drill
      ? `*Deployed*\n${inlineCode(input.deploy.version)}, ${humanDuration(incident.openedAt - input.deploy.at)} before the request`
      : undefined,
  ];
  return list.filter((f): f is string => f !== undefined);
}

/** Elapsed + the remaining estimate: medians of earlier runs, else the level target minus elapsed. */
function etaText(input: IncidentMessageInput): string {
  const { run, status, now } = input;
  const target = humanDuration(input.targetMs);
  if (status === 'verifying') return 'Rolled back — verifying';
  if (status !== 'awaiting_approval' && status !== 'rolling_back') return '—';
  const eta = input.eta ?? fallbackEta(input);
  const basis =
    eta.basis === 'history'
      ? `median of ${plural(eta.runs, 'earlier run')}`
      : `level target ${target}; no earlier runs to go by`;
  if (status === 'awaiting_approval' || run.startedAt === null || now === undefined) {
    return `~${humanDuration(eta.remainingMs)} once it starts (${basis})`;
  }
  if (eta.remainingMs <= 0) return `over the ${target} target (${humanDuration(eta.elapsedMs)} elapsed)`;
  // The root is redrawn when the status changes, not every second: lead with the clock time.
  const left = humanDuration(eta.remainingMs);
  return `≈ ${slackTime(now + eta.remainingMs)} (~${left} left as of ${slackTime(now)})\n${humanDuration(eta.elapsedMs)} elapsed + ~${left} (${basis})`;
}

function fallbackEta({ run, now, targetMs }: IncidentMessageInput): Eta {
  const elapsedMs = run.startedAt === null || now === undefined ? 0 : now - run.startedAt;
  return { elapsedMs, remainingMs: Math.max(targetMs - elapsedMs, 0), basis: 'target', runs: 0 };
}

function doneLine(input: IncidentMessageInput): string | undefined {
  const { incident, status } = input;
  if (status !== 'resolved') return undefined;
  const end = incident.resolvedAt ?? input.now;
  const took = end === undefined ? '' : ` in ${humanDuration(end - incident.openedAt)}`;
  return incident.kind === 'drill' ? `✅ *Drill finished${took}*` : `✅ *Resolved${took}*`;
}

function reasonText(reason: string): string {
  return reason.trim() === '' ? '_none given_' : escapeFit(reason.trim(), REASON_MAX);
}
