/** `/rollback status`: the active incidents and runs, one line each. */
import type { Incident, Run } from '../src/domain/records.js';
import { context, type EphemeralContent, fallback, section } from './blocks.js';
import { humanDuration, plural, severityBadge } from './format.js';
import { STATUS_LABEL, statusOfRun } from './incident.js';
import { MESSAGE_BLOCKS_MAX } from './limits.js';
import { escapeMrkdwn, mention } from './mrkdwn.js';
import { packLines } from './pack.js';

export interface ActiveRunSummary {
  incident: Incident;
  run: Run;
  /** Link to the incident thread, when known. */
  permalink?: string;
}

const SAFE_URL_RE = /^https:\/\/[^\s<>|]+$/;

/** `notice`: a warning shown first (e.g. rollbot is not a member of the incident channel). */
export function statusText(
  active: readonly ActiveRunSummary[],
  now: number,
  notice?: string,
): EphemeralContent {
  const warning = notice ? [section(`⚠️ ${escapeMrkdwn(notice)}`)] : [];
  const warningText = notice ? `⚠️ ${notice}\n` : '';
  if (active.length === 0) {
    return {
      response_type: 'ephemeral',
      text: fallback(`${warningText}No active incidents or runs.`),
      blocks: [...warning, section('✅ No active incidents or runs.')],
    };
  }
  const lines = active.map((a) => statusLine(a, now));
  const sections = packLines(lines, MESSAGE_BLOCKS_MAX - 2 - warning.length);
  const head = `*Active (${active.length})*`;
  return {
    response_type: 'ephemeral',
    text: fallback(
      `${warningText}${plural(active.length, 'active run')}: ${active.map((a) => escapeMrkdwn(a.incident.id)).join(', ')}`,
    ),
    blocks: [
      ...warning,
      section(head),
      ...sections.map(section),
      context('Open the thread for the plan, approvals and live progress.'),
    ],
  };
}

function statusLine({ incident, run, permalink }: ActiveRunSummary, now: number): string {
  const id = escapeMrkdwn(incident.id);
  const link = permalink && SAFE_URL_RE.test(permalink) ? `<${permalink}|${id}>` : id;
  const kind = incident.kind === 'drill' ? '🧪 drill' : severityBadge(incident.severity);
  const since = humanDuration(now - run.createdAt);
  const status = STATUS_LABEL[statusOfRun(run.state, incident.status === 'resolved')];
  return `• ${link} · ${escapeMrkdwn(`${incident.service} ${incident.env}`)} · level ${run.level} · ${kind} · ${status} · ${since} · by ${mention(run.requestedBy)}`;
}
