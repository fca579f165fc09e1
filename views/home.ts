/**
 * The App Home tab: open incidents (state and thread link), each service's last rollbacks, and the
 * services a person can roll back with their levels. Slack allows 100 blocks in a Home view.
 */
import type { KnownBlock } from '@slack/types';
import type { HistoryRow, Incident, Run } from '../src/domain/records.js';
import { context, divider, header, section } from './blocks.js';
import { humanDuration, plural, severityBadge, utcDateTime } from './format.js';
import { STATUS_LABEL, statusOfRun } from './incident.js';
import { fitBlocks } from './limits.js';
import { escapeFit, escapeMrkdwn, mention } from './mrkdwn.js';
import { packLines } from './pack.js';

/** Slack: a Home tab view holds at most 100 blocks. */
export const HOME_BLOCKS_MAX = 100;
/** Sections the open-incident list may use (3000 characters each). */
const OPEN_SECTIONS_MAX = 8;

export interface HomeIncident {
  incident: Incident;
  /** The incident's latest run. */
  run?: Run;
  /** Link to the incident thread, when it has one. */
  threadUrl?: string;
}

export interface HomeLevel {
  level: number;
  name: string;
  targetMs: number;
  approvals: number | { critical: number; major: number; minor: number };
}

export interface HomeService {
  service: string;
  description: string;
  envs: string[];
  levels: HomeLevel[];
  /** The viewer is one of the runbook's approvers (directly or through a user group). */
  approver: boolean;
  /** Newest first. */
  recent: HistoryRow[];
}

export interface HomeData {
  user: string;
  open: HomeIncident[];
  services: HomeService[];
  /** A warning to show first (e.g. rollbot cannot hear the incident channel). */
  notice?: string;
  now: number;
}

export interface HomeView {
  type: 'home';
  blocks: KnownBlock[];
}

const SAFE_URL_RE = /^https:\/\/[^\s<>|]+$/;

export function homeView(data: HomeData): HomeView {
  const top: KnownBlock[] = [
    header('rollbot'),
    context('`/rollback <service>` opens the form · `/rollback help` lists every command'),
  ];
  if (data.notice) top.push(section(`⚠️ ${escapeMrkdwn(data.notice)}`));
  top.push(header(`Open incidents (${data.open.length})`));
  const open =
    data.open.length === 0
      ? [section('✅ No open incidents.')]
      : packLines(
          data.open.map((o) => openLine(o, data.now)),
          OPEN_SECTIONS_MAX,
        ).map(section);
  top.push(...open, divider(), header(`Services (${data.services.length})`));
  top.push(context('Anyone can ask for a rollback; approvers other than the requester approve it.'));

  // Two blocks per service; keep one for the "more" note when they do not all fit.
  const room = HOME_BLOCKS_MAX - top.length - 1;
  const shown =
    data.services.length * 2 <= room + 1 ? data.services : data.services.slice(0, Math.floor(room / 2));
  const blocks = [...top, ...shown.flatMap(serviceBlocks)];
  const hidden = data.services.length - shown.length;
  if (hidden > 0) {
    const names = data.services.slice(shown.length).map((s) => escapeMrkdwn(s.service));
    blocks.push(context(`… and ${plural(hidden, 'more service')}: ${names.join(', ')}`));
  }
  return { type: 'home', blocks: fitBlocks(blocks, HOME_BLOCKS_MAX) };
}

function openLine({ incident, run, threadUrl }: HomeIncident, now: number): string {
  const id = escapeMrkdwn(incident.id);
  const link = threadUrl && SAFE_URL_RE.test(threadUrl) ? `<${threadUrl}|${id}>` : id;
  const kind = incident.kind === 'drill' ? '🧪 drill' : severityBadge(incident.severity);
  const state = run ? STATUS_LABEL[statusOfRun(run.state, false)] : 'open';
  const where = escapeMrkdwn(`${incident.service} ${incident.env}`);
  const level = run ? ` · level ${run.level}` : '';
  const since = humanDuration(now - incident.openedAt);
  return `• *${link}* · ${kind} · ${where}${level} · ${state} · open ${since} · by ${mention(incident.requestedBy)}`;
}

function serviceBlocks(s: HomeService): KnownBlock[] {
  const title = `*${escapeMrkdwn(s.service)}*${s.description ? ` — ${escapeFit(s.description, 300)}` : ''}`;
  const levels = s.levels.map(levelLine).join('\n');
  const envs = `Environments: ${s.envs.map(escapeMrkdwn).join(', ')}`;
  const you = s.approver ? '\nYou are an approver for this service.' : '';
  const recent =
    s.recent.length === 0 ? 'No rollbacks yet.' : `Last: ${s.recent.map(recentText).join(' · ')}`;
  return [section(`${title}\n${levels}\n${envs}${you}`), context(recent)];
}

function levelLine(l: HomeLevel): string {
  return `• Level ${l.level} · ${escapeMrkdwn(l.name)} · target ${humanDuration(l.targetMs)} · ${approvalsText(l.approvals)}`;
}

function approvalsText(a: HomeLevel['approvals']): string {
  if (typeof a === 'number') return a === 0 ? 'no approval' : plural(a, 'approval');
  return `approvals: critical ${a.critical}, major ${a.major}, minor ${a.minor}`;
}

const RESULT: Partial<Record<HistoryRow['state'], string>> = {
  succeeded: '✅',
  failed: '❌',
  aborted: '⛔',
  interrupted: '⚠️',
  denied: '🚫',
  expired: '⌛',
};

function recentText(r: HistoryRow): string {
  const mark = RESULT[r.state] ?? '🔄';
  const kind = r.drill ? 'drill ' : '';
  const took = r.durationMs === null ? '' : ` in ${humanDuration(r.durationMs)}`;
  return `${mark} ${kind}level ${r.level} on ${escapeMrkdwn(r.env)}, ${utcDateTime(r.createdAt)}${took} (${escapeMrkdwn(r.incidentId)})`;
}
