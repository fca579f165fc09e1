/** Prometheus metrics (prom-client): rollbacks, durations, approval wait, steps, Slack ack latency. */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Metrics } from './services/ports.js';

export interface PrometheusMetrics extends Metrics {
  registry: Registry;
  render(): Promise<string>;
  contentType: string;
}

export function createMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rollbot_' });
  const rollbacks = new Counter({
    name: 'rollbot_rollbacks_total',
    help: 'Rollback runs that ended, by service, level, outcome and kind (incident or drill)',
    labelNames: ['service', 'level', 'outcome', 'kind'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'rollbot_run_duration_seconds',
    help: 'Wall time of rollback runs from start to end, by level',
    labelNames: ['level'] as const,
    buckets: [5, 15, 30, 60, 120, 300, 600, 900, 1800, 2700, 3600],
    registers: [registry],
  });
  const approvalWait = new Histogram({
    name: 'rollbot_approval_wait_seconds',
    help: 'Time from request to approval for runs that needed approvals',
    buckets: [10, 30, 60, 120, 300, 600, 900],
    registers: [registry],
  });
  const steps = new Counter({
    name: 'rollbot_steps_total',
    help: 'Steps finished on hosts, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const ack = new Histogram({
    name: 'rollbot_slack_ack_seconds',
    help: 'Time from receiving a Slack request to acknowledging it',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
    registers: [registry],
  });
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    runFinished: (run) => {
      rollbacks.inc({ service: run.service, level: String(run.level), outcome: run.outcome, kind: run.kind });
      duration.observe({ level: String(run.level) }, run.durationMs / 1000);
    },
    approvalWaited: (ms) => approvalWait.observe(ms / 1000),
    stepFinished: (outcome) => steps.inc({ outcome }),
    slackAcked: (kind, ms) => ack.observe({ kind }, ms / 1000),
  };
}
