/**
 * The approval request: what is asked (severity, impact, target version, data-loss risk) so the
 * approver decides from the message itself, who may approve, how many are needed, expiry, the plan
 * hash, Approve / Deny.
 */

import type { KnownBlock } from '@slack/types';
import { dataLossOf } from '../src/domain/data-loss.js';
import type { ApprovalState } from '../src/domain/display.js';
import type { Plan } from '../src/domain/plan.js';
import type { Severity } from '../src/domain/severity.js';
import {
  actions,
  button,
  confirmDialog,
  context,
  fallback,
  fieldsSection,
  type MessageContent,
  section,
} from './blocks.js';
import { levelLabel, minutesLeft, plural, severityBadge } from './format.js';
import { APPROVAL_ACTIONS_BLOCK, APPROVE, DENY, encodeActionValue } from './ids.js';
import { escapeFit, escapeMrkdwn, inlineCode, mention, mentions, slackTime } from './mrkdwn.js';
import { shortHash } from './plan.js';

export type { ApprovalState };

export interface ApprovalInput {
  runId: string;
  /** The display plan the approvals bind to (its hash goes into the buttons). */
  plan: Pick<Plan, 'service' | 'env' | 'level' | 'levelName' | 'hosts' | 'hash'> &
    Partial<Pick<Plan, 'params' | 'dataLoss'>>;
  requestedBy: string;
  /** The incident's severity; absent for a drill. */
  severity?: Severity;
  /** What is broken: the incident's reason. */
  reason?: string;
  /** Affected users / features from the request form, when given. */
  impact?: string;
  /** The runbook's approvers: user (U…/W…) and user group (S…) ids. */
  approvers: string[];
  required: number;
  /** User ids that have approved so far, in order. */
  approvedBy: string[];
  expiresAt: number;
  now: number;
  state: ApprovalState;
}

export function approvalMessage(input: ApprovalInput): MessageContent {
  const { plan, state } = input;
  const what = `${plan.service} level ${levelLabel(plan.level, plan.levelName)} on ${plan.env} (${plural(plan.hosts.length, 'host')})`;
  const blocks: KnownBlock[] = [
    section(`${headline(input)}\n${escapeMrkdwn(what)}`),
    fieldsSection(decisionFields(input)),
  ];
  const about = aboutText(input);
  if (about) blocks.push(section(about));
  if (state.kind === 'pending') {
    blocks.push(
      section(
        `*Who can approve:* ${mentions(input.approvers, '_no approvers listed in the runbook_')} — not the requester, ${mention(input.requestedBy)}\n` +
          `*Approved so far:* ${mentions(input.approvedBy, '_none yet_')}`,
      ),
      context(
        `Binds to plan ${inlineCode(shortHash(plan.hash))} · expires in ${minutesLeft(input.expiresAt - input.now)} (${slackTime(input.expiresAt)})`,
      ),
      actions(APPROVAL_ACTIONS_BLOCK, approvalButtons(input)),
    );
  } else {
    blocks.push(
      context(`Plan ${inlineCode(shortHash(plan.hash))} · requested by ${mention(input.requestedBy)}`),
    );
  }
  return { text: fallback(fallbackText(input, what)), blocks };
}

/** What the approver weighs: how bad it is, what it rolls back to, and what it costs in data. */
function decisionFields(input: ApprovalInput): string[] {
  const { plan } = input;
  const loss = dataLossOf(plan.level, plan.dataLoss);
  const version = plan.params?.version;
  return [
    input.severity ? `*Severity*\n${severityBadge(input.severity)}` : '*Severity*\n_drill_',
    `*Target version*\n${version ? inlineCode(version.slice(0, 200)) : otherParams(plan.params ?? {})}`,
    `*Data loss risk*\n${loss.losesData ? '⚠️ ' : ''}${escapeFit(loss.text, 300)}`,
    `*Requested by*\n${mention(input.requestedBy)}`,
  ];
}

/** Without a `version` param, what the level is told instead (e.g. which backup it restores). */
function otherParams(params: Record<string, string>): string {
  const shown = Object.entries(params).map(([k, v]) => `${k}=${v}`);
  return shown.length === 0
    ? '_no version param_'
    : `_no version param_ · ${escapeFit(shown.join(', '), 300)}`;
}

function aboutText(input: ApprovalInput): string | undefined {
  const impact = input.impact?.trim();
  const reason = input.reason?.trim();
  const parts = [];
  if (impact) parts.push(`*Impact:* ${escapeFit(impact, 1200)}`);
  if (reason) parts.push(`*${impact ? 'Issue' : 'Impact / reason'}:* ${escapeFit(reason, 1200)}`);
  return parts.length > 0 ? parts.join('\n') : undefined;
}

function headline(input: ApprovalInput): string {
  const { state, required, approvedBy } = input;
  switch (state.kind) {
    case 'pending':
      return `🔐 *Approval needed* — ${approvedBy.length} of ${required} given`;
    case 'approved':
      return `✅ *Approved* by ${mentions(approvedBy)}`;
    case 'denied': {
      const reason = state.reason?.trim() ? ` — reason: ${escapeFit(state.reason.trim(), 1000)}` : '';
      return `🚫 *Denied* by ${mention(state.by)}${reason}\nNothing was run.`;
    }
    case 'expired':
      return `⌛ *Approval expired* with ${approvedBy.length} of ${required} given — nothing was run. Request again with \`/rollback\`.`;
  }
}

function approvalButtons(input: ApprovalInput) {
  const value = encodeActionValue({ runId: input.runId, planHash: input.plan.hash });
  const subject = `${input.plan.service} level ${input.plan.level} on ${input.plan.env}`;
  const hash = shortHash(input.plan.hash);
  return [
    button({
      actionId: APPROVE,
      text: 'Approve',
      value,
      style: 'primary',
      confirm: confirmDialog(
        'Approve this rollback?',
        `You approve plan ${hash}: ${subject}. It may start right away.`,
        'Approve',
      ),
    }),
    button({
      actionId: DENY,
      text: 'Deny',
      value,
      style: 'danger',
      confirm: confirmDialog(
        'Deny this rollback?',
        `Deny plan ${hash} for ${subject}? Nothing will run.`,
        'Deny',
        'Go back',
        'danger',
      ),
    }),
  ];
}

function fallbackText(input: ApprovalInput, what: string): string {
  const { state } = input;
  const subject = escapeMrkdwn(what);
  switch (state.kind) {
    case 'pending':
      return `Approval needed (${input.approvedBy.length} of ${input.required}): ${subject} — expires in ${minutesLeft(input.expiresAt - input.now)}`;
    case 'approved':
      return `Approved: ${subject}`;
    case 'denied':
      return `Denied: ${subject}`;
    case 'expired':
      return `Approval expired: ${subject}`;
  }
}
