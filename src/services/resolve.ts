/**
 * Resolving an incident: the resolution message in the channel, the root's final status, the bad
 * version blocked for the deploy pipeline (seed 004), and the RCA draft, with the audit head.
 */

import { typedTextProblem } from '../domain/control-chars.js';
import { RESOLUTION_TEXT_MAX, type Resolution } from '../domain/records.js';
import { fail, type Result } from '../domain/result.js';
import { isTerminal } from '../domain/run-state.js';
import { SECRET_MASK } from '../domain/secrets.js';
import type { Logger } from '../logger.js';
import { runIds } from './lifecycle-log.js';
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
  const ended = await resolvable(deps, action);
  if (!ended.ok) return ended;
  const { view } = ended;
  const problem = resolutionProblem(action.resolution);
  if (problem) return fail('invalid_input', problem);
  if (
    !(await deps.store.resolveIncident(view.incident.id, action.user, cleanResolution(action.resolution)))
  ) {
    return fail('already_decided', `${view.incident.id} is already resolved.`);
  }
  const from = view.run.state === 'succeeded' ? await versionRolledBackFrom(deps, view) : undefined;
  if (from) await deps.store.blockVersion(view.run.service, from, action.user, view.incident.id);
  const after = (await runView(deps.store, view.run.id)) ?? view;
  const rca = await draftRca(deps, view.incident.id);
  const head = await deps.store.timelineHead();
  // Published outside the database: `rollbot audit verify --head` proves nothing before it was cut.
  deps.logger.info(
    { ...runIds(after), resolvedBy: action.user, auditHead: head, ...(from ? { blocked: from } : {}) },
    'incident resolved',
  );
  if (rca) await deps.notifier.resolution(after, action.user, rca, head);
  const note = from ? ` ${from} is now blocked from redeploying (GET /blocked/${view.run.service}).` : '';
  return { ok: true, message: `${view.incident.id} resolved.${note}` };
}

/**
 * What the Resolved form starts from: the person may resolve, the incident's last run has ended,
 * and the root cause and impact rollbot can already say (both editable).
 */
export async function resolvePrefill(
  deps: ResolveDeps,
  action: RunAction,
): Promise<Result<{ view: RunView; rootCause?: string; impact: string }>> {
  const ended = await resolvable(deps, action);
  if (!ended.ok) return ended;
  const { view } = ended;
  if (view.incident.status !== 'open')
    return fail('already_decided', `${view.incident.id} is already resolved.`);
  const from = view.run.state === 'succeeded' ? await versionRolledBackFrom(deps, view) : undefined;
  const to = view.plan.params.version;
  return {
    ok: true,
    view,
    ...(from
      ? { rootCause: `A regression in ${from}, the version rolled back from${to ? ` (to ${to})` : ''}.` }
      : {}),
    impact: view.incident.impact ?? view.incident.reason,
  };
}

/** The person may operate the run, and the incident's latest run has ended. */
async function resolvable(deps: ResolveDeps, action: RunAction): Promise<Result<{ view: RunView }>> {
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
  return { ok: true, view };
}

/** What a resolution may hold: plain text, at most RESOLUTION_TEXT_MAX characters per field. */
function resolutionProblem(resolution: Resolution | undefined): string | undefined {
  for (const [field, text] of Object.entries(resolution ?? {})) {
    if (text === undefined) continue;
    const problem = typedTextProblem(text, field === 'rootCause' ? 'root cause' : field, RESOLUTION_TEXT_MAX);
    if (problem) return problem;
  }
  return undefined;
}

function cleanResolution(resolution: Resolution | undefined): Resolution | undefined {
  const rootCause = resolution?.rootCause?.trim();
  const impact = resolution?.impact?.trim();
  if (!rootCause && !impact) return undefined;
  return { ...(rootCause ? { rootCause } : {}), ...(impact ? { impact } : {}) };
}

/**
 * Seed 004's "prevent re-deployment": the version the hosts reported before the incident's first
 * run (else the deploy the pipeline reported before the incident opened), when the rollback moved
 * them to a different one, is blocked for the deploy pipeline.
 */
async function versionRolledBackFrom(deps: ResolveDeps, view: RunView): Promise<string | undefined> {
  if (view.incident.kind === 'drill') return undefined;
  const observed = (await deps.store.timeline(view.incident.id)).find(
    (e) => e.type === 'run.observed' && e.data?.versions !== undefined,
  );
  const from =
    prevailingVersion((observed?.data?.versions ?? {}) as Record<string, string | null>) ??
    view.thread.deploy?.version;
  const to = view.plan.params.version;
  if (!from || from === to || from === SECRET_MASK) return undefined;
  return from;
}
