/** The runbook catalogue, plan previews, and the display form of a run that every message uses. */
import type { Plan } from '../domain/plan.js';
import { fail, type Result } from '../domain/result.js';
import { displaySteps, PLACEHOLDER_IDS, type Rendered, renderPlan } from '../runbooks/plan.js';
import type { Runbook } from '../runbooks/schema.js';
import type { RunView } from './notifier.js';
import type { Store } from './store-port.js';

export interface RunbookCatalog {
  get(service: string): Runbook | undefined;
  names(): string[];
}

export interface PreviewInput {
  service: string;
  env: string;
  level: number;
  params: Record<string, string>;
  hosts?: string[];
  /** The terminal's break-glass `--set` of a secret; Slack never passes one. */
  typedSecrets?: boolean;
  /** ROLLBOT_PROMETHEUS_URL, for query steps that name no Prometheus. */
  prometheusUrl?: string | undefined;
}

export function runbookOf(catalog: RunbookCatalog, service: string): Result<{ runbook: Runbook }> {
  const runbook = catalog.get(service);
  if (runbook) return { ok: true, runbook };
  const known = catalog.names();
  return fail('unknown_service', `Unknown service "${service}". Known services: ${known.join(', ') || '(none)'}`);
}

/** The exact plan, rendered with placeholder ids: for `rollbot plan`, the modal, and checks before opening. */
export function preview(catalog: RunbookCatalog, input: PreviewInput): Result<Rendered & { runbook: Runbook }> {
  const found = runbookOf(catalog, input.service);
  if (!found.ok) return found;
  const rendered = renderPlan(found.runbook, { ...input, ...PLACEHOLDER_IDS });
  return rendered.ok ? { ...rendered, runbook: found.runbook } : rendered;
}

/** What may be shown: secret markers as the mask. */
export function displayPlan(plan: Plan): Plan {
  return { ...plan, steps: displaySteps(plan.steps) };
}

/** The store reads a run's messages need. */
export type ViewStore = Pick<Store, 'getRun' | 'getIncident' | 'stepResults' | 'timeline' | 'stepSamples'>;

/** A run with its incident, display plan and thread data, read fresh from the store. */
export async function runView(store: ViewStore, runId: string): Promise<RunView | undefined> {
  const run = await store.getRun(runId);
  if (!run) return undefined;
  const incident = await store.getIncident(run.incidentId);
  if (!incident) return undefined;
  const previous = run.escalatedFrom ? await store.getRun(run.escalatedFrom) : undefined;
  const [rows, previousRows, events, samples] = await Promise.all([
    store.stepResults(run.id),
    previous ? store.stepResults(previous.id) : Promise.resolve([]),
    store.timeline(incident.id),
    store.stepSamples({ service: run.service, level: run.level, before: run.createdAt }),
  ]);
  return {
    incident,
    run,
    plan: displayPlan(run.plan),
    thread: { rows, ...(previous ? { previous } : {}), previousRows, events, samples },
  };
}
