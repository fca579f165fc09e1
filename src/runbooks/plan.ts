/** Renders a runbook level for one environment into the exact per-host plan and its hash. */
import type { HostRef, Plan } from '../domain/plan.js';
import { fail, type Result } from '../domain/result.js';
import type { Severity } from '../domain/severity.js';
import { planHash } from './plan-hash.js';
import { resolveParams } from './plan-params.js';
import { renderSteps, secretVariables, stepsFor } from './plan-steps.js';
import { getLevel, levelNumbers, type Runbook } from './schema.js';

export { maskSecrets } from './mask.js';
export { planToText } from './plan-text.js';

export interface PlanInput {
  env: string;
  level: number;
  params: Record<string, string>;
  /** Subset of the environment's host names; all of them when absent. */
  hosts?: string[];
  runId: string;
  incidentId: string;
}

export function renderPlan(runbook: Runbook, input: PlanInput): Result<{ plan: Plan }> {
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
  const params = resolveParams(runbook, input.level, steps, input.params);
  if (!params.ok) return params;
  const builtins = {
    'run.id': input.runId,
    'incident.id': input.incidentId,
    service: runbook.service,
    env: input.env,
    level: String(input.level),
  };
  const base = { runbook, steps, hosts: selected.hosts };
  const secretVars = secretVariables(Object.keys(runbook.params).filter((n) => runbook.params[n]!.secret));
  const real = renderSteps({ ...base, values: { ...params.values, ...builtins }, secretVars });
  if (!real.ok) return real;
  // Rendered again with secrets masked: the form people approve and the hash covers.
  const shown = renderSteps({ ...base, values: { ...params.display, ...builtins } });
  if (!shown.ok) return shown;

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
    // Names and questions are only ever shown (and stored), so they keep the masked form.
    steps: real.steps.map((step, i) => {
      const display = shown.steps[i]!;
      return display.confirm === undefined
        ? { ...step, name: display.name }
        : { ...step, name: display.name, confirm: display.confirm };
    }),
    hash: planHash({
      service: runbook.service,
      env: input.env,
      level: input.level,
      hosts,
      strategy,
      params: params.display,
      steps: shown.steps,
    }),
    secrets: params.secrets,
  };
  return { ok: true, plan };
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

/** Approvals a run of `level` at `severity` needs. Throws for a level the runbook lacks: render first. */
export function approvalsRequired(runbook: Runbook, level: number, severity: Severity): number {
  const approvals = getLevel(runbook, level)?.approvals;
  if (approvals === undefined) throw new Error(`${runbook.service} has no level ${level}`);
  return typeof approvals === 'number' ? approvals : approvals[severity];
}
