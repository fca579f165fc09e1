/** The request modal: re-render on service/env/level change, and submission with inline field errors. */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import { typedTextProblem } from '../src/domain/control-chars.js';
import { isSeverity } from '../src/domain/severity.js';
import * as ids from '../views/ids.js';
import { type ModalPreview, modalErrors, REASON_MAX } from '../views/modal.js';
import { SUBMIT_NOW } from '../views/modal-plan.js';
import { anyActionOf } from './action-value.js';
import type { ListenerDeps } from './deps.js';
import { decodeMetadata, hostsBlockOf, prefillFromState, stateValuesSchema } from './modal-state.js';
import { previewOf, requestForm } from './modal-view.js';

const viewSchema = z
  .object({
    id: z.string().max(64),
    hash: z.string().max(128).optional(),
    private_metadata: z.string().max(3000).optional(),
    state: z.object({ values: stateValuesSchema }),
    // What the person saw when they clicked: the button's words and the plan summary's block.
    submit: z
      .object({ text: z.string().max(200) })
      .loose()
      .nullish(),
    blocks: z
      .array(z.object({ block_id: z.string().max(255).optional() }).loose())
      .max(100)
      .optional(),
  })
  .loose();

// Everything the plan or the approvals depend on re-renders the form, so the summary and the
// button's words follow the choices.
const RERENDER_ACTIONS = [
  ids.SERVICE_SELECT,
  ids.ENV_SELECT,
  ids.LEVEL_RADIO,
  ids.SEVERITY_RADIO,
  ids.HOSTS_SELECT,
];

export function register(app: App, deps: ListenerDeps): void {
  app.action(anyActionOf(RERENDER_ACTIONS), async ({ ack, body }) => {
    await ack();
    const parsed = viewSchema.safeParse((body as { view?: unknown }).view);
    if (!parsed.success) return;
    const view = parsed.data;
    const prefill = prefillFromState(view.state.values);
    const runbook = prefill.service ? deps.catalog.get(prefill.service) : undefined;
    try {
      await deps.updateView(
        view.id,
        requestForm(deps, runbook, prefill, view.private_metadata ?? ''),
        view.hash,
      );
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
    const reasonProblem = typedTextProblem(reason, 'reason', REASON_MAX);
    if (reasonProblem) errors[ids.REASON_BLOCK] = reasonProblem;
    const impact = prefill.impact?.trim() ?? '';
    const impactProblem = typedTextProblem(impact, 'impact', REASON_MAX);
    if (impactProblem) errors[ids.IMPACT_BLOCK] = impactProblem;
    if (Object.keys(errors).length > 0 || !runbook) {
      await ack(modalErrors(errors));
      return;
    }
    // A click that runs at once counts only if the form said so and showed this very plan. Typed
    // values and changes Slack did not re-render in time are shown first, for a second click.
    if (mustShowFirst(view, previewOf(deps, runbook, prefill, 'submit'))) {
      await ack({
        response_action: 'update',
        view: requestForm(deps, runbook, prefill, view.private_metadata ?? '', CHANGED_NOTICE),
      });
      return;
    }
    const result = meta.reopen
      ? await deps.services.reopen({
          user: body.user.id,
          runId: meta.reopen,
          level: prefill.level!,
          params: prefill.params,
          ...(body.user.team_id ? { teamId: body.user.team_id } : {}),
        })
      : await deps.services.request(
          {
            service: runbook.service,
            env: prefill.env!,
            level: prefill.level!,
            severity: prefill.severity!,
            params: prefill.params,
            ...(prefill.hosts && prefill.hosts.length > 0 ? { hosts: prefill.hosts } : {}),
            reason,
            ...(impact ? { impact } : {}),
            requestedBy: body.user.id,
            drill: false,
          },
          { via: 'slack', requestKey: `view:${view.id}`, ...(meta.at ? { commandAt: meta.at } : {}) },
        );
    // A repeat of a submission that opened something: that one stands; close quietly.
    if (result.ok || result.code === 'duplicate') {
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

const CHANGED_NOTICE =
  'The plan changed since the form was drawn (values you typed, or a choice Slack had not shown yet). Check it, then press the button again.';

/**
 * True when the click would start the rollback at once (no approval needed) but the form did not
 * say "Roll back now" or did not show this exact plan. A click that asks for approval, or that the
 * service refuses, runs nothing, so it goes ahead.
 */
function mustShowFirst(view: z.infer<typeof viewSchema>, preview: ModalPreview | undefined): boolean {
  if (!preview?.ok || preview.approvals !== 0) return false;
  if (view.submit?.text !== SUBMIT_NOW) return true;
  const shownHash = ids.planPreviewBlockId(preview.plan.hash);
  return !(view.blocks ?? []).some((b) => b.block_id === shownHash);
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
