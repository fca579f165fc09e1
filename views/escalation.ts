/** The reminder posted in the incident thread while an approval waits, pinging the runbook's escalation list. */
import { context, fallback, type MessageContent, section } from './blocks.js';
import { humanDuration } from './format.js';
import { mentions } from './mrkdwn.js';

export interface ApprovalReminderInput {
  /** How long the approval has been waiting. */
  waitedMs: number;
  /** User (U…/W…) and user group (S…) ids from the runbook's escalation list. */
  notify: string[];
  /** Time left before the approval expires. */
  expiresInMs: number;
}

export function approvalReminder(input: ApprovalReminderInput): MessageContent {
  const who = mentions(input.notify, 'approvers');
  const line = `⏰ Still waiting for approval after ${humanDuration(input.waitedMs)} — ${who}`;
  const left = input.expiresInMs > 0 ? `expires in ${humanDuration(input.expiresInMs)}` : 'expiring now';
  return {
    text: fallback(line),
    blocks: [section(line), context(`Approve or deny in the approval message above · ${left}`)],
  };
}
