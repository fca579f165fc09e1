/**
 * Resolving an incident: the resolution message in the channel, the root's final status, the bad
 * version blocked for the deploy pipeline (seed 004), and the RCA draft, with the audit head.
 */

import type { Resolution } from '../domain/records.js';
import { fail, type Result } from '../domain/result.js';
import { isTerminal } from '../domain/run-state.js';
import { SECRET_MASK } from '../domain/secrets.js';
import type { Logger } from '../logger.js';
import type { IncidentNotifier, RunView } from './notifier.js';
import { prevailingVersion } from './observe-versions.js';
import { type OperatorDeps, operatorCheck, type RunAction } from './operator.js';
import { runView } from './plans.js';
import { draftRca, type RcaDeps } from './rca.js';
import type { Store } from './store-port.js';

export interface ResolveDeps extends OperatorDeps, RcaDeps {
  store: OperatorDeps['store'] &
    RcaDeps['store'] &
    Pick<Store, 'resolveIncident' | 'blockVersion' | 'runsOfIncident'>;
  notifier: IncidentNotifier;
  logger: Logger;
}

export async function resolveIncident(
  deps: ResolveDeps,
  action: RunAction & { resolution?: Resolution },
): Promise<Result<{ message: string }>> {
  const allowed = await operatorCheck(deps, action);
  if (!allowed.ok) return allowed;
  const latest = (await deps.store.runsOfIncident(allowed.view.incident.id)).at(-1);
  const view = (latest && (await runView(deps.store, latest.id))) ?? allowed.view;
  if (!isTerminal(view.run.state)) {
    return fail(
      'invalid_input',
      `Run ${view.run.id} is still ${view.run.state.replace('_', ' ')}: end it first.`,
    );
  }
  if (!(await deps.store.resolveIncident(view.incident.id, action.user, action.resolution))) {
    return fail('already_decided', `${view.incident.id} is already resolved.`);
  }
  const blocked = view.run.state === 'succeeded' ? await blockBadVersion(deps, view, action.user) : undefined;
  const after = (await runView(deps.store, view.run.id)) ?? view;
  const rca = await draftRca(deps, view.incident.id);
  const head = await deps.store.timelineHead();
  // Published outside the database: `rollbot audit verify --head` proves nothing before it was cut.
  deps.logger.info({ incidentId: view.incident.id, auditHead: head }, 'incident resolved');
  if (rca) await deps.notifier.resolution(after, action.user, rca, head);
  const note = blocked
    ? ` ${blocked} is now blocked from redeploying (GET /blocked/${view.run.service}).`
    : '';
  return { ok: true, message: `${view.incident.id} resolved.${note}` };
}

/**
 * Seed 004's "prevent re-deployment": the version the hosts reported before the incident's first
 * run (else the deploy the pipeline reported before the incident opened), when the rollback moved
 * them to a different one, is blocked for the deploy pipeline.
 */
async function blockBadVersion(deps: ResolveDeps, view: RunView, user: string): Promise<string | undefined> {
  if (view.incident.kind === 'drill') return undefined;
  const observed = (await deps.store.timeline(view.incident.id)).find(
    (e) => e.type === 'run.observed' && e.data?.versions !== undefined,
  );
  const from =
    prevailingVersion((observed?.data?.versions ?? {}) as Record<string, string | null>) ??
    view.thread.deploy?.version;
  const to = view.plan.params.version;
  if (!from || from === to || from === SECRET_MASK) return undefined;
  await deps.store.blockVersion(view.run.service, from, user, view.incident.id);
  return from;
}
