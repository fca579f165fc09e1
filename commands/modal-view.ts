/** Builds the request form for the current choices: the plan they give and what Submit will do. */
import type { ModalView } from '@slack/types';
import type { Runbook } from '../src/runbooks/schema.js';
import { displayPlan } from '../src/services/plans.js';
import { envOf, type ModalPrefill, type ModalPreview, requestModal } from '../views/modal.js';
import type { ListenerDeps } from './deps.js';

export function requestForm(
  deps: ListenerDeps,
  runbook: Runbook | undefined,
  prefill: ModalPrefill,
  privateMetadata: string,
  notice?: string,
): ModalView {
  return requestModal({
    services: deps.catalog.names(),
    runbook,
    prefill,
    privateMetadata,
    ...withPreview(deps, runbook, prefill),
    ...(notice ? { notice } : {}),
  });
}

/**
 * The plan the choices give (rendered as a submit would), and the approvals it needs. For a form
 * being drawn, the environment is the one it shows; for a submission, exactly the one submitted
 * (an unknown name is previewed as given, and refused like the submission itself).
 */
export function previewOf(
  deps: ListenerDeps,
  runbook: Runbook | undefined,
  prefill: ModalPrefill,
  use: 'draw' | 'submit' = 'draw',
): ModalPreview | undefined {
  if (!runbook || prefill.level === undefined) return undefined;
  const env = use === 'submit' && prefill.env !== undefined ? prefill.env : envOf(runbook, prefill);
  const rendered = deps.preview({
    service: runbook.service,
    env,
    level: prefill.level,
    params: prefill.params,
    ...(prefill.hosts && prefill.hosts.length > 0 ? { hosts: prefill.hosts } : {}),
  });
  if (!rendered.ok) return { ok: false, message: rendered.message };
  // The form goes back to Slack: the display form (a secret is a reference, shown as the mask).
  const plan = displayPlan(rendered.plan);
  const approvals =
    prefill.severity === undefined
      ? undefined
      : deps.approvalsNeeded(runbook, {
          level: prefill.level,
          severity: prefill.severity,
          env,
          drill: false,
        });
  return { ok: true, plan, approvals };
}

function withPreview(deps: ListenerDeps, runbook: Runbook | undefined, prefill: ModalPrefill) {
  const preview = previewOf(deps, runbook, prefill);
  return preview ? { preview } : {};
}
