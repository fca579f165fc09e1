/**
 * Take ownership of an incident (the root message's button): the one who leads it now. Only
 * someone who may operate its runs (the requester or an approver, from this workspace) can take it;
 * owning it changes who is shown as in charge, never who may approve.
 */
import { fail, type Result } from '../domain/result.js';
import type { Logger } from '../logger.js';
import { runIds } from './lifecycle-log.js';
import type { IncidentNotifier } from './notifier.js';
import { type OperatorDeps, operatorCheck, type RunAction } from './operator.js';
import { runView } from './plans.js';
import type { Store } from './store-port.js';

export interface TakeDeps extends OperatorDeps {
  store: OperatorDeps['store'] & Pick<Store, 'takeIncident'>;
  notifier: IncidentNotifier;
  logger: Logger;
}

export async function takeOwnership(deps: TakeDeps, action: RunAction): Promise<Result<{ message: string }>> {
  const checked = await operatorCheck(deps, action);
  if (!checked.ok) return checked;
  const { incident } = checked.view;
  if (incident.status !== 'open') return fail('already_decided', `${incident.id} is already resolved.`);
  if (incident.owner === action.user) return { ok: true, message: `You already own ${incident.id}.` };
  if (!(await deps.store.takeIncident(incident.id, action.user))) {
    return fail('already_decided', `${incident.id} changed while you clicked; look at the thread again.`);
  }
  const after = (await runView(deps.store, action.runId)) ?? checked.view;
  deps.logger.info({ ...runIds(after), from: incident.owner, to: action.user }, 'incident owner changed');
  await deps.notifier.ownerChanged(after, incident.owner);
  return { ok: true, message: `You own ${incident.id} now.` };
}
