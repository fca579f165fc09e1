/** Approve / Deny: every click checked server-side (who, which run, which plan, still pending). */
import type { App } from '@slack/bolt';
import * as ids from '../views/ids.js';
import { parseClick } from './action-value.js';
import type { ListenerDeps } from './deps.js';

export function register(app: App, deps: ListenerDeps): void {
  for (const [actionId, decision] of [
    [ids.APPROVE, 'approve'],
    [ids.DENY, 'deny'],
  ] as const) {
    app.action(actionId, async ({ ack, body, respond }) => {
      await ack();
      const click = parseClick(body);
      if (!click?.value.planHash) {
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: 'This button could not be read.',
        });
        return;
      }
      const result = await deps.flow.decide({
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
}
