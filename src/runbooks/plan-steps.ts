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
  /** Secret params by name → the environment variable a `run` script reads each from. */
  secretVars: Readonly<Record<string, string>>;
  /** Where query steps without `prometheus:` send their queries (ROLLBOT_PROMETHEUS_URL). */
  prometheusUrl?: string | undefined;
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
      name: render(step.name, stepValues, 'display'),
      kind: step.kind,
      timeoutMs: step.timeout,
      continueOnError: step.continueOnError,
      targets: [],
    };
    if (step.kind === 'confirm') return { ...planned, confirm: render(step.confirm, stepValues, 'display') };
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
      else planned.targets.push(withSecretVars(target, step, input.secretVars));
    }
    return planned;
  });
  if (problems.length > 0) return fail('invalid_input', [...new Set(problems)].join('; '));
  return { ok: true, steps };
}

export type Render = (text: string, context: TemplateContext) => string;

/** A `run` target names the secret variables its script reads; the executing process fills them. */
function withSecretVars(
  target: StepTarget,
  step: RunbookStep,
  secretVars: Readonly<Record<string, string>>,
): StepTarget {
  if (target.kind !== 'run' || step.kind !== 'run') return target;
  const used = findPlaceholders(step.run)
    .map(({ name }) => (Object.hasOwn(secretVars, name) ? secretVars[name] : undefined))
    .filter((v): v is string => v !== undefined);
  return used.length > 0 ? { ...target, secretVars: [...new Set(used)] } : target;
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
