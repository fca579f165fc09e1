/**
 * Prometheus metrics (prom-client): rollbacks, durations, approval wait, steps, Slack ack latency and
 * deliveries, and gauges read from the store at each scrape (runs waiting, running, over target).
 * The alert rules in deploy/prometheus/rollbot-alerts.yml are written against these names.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StepOutcome } from './domain/step-result.js';
import { levelNumbers, type Runbook } from './runbooks/schema.js';
import type { Metrics } from './services/ports.js';

/** Outcomes a rollback ends with, as `rollbot_rollbacks_total{outcome}` counts them. */
export const RUN_OUTCOMES = ['succeeded', 'failed', 'aborted', 'interrupted'] as const;
const KINDS = ['incident', 'drill'] as const;
const STEP_OUTCOMES: readonly StepOutcome[] = ['ok', 'failed', 'timed_out', 'canceled', 'unknown', 'skipped'];
export const DELIVERY_OUTCOMES = ['delivered', 'retried', 'failed'] as const;
const ACTIVE_STATES = ['pending_approval', 'approved', 'running'] as const;

/** A run that has not ended, as the store has it: enough to say how long it has waited or run. */
export interface ActiveRunFacts {
  state: string;
  createdAt: number;
  startedAt: number | null;
  targetMs: number;
}

/** What the scrape-time gauges and the zero-initialised series are read from. */
export interface MetricsSource {
  catalog: { names(): string[]; get(service: string): Runbook | undefined };
  activeRuns(): readonly ActiveRunFacts[] | Promise<readonly ActiveRunFacts[]>;
  now(): number;
}

export interface PrometheusMetrics extends Metrics {
  registry: Registry;
  render(): Promise<string>;
  contentType: string;
  /**
   * Starts every labelled series at 0 (a series that appears only with the first failure is missed
   * by `increase()`), and reads the gauges from `source` at each scrape.
   */
  watch(source: MetricsSource): void;
}

export function createMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rollbot_' });
  const registers = [registry];
  const rollbacks = new Counter({
    name: 'rollbot_rollbacks_total',
    help: 'Rollback runs that ended, by service, level, outcome and kind (incident or drill)',
    labelNames: ['service', 'level', 'outcome', 'kind'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'rollbot_run_duration_seconds',
    help: 'Wall time of rollback runs from start to end, by level',
    labelNames: ['level'] as const,
    buckets: [5, 15, 30, 60, 120, 300, 600, 900, 1800, 2700, 3600],
    registers,
  });
  const approvalWait = new Histogram({
    name: 'rollbot_approval_wait_seconds',
    help: 'Time from request to approval for runs that needed approvals',
    buckets: [10, 30, 60, 120, 300, 600, 900],
    registers,
  });
  const steps = new Counter({
    name: 'rollbot_steps_total',
    help: 'Steps finished on hosts, by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const ack = new Histogram({
    name: 'rollbot_slack_ack_seconds',
    help: 'Time from receiving a Slack request to acknowledging it',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
    registers,
  });
  const deliveries = new Counter({
    name: 'rollbot_slack_deliveries_total',
    help: 'Slack message deliveries from the outbox: delivered, retried later (outage, rate limit), failed for good',
    labelNames: ['outcome'] as const,
    registers,
  });
  for (const outcome of STEP_OUTCOMES) steps.inc({ outcome }, 0);
  for (const outcome of DELIVERY_OUTCOMES) deliveries.inc({ outcome }, 0);
  let watched = false;

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    watch(source) {
      if (watched) throw new Error('metrics are already watching a store');
      watched = true;
      for (const service of source.catalog.names()) {
        const runbook = source.catalog.get(service);
        for (const level of runbook ? levelNumbers(runbook) : [])
          for (const outcome of RUN_OUTCOMES)
            for (const kind of KINDS) rollbacks.inc({ service, level: String(level), outcome, kind }, 0);
      }
      registerStoreGauges(registers, source);
    },
    runFinished: (run) => {
      rollbacks.inc({ service: run.service, level: String(run.level), outcome: run.outcome, kind: run.kind });
      duration.observe({ level: String(run.level) }, run.durationMs / 1000);
    },
    runInterrupted: (run) => {
      rollbacks.inc({
        service: run.service,
        level: String(run.level),
        outcome: 'interrupted',
        kind: run.kind,
      });
    },
    approvalWaited: (ms) => approvalWait.observe(ms / 1000),
    stepFinished: (outcome) => steps.inc({ outcome }),
    slackAcked: (kind, ms) => ack.observe({ kind }, ms / 1000),
    slackDelivery: (outcome) => deliveries.inc({ outcome }),
  };
}

/** Gauges computed when Prometheus scrapes, from the runs the store has now (any replica's). */
function registerStoreGauges(registers: Registry[], source: MetricsSource): void {
  const runs = async () => source.activeRuns();
  new Gauge({
    name: 'rollbot_runs_active',
    help: 'Runs not yet ended, by state: waiting for approval, approved, running',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const active = await runs();
      for (const state of ACTIVE_STATES) this.set({ state }, active.filter((r) => r.state === state).length);
    },
  });
  new Gauge({
    name: 'rollbot_approval_oldest_pending_seconds',
    help: 'How long the oldest request still waiting for approval has waited (0 when none waits)',
    registers,
    async collect() {
      const pending = (await runs()).filter((r) => r.state === 'pending_approval');
      const oldest = Math.min(...pending.map((r) => r.createdAt), source.now());
      this.set((source.now() - oldest) / 1000);
    },
  });
  new Gauge({
    name: 'rollbot_run_longest_overrun_seconds',
    help: "How far the running run furthest past its level's target time is past it (0 when none is)",
    registers,
    async collect() {
      const now = source.now();
      const overruns = (await runs())
        .filter((r) => r.state === 'running' && r.startedAt !== null)
        .map((r) => now - (r.startedAt ?? now) - r.targetMs);
      this.set(Math.max(0, ...overruns) / 1000);
    },
  });
}
