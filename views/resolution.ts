/** Seed 004's "✅ RESOLVED" channel message, and its counterpart for a rollback that ended badly. */
import type { KnownBlock } from '@slack/types';
import type { Incident, Run } from '../src/domain/records.js';
import { context, fallback, fieldsSection, header, type MessageContent, section } from './blocks.js';
import { humanDuration, levelLabel } from './format.js';
import { escapeFit, escapeMrkdwn, inlineCode, mention } from './mrkdwn.js';

export interface ResolutionInput {
  incident: Incident;
  /** The run that fixed it. */
  run: Run;
  levelName: string;
  /** Display params of the run (secrets masked); `version`, when present, names what was rolled back to. */
  params: Record<string, string>;
  /** Who clicked Resolved, when known. */
  resolvedBy?: string;
  now: number;
  /** The audit timeline's head hash at resolution, published so it can be checked later. */
  auditHead?: string;
}

const REASON_MAX = 1500;

export function resolutionMessage(input: ResolutionInput): MessageContent {
  const { incident, run } = input;
  const target = input.params.version ?? `level ${run.level}: ${input.levelName}`;
  const drill = incident.kind === 'drill';
  const title = drill
    ? `✅ DRILL COMPLETE: ${incident.service} rolled back to ${target}`
    : `✅ RESOLVED: ${incident.service} rolled back to ${target}`;
  const duration = (incident.resolvedAt ?? input.now) - incident.openedAt;
  const fields = [
    `*Duration*\n${humanDuration(duration)}`,
    `*Rollback level*\n${escapeMrkdwn(levelLabel(run.level, input.levelName))}`,
    `*Environment*\n${escapeMrkdwn(incident.env)}`,
    `*${drill ? 'Drill' : 'Incident'}*\n${escapeMrkdwn(incident.id)}`,
  ];
  const blocks: KnownBlock[] = [
    header(title),
    fieldsSection(fields),
    section(
      `*${drill ? 'Drill reason' : 'Impact'}*\n${reason(drill ? incident.reason : (incident.resolution?.impact ?? incident.impact ?? incident.reason))}`,
    ),
  ];
  if (!drill) {
    const rootCause = incident.resolution?.rootCause?.trim();
    blocks.push(
      section(
        rootCause
          ? `*Root cause:* ${reason(rootCause)}`
          : `*Root cause:* pending — RCA draft in thread (\`/rollback rca ${escapeMrkdwn(incident.id)}\`)`,
      ),
    );
  }
  const by = input.resolvedBy ? ` · resolved by ${mention(input.resolvedBy)}` : '';
  blocks.push(context(`Run ${inlineCode(run.id)} · requested by ${mention(incident.requestedBy)}${by}`));
  if (input.auditHead) {
    blocks.push(
      context(
        `Audit head ${inlineCode(input.auditHead)} · \`rollbot audit verify --head ${input.auditHead.slice(0, 16)}\``,
      ),
    );
  }
  return { text: fallback(escapeMrkdwn(`${title} · duration ${humanDuration(duration)}`)), blocks };
}

export type BadEnding = 'failed' | 'aborted' | 'interrupted' | 'denied' | 'expired';

export interface RollbackFailedInput {
  incident: Incident;
  run: Run;
  levelName: string;
  ending: BadEnding;
  /** e.g. "Step 3 Clean install failed on mimo-7 (exit code 1)"; plain text, escaped here. */
  detail?: string;
  /** Who ended it (denied, aborted): a user id, shown as a mention after the detail. */
  by?: string;
  now: number;
}

const ENDING_TITLE: Record<BadEnding, string> = {
  failed: '❌ ROLLBACK FAILED',
  aborted: '⛔ ROLLBACK ABORTED',
  interrupted: '⚠️ ROLLBACK INTERRUPTED',
  denied: '🚫 ROLLBACK DENIED',
  expired: '⌛ ROLLBACK NOT APPROVED IN TIME',
};

export function rollbackFailedMessage(input: RollbackFailedInput): MessageContent {
  const { incident, run, ending } = input;
  const title = `${ENDING_TITLE[ending]}: ${incident.service} level ${run.level} (${input.levelName})`;
  const open = humanDuration(input.now - incident.openedAt);
  const blocks: KnownBlock[] = [header(title)];
  const detail = [
    input.detail ? escapeFit(input.detail, 1500) : undefined,
    input.by ? `by ${mention(input.by)}` : undefined,
  ].filter((part) => part !== undefined);
  if (detail.length > 0) blocks.push(section(detail.join(' ')));
  blocks.push(
    section(
      `*What to do next*\n${nextSteps(input)
        .map((s) => `• ${s}`)
        .join('\n')}`,
    ),
  );
  const kind = incident.kind === 'drill' ? 'Drill' : 'Incident';
  blocks.push(
    context(`${kind} ${escapeMrkdwn(incident.id)} stays open (${open} so far) · run ${inlineCode(run.id)}`),
  );
  return { text: fallback(escapeMrkdwn(`${title} — ${kind.toLowerCase()} stays open`)), blocks };
}

function nextSteps({ run, ending, incident }: RollbackFailedInput): string[] {
  const steps: string[] = [];
  if (ending === 'failed' || ending === 'interrupted') {
    steps.push(
      'Read the failing host and output in the thread; check that host by hand before anything else.',
    );
    steps.push('Retry the step from the thread if the cause was transient.');
  }
  if (ending === 'denied' || ending === 'expired') {
    steps.push(
      `Talk to the approvers, then request again: \`/rollback ${escapeMrkdwn(incident.service)} level=${run.level}\``,
    );
  }
  if (run.level < 3)
    steps.push(`Escalate to level ${run.level + 1} from the thread if this level is not enough.`);
  steps.push('Page the next person in the escalation path: on-call → tech lead → deployment lead → manager.');
  return steps;
}

function reason(text: string): string {
  return text.trim() === '' ? '_none given_' : escapeFit(text.trim(), REASON_MAX);
}
