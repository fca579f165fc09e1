/** Abort, Retry step, Escalate, Resolved, and Continue/Cancel at a confirm step. */
import type { App } from '@slack/bolt';
import * as ids from '../views/ids.js';
import { type Click, fromOtherWorkspace, parseClick } from './action-value.js';
import type { ListenerDeps } from './deps.js';

type Handler = (deps: ListenerDeps, click: Click) => Promise<{ ok: boolean; message?: string }>;

const HANDLERS: Record<string, Handler> = {
  [ids.ABORT]: (deps, c) => deps.flow.abort({ user: c.user, runId: c.value.runId }),
  [ids.RESOLVED]: (deps, c) => deps.flow.resolve({ user: c.user, runId: c.value.runId }),
  [ids.CONFIRM_CONTINUE]: (deps, c) => deps.flow.confirm({ user: c.user, runId: c.value.runId, ok: true }),
  [ids.CONFIRM_CANCEL]: (deps, c) => deps.flow.confirm({ user: c.user, runId: c.value.runId, ok: false }),
  [ids.RETRY_STEP]: async (deps, c) => {
    const run = deps.flow.context.store.getRun(c.value.runId);
    if (!run) return { ok: false, message: 'This run no longer exists.' };
    const r = await deps.flow.reopen({ user: c.user, runId: c.value.runId, level: run.level });
    return r.ok
      ? { ok: true, message: `Retry requested as ${r.runId}; it needs approval like any request.` }
      : r;
  },
  [ids.ESCALATE]: async (deps, c) => {
    if (!c.value.level) return { ok: false, message: 'This button could not be read.' };
    const r = await deps.flow.reopen({ user: c.user, runId: c.value.runId, level: c.value.level });
    return r.ok
      ? {
          ok: true,
          message: `Level ${c.value.level} requested as ${r.runId}; it needs that level's approvals.`,
        }
      : r;
  },
};

export function register(app: App, deps: ListenerDeps): void {
  for (const [actionId, handle] of Object.entries(HANDLERS)) {
    app.action(actionId, async ({ ack, body, respond }) => {
      await ack();
      const click = parseClick(body);
      const result = !click
        ? { ok: false, message: 'This button could not be read.' }
        : fromOtherWorkspace(click, deps.flow.context.teamId())
          ? { ok: false, message: 'Buttons must be used from this workspace.' }
          : await handle(deps, click);
      if (result.message)
        await respond({ response_type: 'ephemeral', replace_original: false, text: result.message });
    });
  }
}

export const RUN_CONTROL_ACTIONS = Object.keys(HANDLERS);
