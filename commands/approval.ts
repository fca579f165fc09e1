/** Approve / Deny: every click checked server-side (who, which run, which plan, still pending). */
import type { App } from '@slack/bolt';
import * as ids from '../views/ids.js';
import { actionIdOf, anyActionOf, parseClick } from './action-value.js';
import type { ListenerDeps } from './deps.js';

const DECISIONS: Record<string, 'approve' | 'deny'> = { [ids.APPROVE]: 'approve', [ids.DENY]: 'deny' };

export function register(app: App, deps: ListenerDeps): void {
  app.action(anyActionOf(Object.keys(DECISIONS)), async ({ ack, body, respond }) => {
    await ack();
    const decision = DECISIONS[actionIdOf(body) ?? ''];
    const click = parseClick(body);
    if (!decision || !click?.value.planHash) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'This button could not be read.',
      });
      return;
    }
    const result = await deps.services.decide({
      user: click.user,
      teamId: click.teamId,
      runId: click.value.runId,
      planHash: click.value.planHash,
      decision,
    });
    const text = result.ok
      ? decision === 'deny'
        ? 'You denied this rollback.'
        : result.approved
          ? 'Approved: the rollback is starting.'
          : `Approval recorded (${result.count} of ${result.required}).`
      : result.message;
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  });
}
