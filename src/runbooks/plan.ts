/** Renders a runbook level for one environment into the exact per-host plan and its hash. */
import type { HostRef, Plan, PlannedStep } from '../domain/plan.js';
import { fail, type Result } from '../domain/result.js';
import { maskMarkers, secretVariables } from '../domain/secrets.js';
import { planHash } from './plan-hash.js';
import { resolveParams } from './plan-params.js';
import { renderSteps, stepsFor } from './plan-steps.js';
import { getLevel, levelNumbers, type Runbook } from './schema.js';

export { approvalsNeeded } from './approvals.js';
export { planToText } from './plan-text.js';

export interface PlanInput {
  env: string;
  level: number;
  params: Record<string, string>;
  /** Subset of the environment's host names; all of them when absent. */
  hosts?: string[];
  runId: string;
  incidentId: string;
  /** The terminal's break-glass: secret params may be typed (`--set`). Never from Slack. */
  typedSecrets?: boolean;
  /** ROLLBOT_PROMETHEUS_URL: where query steps without `prometheus:` send their queries. */
  prometheusUrl?: string | undefined;
}

/**
 * The ids a plan is hashed with, and previewed with before a run exists. The hash covers the plan
 * with these in place of the real run and incident ids, so `rollbot plan`, the Slack plan message and
 * the run all show one hash. That stays safe: approvals are recorded per run (keyed by run id) and
 * must name this hash, so an approval never carries over to another run of the same plan.
 */
export const PLACEHOLDER_IDS = { runId: 'RUN-ID', incidentId: 'INCIDENT-ID' } as const;

export interface Rendered {
  plan: Plan;
  /** Secret values typed at the terminal, by param: for the process that was given them, never stored. */
  typed: Record<string, string>;
}

export function renderPlan(runbook: Runbook, input: PlanInput): Result<Rendered> {
  const envs = Object.keys(runbook.environments);
  if (!Object.hasOwn(runbook.environments, input.env)) {
    return fail(
      'unknown_env',
      `${runbook.service} has no environment "${input.env}" (environments: ${envs.join(', ')})`,
    );
  }
  const env = runbook.environments[input.env]!;
  const level = getLevel(runbook, input.level);
  if (!level) {
    const levels = levelNumbers(runbook).join(', ');
    return fail('unknown_level', `${runbook.service} has no level ${input.level} (levels: ${levels})`);
  }
  const selected = selectHosts(env.hosts, input.hosts);
  if (!selected.ok) return selected;

  const steps = stepsFor(
    level.steps,
    selected.hosts.map((h) => h.name),
  );
  if (steps.every((step) => step.kind === 'confirm')) {
    const where = input.hosts ? `the selected hosts of ${input.env}` : input.env;
    return fail('invalid_input', `level ${input.level} has no step that runs on ${where}`);
  }
  const params = resolveParams(runbook, input.level, steps, input.params, {
    typedSecrets: input.typedSecrets ?? false,
  });
  if (!params.ok) return params;
  const builtins = {
    'run.id': input.runId,
    'incident.id': input.incidentId,
    service: runbook.service,
    env: input.env,
    level: String(input.level),
  };
  const base = { runbook, steps, hosts: selected.hosts, prometheusUrl: input.prometheusUrl };
  const secretVars = secretVariables(Object.keys(runbook.params).filter((n) => runbook.params[n]!.secret));
  const rendered = renderSteps({ ...base, values: { ...params.values, ...builtins }, secretVars });
  if (!rendered.ok) return rendered;
  // Rendered again with the placeholder ids: the form the hash covers (one hash before and during a run).
  const hashedIds = { 'run.id': PLACEHOLDER_IDS.runId, 'incident.id': PLACEHOLDER_IDS.incidentId };
  const hashed = renderSteps({ ...base, values: { ...params.values, ...builtins, ...hashedIds }, secretVars });
  if (!hashed.ok) return hashed;

  const hosts = selected.hosts;
  // A level may run differently from the environment's default (a database restore: no canary).
  const strategy = { ...env.strategy, ...level.strategy };
  const plan: Plan = {
    service: runbook.service,
    env: input.env,
    level: input.level,
    levelName: level.name,
    targetMs: level.target,
    // Shown to requesters and approvers; not part of the hash (it changes no command).
    ...(level.dataLoss ? { dataLoss: level.dataLoss } : {}),
    hosts,
    strategy,
    params: params.display,
    steps: rendered.steps,
    hash: planHash({
      service: runbook.service,
      env: input.env,
      level: input.level,
      hosts,
      strategy,
      params: params.display,
      steps: displaySteps(hashed.steps),
      secrets: params.secrets,
    }),
    secrets: params.secrets,
  };
  return { ok: true, plan, typed: params.typed };
}

/** What people see and approve: every secret marker as the mask (the refs say where values come from). */
export function displaySteps(steps: readonly PlannedStep[]): PlannedStep[] {
  return JSON.parse(maskMarkers(JSON.stringify(steps))) as PlannedStep[];
}


function selectHosts(
  all: readonly HostRef[],
  wanted: readonly string[] | undefined,
): Result<{ hosts: HostRef[] }> {
  if (wanted === undefined) return { ok: true, hosts: all.map((h) => ({ ...h })) };
  if (wanted.length === 0) return fail('invalid_input', 'no hosts selected');
  const names = all.map((h) => h.name);
  const unknown = wanted.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    return fail('unknown_host', `unknown host(s) ${unknown.join(', ')} (hosts: ${names.join(', ')})`);
  }
  return { ok: true, hosts: all.filter((h) => wanted.includes(h.name)).map((h) => ({ ...h })) };
}
