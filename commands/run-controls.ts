/** Abort, Retry step, Escalate, Resolved, Take ownership, and Continue/Cancel at a confirm step. */
import type { App } from '@slack/bolt';
import * as ids from '../views/ids.js';
import { requestModal } from '../views/modal.js';
import { resolveForm } from '../views/resolve-form.js';
import { actionIdOf, anyActionOf, type Click, parseClick } from './action-value.js';
import type { ListenerDeps } from './deps.js';
import { encodeMetadata } from './modal-state.js';

/** Who clicked what, from which workspace: the service checks all three. */
const actionOf = (c: Click) => ({ user: c.user, runId: c.value.runId, teamId: c.teamId });

interface Context {
  deps: ListenerDeps;
  click: Click;
  triggerId: string | undefined;
  channel: string | undefined;
}

type Handler = (ctx: Context) => Promise<{ ok: boolean; message?: string }>;

const HANDLERS: Record<string, Handler> = {
  [ids.ABORT]: ({ deps, click }) => deps.services.abort(actionOf(click)),
  [ids.TAKE_OWNERSHIP]: ({ deps, click }) => deps.services.take(actionOf(click)),
  // A short form first (root cause, impact), prefilled: the resolution message and the RCA use it.
  [ids.RESOLVED]: async ({ deps, click, triggerId }) => {
    if (!triggerId) return deps.services.resolve(actionOf(click));
    const found = await deps.services.resolvePrefill(actionOf(click));
    if (!found.ok) return found;
    const { view, rootCause, impact } = found;
    await deps.openView(
      triggerId,
      resolveForm({
        incident: view.incident,
        run: view.run,
        prefill: { ...(rootCause ? { rootCause } : {}), impact },
        privateMetadata: JSON.stringify({ runId: view.run.id, user: click.user }),
      }),
    );
    return { ok: true };
  },
  [ids.CONFIRM_CONTINUE]: ({ deps, click }) => deps.services.confirm({ ...actionOf(click), ok: true }),
  [ids.CONFIRM_CANCEL]: ({ deps, click }) => deps.services.confirm({ ...actionOf(click), ok: false }),
  [ids.RETRY_STEP]: async ({ deps, click }) => {
    const run = await deps.queries.getRun(click.value.runId);
    if (!run) return { ok: false, message: 'This run no longer exists.' };
    const r = await deps.services.reopen({ ...actionOf(click), level: run.level });
    if (!r.ok) return r;
    return r.run.state === 'pending_approval'
      ? { ok: true, message: `Retry requested as ${r.run.id}; it needs approval like any request.` }
      : { ok: true, message: `Retrying as ${r.run.id}.` };
  },
  // The next level may need params the earlier run did not: its form, prefilled with what is known.
  [ids.ESCALATE]: async ({ deps, click, triggerId, channel }) => {
    const level = click.value.level;
    if (!level || !triggerId) return { ok: false, message: 'This button could not be read.' };
    const found = await deps.services.reopenPrefill({ ...actionOf(click), level });
    if (!found.ok) return found;
    const { view, params, hosts } = found.prefill;
    const runbook = deps.catalog.get(view.run.service);
    if (!runbook) return { ok: false, message: `The runbook for ${view.run.service} is not loaded.` };
    await deps.openView(
      triggerId,
      requestModal({
        services: [view.run.service],
        runbook,
        prefill: {
          service: view.run.service,
          env: view.run.env,
          severity: view.incident.severity,
          level,
          params,
          hosts,
          reason: view.incident.reason,
        },
        privateMetadata: encodeMetadata({
          channel: channel ?? view.incident.slackChannel ?? 'C0',
          user: click.user,
          reopen: view.run.id,
        }),
      }),
    );
    return { ok: true };
  },
};

export function register(app: App, deps: ListenerDeps): void {
  app.action(anyActionOf(Object.keys(HANDLERS)), async ({ ack, body, respond }) => {
    await ack();
    const handle = HANDLERS[actionIdOf(body) ?? ''];
    const click = parseClick(body);
    const raw = body as { trigger_id?: unknown; channel?: { id?: unknown } };
    const result =
      handle && click
        ? await handle({
            deps,
            click,
            triggerId: typeof raw.trigger_id === 'string' ? raw.trigger_id : undefined,
            channel: typeof raw.channel?.id === 'string' ? raw.channel.id : undefined,
          })
        : { ok: false, message: 'This button could not be read.' };
    if (result.message)
      await respond({ response_type: 'ephemeral', replace_original: false, text: result.message });
  });
}

export const RUN_CONTROL_ACTIONS = Object.keys(HANDLERS);
