/** The request modal: re-render on service/env/level change, and submission with inline field errors. */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import { controlCharProblem } from '../src/domain/control-chars.js';
import { isSeverity } from '../src/domain/severity.js';
import * as ids from '../views/ids.js';
import { modalErrors, REASON_MAX, requestModal } from '../views/modal.js';
import { anyActionOf } from './action-value.js';
import type { ListenerDeps } from './deps.js';
import { decodeMetadata, hostsBlockOf, prefillFromState, stateValuesSchema } from './modal-state.js';

const viewSchema = z
  .object({
    id: z.string().max(64),
    hash: z.string().max(128).optional(),
    private_metadata: z.string().max(3000).optional(),
    state: z.object({ values: stateValuesSchema }),
  })
  .loose();

const RERENDER_ACTIONS = [ids.SERVICE_SELECT, ids.ENV_SELECT, ids.LEVEL_RADIO];

export function register(app: App, deps: ListenerDeps): void {
  app.action(anyActionOf(RERENDER_ACTIONS), async ({ ack, body, client }) => {
    await ack();
    const parsed = viewSchema.safeParse((body as { view?: unknown }).view);
    if (!parsed.success) return;
    const view = parsed.data;
    const prefill = prefillFromState(view.state.values);
    const runbook = prefill.service ? deps.catalog.get(prefill.service) : undefined;
    try {
      await client.views.update({
        view_id: view.id,
        ...(view.hash ? { hash: view.hash } : {}),
        view: requestModal({
          services: deps.catalog.names(),
          runbook,
          prefill,
          privateMetadata: view.private_metadata ?? '',
        }),
      });
    } catch (err) {
      // hash_conflict: the user changed something else meanwhile; their next change re-renders.
      deps.logger.warn({ err }, 'views.update failed');
    }
  });

  app.view(ids.REQUEST_MODAL, async ({ ack, body, view: rawView }) => {
    const parsed = viewSchema.safeParse(rawView);
    const meta = decodeMetadata(parsed.success ? parsed.data.private_metadata : undefined);
    if (!parsed.success || !meta || meta.user !== body.user.id) {
      await ack(
        modalErrors({
          [ids.SERVICE_BLOCK]: 'This form could not be read. Close it and run /rollback again.',
        }),
      );
      return;
    }
    const view = parsed.data;
    const prefill = prefillFromState(view.state.values);
    const errors: Record<string, string> = {};
    const runbook = prefill.service ? deps.catalog.get(prefill.service) : undefined;
    if (!runbook) errors[ids.SERVICE_BLOCK] = 'Pick a service.';
    if (!prefill.env) errors[ids.ENV_BLOCK] = 'Pick an environment.';
    if (!prefill.severity || !isSeverity(prefill.severity)) errors[ids.SEVERITY_BLOCK] = 'Pick a severity.';
    if (!prefill.level) errors[ids.LEVEL_BLOCK] = 'Pick a level.';
    const reason = prefill.reason?.trim() ?? '';
    if (reason.length === 0) errors[ids.REASON_BLOCK] = 'Say what is broken: it opens the incident.';
    if (reason.length > REASON_MAX) errors[ids.REASON_BLOCK] = `At most ${REASON_MAX} characters.`;
    const reasonProblem = controlCharProblem(reason, 'reason');
    if (reasonProblem) errors[ids.REASON_BLOCK] = reasonProblem;
    if (Object.keys(errors).length > 0 || !runbook) {
      await ack(modalErrors(errors));
      return;
    }
    const result = deps.flow.submit({
      user: body.user.id,
      viewId: view.id,
      ...(meta.at ? { commandAt: meta.at } : {}),
      fields: {
        service: runbook.service,
        env: prefill.env!,
        level: prefill.level!,
        severity: prefill.severity!,
        params: prefill.params,
        ...(prefill.hosts && prefill.hosts.length > 0 ? { hosts: prefill.hosts } : {}),
        reason,
      },
    });
    if (result.ok) {
      await ack();
      return;
    }
    await ack(
      modalErrors({
        [fieldOf(result.code, result.message, view.state.values)]: result.message.slice(0, 2000),
      }),
    );
  });
}

/** Puts a service error next to the field it is about. */
function fieldOf(code: string, message: string, values: z.infer<typeof stateValuesSchema>): string {
  if (code === 'unknown_host') return hostsBlockOf(values) ?? ids.SERVICE_BLOCK;
  if (code === 'unknown_env') return ids.ENV_BLOCK;
  if (code === 'unknown_level') return ids.LEVEL_BLOCK;
  if (code === 'invalid_input') {
    const param = Object.keys(values)
      .map((blockId) => ids.paramNameOf(blockId))
      .find((name) => name !== undefined && message.includes(name));
    if (param) return ids.paramBlockId(param);
  }
  return ids.SERVICE_BLOCK;
}
