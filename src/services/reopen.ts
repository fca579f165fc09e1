/**
 * Retry (same level, skipping what already succeeded) or escalate (a higher level): a new run on
 * the same incident. It is a new request, so it needs that level's approvals from someone else.
 */

import { fail, type Result } from '../domain/result.js';
import { isTerminal } from '../domain/run-state.js';
import type { RunView } from './notifier.js';
import { type OperatorDeps, operatorCheck, type RunAction } from './operator.js';
import { type Opened, type RequestDeps, requestRollback } from './request.js';

export interface ReopenDeps extends OperatorDeps, RequestDeps {
  store: OperatorDeps['store'] & RequestDeps['store'];
}

export interface ReopenAction extends RunAction {
  level: number;
  /** Params for a level that needs ones the earlier run did not (an escalation's form). */
  params?: Record<string, string>;
}

/** What the form for a new run of this incident starts with: everything already known. */
export interface ReopenPrefill {
  view: RunView;
  level: number;
  /** The earlier run's params, secrets left out (they are read from their source again). */
  params: Record<string, string>;
  hosts: string[];
}

export async function reopenPrefill(
  deps: OperatorDeps,
  action: ReopenAction,
): Promise<Result<{ prefill: ReopenPrefill }>> {
  const allowed = await operatorCheck(deps, action);
  if (!allowed.ok) return allowed;
  const { view } = allowed;
  if (!isTerminal(view.run.state))
    return fail('already_decided', `Run ${view.run.id} is still ${view.run.state}.`);
  if (action.level < view.run.level || action.level > 3)
    return fail('invalid_input', 'There is no such level to go to.');
  const secret = new Set(view.run.plan.secrets.map((s) => s.param));
  const params = Object.fromEntries(
    Object.entries(view.run.plan.params).filter(([name]) => !secret.has(name)),
  );
  return {
    ok: true,
    prefill: { view, level: action.level, params, hosts: view.run.plan.hosts.map((h) => h.name) },
  };
}

export async function reopenRun(deps: ReopenDeps, action: ReopenAction): Promise<Result<Opened>> {
  const found = await reopenPrefill(deps, action);
  if (!found.ok) return found;
  const { view, params, hosts } = found.prefill;
  if (view.run.plan.secrets.some((s) => s.from === 'typed')) {
    return fail(
      'secret_unavailable',
      'This run used a secret typed at the terminal, which rollbot does not keep: run it again from the terminal with --set.',
    );
  }
  return requestRollback(
    deps,
    {
      service: view.run.service,
      env: view.run.env,
      level: action.level,
      severity: view.incident.severity,
      reason: view.incident.reason,
      ...(view.incident.impact ? { impact: view.incident.impact } : {}),
      requestedBy: action.user,
      params: { ...params, ...action.params },
      hosts,
      drill: view.incident.kind === 'drill',
    },
    { via: 'slack', reopen: { incidentId: view.incident.id, from: view.run } },
  );
}
