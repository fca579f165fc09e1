/** Renders a level's steps into per-host targets, encoding each value for shell, argv, URL or text. */
import type { HealthExpect, HostRef, PlannedStep, StepTarget } from '../domain/plan.js';
import { fail, type Result } from '../domain/result.js';
import { findPlaceholders } from './placeholders.js';
import { renderQueryTarget } from './plan-query.js';
import type { ExpectSpec, ProbeRef, Runbook, RunbookStep } from './schema.js';
import { renderTemplate, type TemplateContext } from './template.js';

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/**
 * Quoting for the SSH wrapper can grow a script up to 4× (every `'` becomes `'\''`), and the remote
 * shell takes at most 128 KiB in one command: a longer script is refused here, before anything runs,
 * rather than failing on the first host mid-run.
 */
const MAX_RUN_SCRIPT_BYTES = 32_000;

export interface StepRenderInput {
  runbook: Runbook;
  steps: readonly RunbookStep[];
  /** Selected hosts, in environment order. */
  hosts: readonly HostRef[];
  /** Params and run-wide built-ins (run.id, service, ...); host.* is added per host. */
  values: Readonly<Record<string, string>>;
  /**
   * Secret params by name → the environment variable a `run` script reads them from (see
   * secretVariables). Without it, values are quoted into the script like any other.
   */
  secretVars?: Readonly<Record<string, string>>;
  /** Where query steps without `prometheus:` send their queries (ROLLBOT_PROMETHEUS_URL). */
  prometheusUrl?: string | undefined;
}

/**
 * The variable each secret param reaches a `run` script in: `api-token` → `ROLLBOT_SECRET_API_TOKEN`,
 * suffixed `_2`, `_3`… when two names would collide. The runner sends the values on stdin (SSH) or in
 * the environment (local host), so they never stand on a command line that `ps` shows.
 */
export function secretVariables(names: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  const taken = new Set<string>();
  for (const name of names) {
    const base = `ROLLBOT_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    vars[name] = candidate;
  }
  return vars;
}

/**
 * The steps of a level that do something on these hosts: a step limited to `hosts` none of which
 * is selected (another environment's database host, say) is left out of the plan, and so are the
 * params only it uses. Confirm steps ask once per run, so they always stay.
 */
export function stepsFor(steps: readonly RunbookStep[], hostNames: readonly string[]): RunbookStep[] {
  return steps.filter(
    (step) => step.kind === 'confirm' || !step.hosts || step.hosts.some((h) => hostNames.includes(h)),
  );
}

export function renderSteps(input: StepRenderInput): Result<{ steps: PlannedStep[] }> {
  const problems: string[] = [];
  const steps = input.steps.map((step, index): PlannedStep => {
    const hosts = step.hosts ? input.hosts.filter((h) => step.hosts!.includes(h.name)) : [...input.hosts];
    const render = (text: string, values: Readonly<Record<string, string>>, context: TemplateContext) => {
      const rendered = renderTemplate(text, values, context, input.secretVars);
      if (rendered.ok) return rendered.text;
      problems.push(`step ${index + 1} (${step.name}): ${rendered.message}`);
      return '';
    };
    // Names and questions are shown once per step, so host.* there lists every targeted host.
    const stepValues = { ...input.values, ...hostListValues(hosts) };
    const planned: PlannedStep = {
      index,
      name: render(step.name, stepValues, 'text'),
      kind: step.kind,
      timeoutMs: step.timeout,
      continueOnError: step.continueOnError,
      targets: [],
    };
    if (step.kind === 'confirm') return { ...planned, confirm: render(step.confirm, stepValues, 'text') };
    if (step.kind === 'query') {
      const target = renderQueryTarget(step, input.prometheusUrl, (text, context) =>
        render(text, input.values, context),
      );
      if (typeof target === 'string') problems.push(`step ${index + 1} (${step.name}): ${target}`);
      else planned.targets.push(target);
      return planned;
    }
    for (const host of hosts) {
      const values = { ...input.values, ...hostValues(host) };
      const target = renderTarget(input.runbook, step, host.name, (text, context) =>
        render(text, values, context),
      );
      if (typeof target === 'string') problems.push(`step ${index + 1} (${step.name}): ${target}`);
      else planned.targets.push(withSecretEnv(target, step, values, input.secretVars));
    }
    return planned;
  });
  if (problems.length > 0) return fail('invalid_input', [...new Set(problems)].join('; '));
  return { ok: true, steps };
}

export type Render = (text: string, context: TemplateContext) => string;

/** A `run` target that reads secrets from variables carries their values, for the runner only. */
function withSecretEnv(
  target: StepTarget,
  step: RunbookStep,
  values: Readonly<Record<string, string>>,
  secretVars: Readonly<Record<string, string>> | undefined,
): StepTarget {
  if (target.kind !== 'run' || step.kind !== 'run' || !secretVars) return target;
  const env: Record<string, string> = {};
  for (const { name } of findPlaceholders(step.run)) {
    const variable = Object.hasOwn(secretVars, name) ? secretVars[name] : undefined;
    if (variable !== undefined && Object.hasOwn(values, name)) env[variable] = values[name]!;
  }
  return Object.keys(env).length > 0 ? { ...target, env } : target;
}

function renderTarget(
  runbook: Runbook,
  step: RunbookStep,
  host: string,
  render: Render,
): StepTarget | string {
  switch (step.kind) {
    case 'run': {
      const script = render(step.run, 'shell');
      const bytes = Buffer.byteLength(script, 'utf8');
      if (bytes > MAX_RUN_SCRIPT_BYTES) {
        // Never echo the script: it may hold a secret value.
        return `the script for ${host} is ${bytes} bytes once the values are filled in; at most ${MAX_RUN_SCRIPT_BYTES} bytes can be sent to a host`;
      }
      return { host, kind: 'run', script };
    }
    case 'local':
      return { host, kind: 'local', argv: step.local.map((arg) => render(arg, 'argv')) };
    case 'check':
    case 'monitor': {
      const probe = resolveProbe(runbook, step.kind === 'check' ? step.check : step.monitor, step.expect);
      if (typeof probe === 'string') return probe;
      const url = render(probe.url, 'url');
      if (!URL.canParse(url)) return `health URL ${url} is not a valid URL`;
      const json: HealthExpect['json'] = {};
      for (const [key, value] of Object.entries(probe.expect.json)) {
        json[key] = typeof value === 'string' ? render(value, 'text') : value;
      }
      const common = {
        host,
        url,
        expect: { status: probe.expect.status, json },
        requestTimeoutMs: probe.timeoutMs,
      };
      if (step.kind === 'check') return { ...common, kind: 'check' };
      return { ...common, kind: 'monitor', everyMs: step.every, forMs: step.for };
    }
    case 'confirm':
    case 'query':
      return `${step.kind} steps have no per-host targets`;
  }
}

/** `health` takes the runbook's health section; a step's own `expect` is merged over it. */
function resolveProbe(
  runbook: Runbook,
  ref: ProbeRef,
  stepExpect: ExpectSpec | undefined,
): { url: string; expect: HealthExpect; timeoutMs: number } | string {
  let base: { url: string; expect: HealthExpect; timeoutMs: number };
  if (ref === 'health') {
    if (!runbook.health) return 'the step checks "health" but the runbook has no health section';
    const { url, expect, timeout } = runbook.health;
    base = { url, expect: { status: expect.status, json: { ...expect.json } }, timeoutMs: timeout };
  } else {
    const expect = { status: ref.expect?.status ?? 200, json: { ...ref.expect?.json } };
    base = { url: ref.url, expect, timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS };
  }
  return {
    ...base,
    expect: {
      status: stepExpect?.status ?? base.expect.status,
      json: { ...base.expect.json, ...stepExpect?.json },
    },
  };
}

export function hostValues(host: HostRef): Record<string, string> {
  return {
    'host.name': host.name,
    'host.address': host.address,
    'host.port': String(host.port),
    'host.user': host.user,
  };
}

function hostListValues(hosts: readonly HostRef[]): Record<string, string> {
  const list = (pick: (h: HostRef) => string) => hosts.map(pick).join(', ');
  return {
    'host.name': list((h) => h.name),
    'host.address': list((h) => h.address),
    'host.port': list((h) => String(h.port)),
    'host.user': list((h) => h.user),
  };
}
