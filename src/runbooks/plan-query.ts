/** Renders a query step into its one target: the Prometheus URL and the PromQL with values escaped. */
import { QUERY_TARGET_HOST, type QueryTarget } from '../domain/plan.js';
import type { Render } from './plan-steps.js';
import { misplacedQueryPlaceholders } from './promql-context.js';
import type { QueryStepSpec } from './step-schema.js';

/** One sample's request may take at most this long, and never longer than the interval between samples. */
const QUERY_REQUEST_TIMEOUT_MS = 10_000;

/** A problem as text, or the target; `defaultUrl` is ROLLBOT_PROMETHEUS_URL. */
export function renderQueryTarget(
  step: QueryStepSpec,
  defaultUrl: string | undefined,
  render: Render,
): QueryTarget | string {
  // Also checked when the runbook loads; checked again because only this makes the escaping right.
  const misplaced = misplacedQueryPlaceholders(step.query)[0];
  if (misplaced) return `{{${misplaced.name}}} stands in ${misplaced.where}`;
  const prometheus = step.prometheus === undefined ? defaultUrl : render(step.prometheus, 'url');
  if (prometheus === undefined || prometheus === '') {
    return 'no Prometheus to query: set `prometheus:` on the step, or ROLLBOT_PROMETHEUS_URL';
  }
  if (!URL.canParse(prometheus)) return `Prometheus URL ${prometheus} is not a valid URL`;
  return {
    host: QUERY_TARGET_HOST,
    kind: 'query',
    prometheus,
    query: render(step.query, 'promql'),
    expect: { ...step.expect },
    everyMs: step.every,
    samples: step.samples,
    failureLimit: step.failureLimit,
    requestTimeoutMs: Math.min(QUERY_REQUEST_TIMEOUT_MS, step.every),
  };
}
