/** The incident thread root (seed 004's "🚨 INCIDENT" + seed 002's template fields), edited as the status changes. */
import type { KnownBlock } from '@slack/types';
import type { Incident, Run } from '../src/domain/records.js';
import type { RunState } from '../src/domain/run-state.js';
import { SEVERITY_INFO } from '../src/domain/severity.js';
import { context, fallback, fieldsSection, header, type MessageContent, section } from './blocks.js';
import { humanDuration, levelLabel, severityBadge } from './format.js';
import { escapeFit, escapeMrkdwn, inlineCode, mention } from './mrkdwn.js';

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
  /** The level's target duration, shown as the ETA. */
  targetMs: number;
  status: IncidentDisplayStatus;
  /** What is happening now, e.g. "Step 3/6 Clean install on mimo-2"; plain text, escaped here. */
  currentAction: string;
  /** Used for the time left and the resolved duration; defaults to the incident's own times. */
  now?: number;
}

const REASON_MAX = 1500;

export function incidentMessage(input: IncidentMessageInput): MessageContent {
  const { incident, run, status } = input;
  const drill = incident.kind === 'drill';
  const title = drill
    ? `🧪 DRILL: ${incident.service} level ${run.level} on ${incident.env}`
    : `🚨 INCIDENT: ${incident.service} ${incident.env} issue detected`;
  const blocks: KnownBlock[] = [header(title)];
  const done = doneLine(input);
  if (done) blocks.push(section(done));
  blocks.push(fieldsSection(fields(input)));
  blocks.push(section(`*${drill ? 'Drill reason' : 'Impact / reason'}*\n${reasonText(incident.reason)}`));
  blocks.push(context(`Run ${inlineCode(run.id)} · plan, approvals and live progress are in the thread`));
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

function fields(input: IncidentMessageInput): string[] {
  const { incident, run } = input;
  const drill = incident.kind === 'drill';
  const list = [
    `*${drill ? 'Drill' : 'Incident'}*\n${escapeMrkdwn(incident.id)}`,
    drill ? undefined : `*Severity*\n${severityBadge(incident.severity)}`,
    `*Rollback level*\n${escapeMrkdwn(levelLabel(run.level, input.levelName))}`,
    `*Environment*\n${escapeMrkdwn(incident.env)}`,
    `*Status*\n${STATUS_LABEL[input.status]}`,
    `*Requested by*\n${mention(incident.requestedBy)}`,
    `*Current action*\n${escapeFit(input.currentAction || '—', 500)}`,
    `*ETA*\n${eta(input)}`,
  ];
  return list.filter((f): f is string => f !== undefined);
}

function eta(input: IncidentMessageInput): string {
  const target = humanDuration(input.targetMs);
  const { run, status, now } = input;
  if (status !== 'rolling_back' || run.startedAt === null || now === undefined)
    return `~${target} (level target)`;
  const left = input.targetMs - (now - run.startedAt);
  return left > 0 ? `~${humanDuration(left)} left (target ${target})` : `over target ${target}`;
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
