/** The RCA draft (seed 002's template) as Markdown, built from an incident's records and timeline. */
import type { StepSample } from '../../src/domain/estimates.js';
import type { Deploy, Incident, Run, StepRow } from '../../src/domain/records.js';
import { SEVERITY_INFO } from '../../src/domain/severity.js';
import type { StoredTimelineEvent } from '../../src/domain/timeline.js';
import { humanDuration } from '../format.js';
import { analysisSections } from './analysis.js';
import { gatherFacts, type RcaFacts, type RunFacts } from './facts.js';
import { figuresSection } from './figures.js';
import { oneLine, who } from './text.js';
import { type ZoneClock, zoneClock } from './time.js';
import { timelineSection } from './timeline.js';

export interface RcaInput {
  incident: Incident;
  /** All runs of the incident, oldest first. */
  runs: Run[];
  /** Step rows by run id. */
  steps: Record<string, StepRow[]>;
  /** The incident's events (others are ignored), in any order. */
  timeline: StoredTimelineEvent[];
  /** IANA zone for every time shown, e.g. `Europe/Berlin`; an unknown zone throws a RangeError. */
  timeZone: string;
  now: number;
  /**
   * The timeline's head hash when the draft was made: anyone can later check with
   * `rollbot audit verify --head <hash>` that nothing up to it was removed or rewritten.
   */
  auditHead?: string;
  /**
   * Step durations of earlier successful runs of this service, by level (the store's
   * `stepSamples`, runs finished before the incident opened): each step's estimate is their median.
   */
  stepSamples?: Partial<Record<number, StepSample[]>>;
  /** The last deploy the pipeline reported for the service and environment before the incident opened. */
  deploy?: Deploy;
}

/** `RCA-INC-2026-0001.md`; anything but letters, digits, `-` and `_` in the id becomes `_`. */
export function rcaFileName(incident: Pick<Incident, 'id'>): string {
  return `RCA-${incident.id.replace(/[^A-Za-z0-9_-]/g, '_')}.md`;
}

/**
 * Never contains step output. Secrets never reach it: every record it reads was masked by the
 * engine before it was stored.
 */
export function rcaMarkdown(input: RcaInput): string {
  const clock = zoneClock(input.timeZone);
  const facts = gatherFacts(input);
  const text = [
    ...header(facts, clock, input.deploy),
    ...timelineSection(facts, clock),
    '',
    ...figuresSection(facts),
    ...analysisSections(facts),
    ...(input.auditHead
      ? [
          '',
          `_Audit: timeline head \`${input.auditHead}\` (check with \`rollbot audit verify --head ${input.auditHead.slice(0, 16)}\`)._`,
        ]
      : []),
  ].join('\n');
  return `${text.trimEnd()}\n`;
}

function header(facts: RcaFacts, clock: ZoneClock, deploy: Deploy | undefined): string[] {
  const { incident } = facts;
  const drill = incident.kind === 'drill' ? ' (drill)' : '';
  const severity = SEVERITY_INFO[incident.severity];
  return [
    `# Root Cause Analysis${drill}: ${oneLine(incident.service, 80)} ${oneLine(incident.env, 80)} — ${oneLine(incident.id, 40)}`,
    '',
    `- **Date**: ${clock.stamp(incident.openedAt)} (${clock.timeZone})`,
    `- **Incident**: ${oneLine(incident.reason, 1000)}`,
    ...impactLine(incident),
    `- **Severity**: ${severity ? `${severity.label} (${severity.urgency})` : oneLine(incident.severity, 20)}`,
    `- **Rollback level(s)**: ${levelsText(facts)}`,
    ...(deploy ? [`- **Deploy**: ${deployText(deploy, incident, clock)}`] : []),
    `- **Status**: ${statusText(facts, clock)}`,
    '',
    `> Draft written by rollbot at ${clock.stamp(facts.now)} from ${facts.events.length} timeline events.`,
    '> Replace every _To fill in_ prompt, and check the figures, before sharing.',
    '',
  ];
}

/** Seed 002's "Impact": what the resolver said, else what the requester said, when either did. */
function impactLine(incident: Incident): string[] {
  const impact = incident.resolution?.impact ?? incident.impact;
  return impact ? [`- **Impact**: ${oneLine(impact, 1500)}`] : [];
}

/** "1.4.2 at 14:02 (commit 3f9c2ab1d0e4), 38 min before the incident was opened": time to detect. */
function deployText(deploy: Deploy, incident: Incident, clock: ZoneClock): string {
  const commit = deploy.commit ? ` (commit ${deploy.commit.slice(0, 12)})` : '';
  const before = humanDuration(Math.max(0, incident.openedAt - deploy.at));
  return `${oneLine(deploy.version, 100)} at ${clock.stamp(deploy.at)}${commit}, ${before} before the incident was opened`;
}

/** "2 (Code rollback), escalated to 3 (Full restore)": consecutive runs at one level count as one. */
function levelsText(facts: RcaFacts): string {
  const groups: RunFacts[][] = [];
  for (const r of facts.runs) {
    const last = groups.at(-1);
    if (last && last[0]!.run.level === r.run.level) last.push(r);
    else groups.push([r]);
  }
  if (groups.length === 0) return `${facts.incident.level} (not run)`;
  return groups
    .map((group, i) => {
      const first = group[0]!;
      const notes = first.levelName === null ? [] : [oneLine(first.levelName, 80)];
      if (group.length > 1) notes.push(`${group.length} runs`);
      if (group.every((r) => r.startedAt === null)) notes.push('not run');
      const text = notes.length === 0 ? `${first.run.level}` : `${first.run.level} (${notes.join(', ')})`;
      if (i === 0) return text;
      return first.run.level > groups[i - 1]![0]!.run.level ? `escalated to ${text}` : `then ${text}`;
    })
    .join(', ');
}

function statusText(facts: RcaFacts, clock: ZoneClock): string {
  const { incident } = facts;
  if (incident.status !== 'resolved') return 'Open';
  const resolved = facts.events.findLast((e) => e.type === 'incident.resolved');
  const at = incident.resolvedAt ?? resolved?.at;
  const parts = [at == null ? null : clock.stamp(at), resolved ? `by ${who(resolved.actor)}` : null];
  const detail = parts.filter((p) => p !== null).join(', ');
  return detail === '' ? 'Resolved' : `Resolved (${detail})`;
}
