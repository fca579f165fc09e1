/** Abort, Retry step, Escalate, Resolved, and Continue/Cancel at a confirm step. */
import type { App } from '@slack/bolt';
import * as ids from '../views/ids.js';
import { actionIdOf, anyActionOf, type Click, parseClick } from './action-value.js';
import type { ListenerDeps } from './deps.js';

/** Who clicked what, from which workspace: the service checks all three. */
const actionOf = (c: Click) => ({ user: c.user, runId: c.value.runId, teamId: c.teamId });

type Handler = (deps: ListenerDeps, click: Click) => Promise<{ ok: boolean; message?: string }>;

const HANDLERS: Record<string, Handler> = {
  [ids.ABORT]: (deps, c) => deps.flow.abort(actionOf(c)),
  [ids.RESOLVED]: (deps, c) => deps.flow.resolve(actionOf(c)),
  [ids.CONFIRM_CONTINUE]: (deps, c) => deps.flow.confirm({ ...actionOf(c), ok: true }),
  [ids.CONFIRM_CANCEL]: (deps, c) => deps.flow.confirm({ ...actionOf(c), ok: false }),
  [ids.RETRY_STEP]: async (deps, c) => {
    const run = deps.flow.context.store.getRun(c.value.runId);
    if (!run) return { ok: false, message: 'This run no longer exists.' };
    const r = await deps.flow.reopen({ ...actionOf(c), level: run.level });
    return r.ok
      ? { ok: true, message: `Retry requested as ${r.runId}; it needs approval like any request.` }
      : r;
  },
  [ids.ESCALATE]: async (deps, c) => {
    if (!c.value.level) return { ok: false, message: 'This button could not be read.' };
    const r = await deps.flow.reopen({ ...actionOf(c), level: c.value.level });
    return r.ok
      ? {
          ok: true,
          message: `Level ${c.value.level} requested as ${r.runId}; it needs that level's approvals.`,
        }
      : r;
  },
};

export function register(app: App, deps: ListenerDeps): void {
  app.action(anyActionOf(Object.keys(HANDLERS)), async ({ ack, body, respond }) => {
    await ack();
    const handle = HANDLERS[actionIdOf(body) ?? ''];
    const click = parseClick(body);
    const result =
      handle && click ? await handle(deps, click) : { ok: false, message: 'This button could not be read.' };
    if (result.message)
      await respond({ response_type: 'ephemeral', replace_original: false, text: result.message });
  });
}

export const RUN_CONTROL_ACTIONS = Object.keys(HANDLERS);
