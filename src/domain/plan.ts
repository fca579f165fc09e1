/** A rendered plan: the exact per-host work a run will do, and the hash approvals bind to. */
import type { SecretRef } from './secrets.js';
import type { Condition } from './condition.js';
import type { Severity } from './severity.js';

export { SECRET_MASK } from './secrets.js';

export interface HostRef {
  name: string;
  /** IP or DNS name; for `local: true` hosts this is `localhost`. */
  address: string;
  port: number;
  user: string;
  local: boolean;
}

export interface HealthExpect {
  status: number;
  /** Top-level JSON fields that must equal these values (after templating). */
  json: Record<string, string | number | boolean>;
}

interface TargetBase {
  host: string;
}

/** `run`: a shell script executed with sh on the host (over SSH, or locally for local hosts). */
export interface RunTarget extends TargetBase {
  kind: 'run';
  /** Secret params appear here as `"$ROLLBOT_SECRET_…"`, never as their values. */
  script: string;
  /** The `ROLLBOT_SECRET_…` variables the script reads (names only; values are read at execution). */
  secretVars?: string[];
  /**
   * Filled in only in the executing process, from the plan's secret refs: the runner hands the
   * values over on stdin (SSH) or in the environment (local host), never on a command line.
   */
  env?: Record<string, string>;
}
/** `local`: an argv executed on the bot's machine without a shell. */
export interface LocalTarget extends TargetBase {
  kind: 'local';
  argv: string[];
}
/** `check`: HTTP GET retried until it matches or the step timeout passes. */
export interface CheckTarget extends TargetBase {
  kind: 'check';
  url: string;
  expect: HealthExpect;
  requestTimeoutMs: number;
}
/** `monitor`: the same check repeated every `everyMs` for `forMs`; any miss fails the step. */
export interface MonitorTarget extends TargetBase {
  kind: 'monitor';
  url: string;
  expect: HealthExpect;
  requestTimeoutMs: number;
  everyMs: number;
  forMs: number;
}
/**
 * `query`: a PromQL query sampled `samples` times, `everyMs` apart. It measures the service, not a
 * host, so a query step has one target whose host is QUERY_TARGET_HOST, run once per run.
 */
export interface QueryTarget extends TargetBase {
  kind: 'query';
  /** Prometheus base URL (the step's, or ROLLBOT_PROMETHEUS_URL). */
  prometheus: string;
  query: string;
  expect: Condition;
  everyMs: number;
  samples: number;
  /** Failed samples tolerated; one more fails the step at once. */
  failureLimit: number;
  requestTimeoutMs: number;
}

/** The host name of a query step's one target: no runbook host can have it (names start with a letter or digit). */
export const QUERY_TARGET_HOST = '(prometheus)';

export type StepTarget = RunTarget | LocalTarget | CheckTarget | MonitorTarget | QueryTarget;
export type StepKind = 'run' | 'local' | 'check' | 'monitor' | 'query' | 'confirm';

export interface PlannedStep {
  index: number;
  name: string;
  kind: StepKind;
  timeoutMs: number;
  continueOnError: boolean;
  /** For `confirm` steps: the question; targets is empty. */
  confirm?: string;
  /** One entry per host the step runs on, in host order. */
  targets: StepTarget[];
}

export interface Strategy {
  canary: number;
  parallel: number;
}

export interface Plan {
  service: string;
  env: string;
  level: number;
  levelName: string;
  targetMs: number;
  /** The runbook level's own statement of what it loses (`dataLoss`); absent: see data-loss.ts. */
  dataLoss?: string;
  hosts: HostRef[];
  strategy: Strategy;
  /** Parameter values with secret ones replaced by SECRET_MASK. */
  params: Record<string, string>;
  /** Secret values stand as markers (domain/secrets.ts) or `"$ROLLBOT_SECRET_…"`, never as values. */
  steps: PlannedStep[];
  /** sha256 over the display form of the plan and its secret references (never a secret's value). */
  hash: string;
  /** Where each secret param used by the plan is read at execution. */
  secrets: SecretRef[];
}

export interface RunRequest {
  service: string;
  env: string;
  level: number;
  severity: Severity;
  reason: string;
  requestedBy: string;
  params: Record<string, string>;
  hosts?: string[];
  drill: boolean;
}

/** How the hosts are batched, in words: "canary 1, then 5 at a time", "10 at a time", "single host". */
export function strategyText(plan: Pick<Plan, 'strategy' | 'hosts'>): string {
  const { canary, parallel } = plan.strategy;
  if (plan.hosts.length <= 1) return 'single host';
  return canary > 0 ? `canary ${canary}, then ${parallel} at a time` : `${parallel} at a time`;
}
