/** A rendered plan: the exact per-host work a run will do, and the hash approvals bind to. */
import type { Severity } from './severity.js';

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
  /**
   * The secret values the script reads, by variable name. The runner hands them over on stdin
   * (SSH) or in the environment (local host), never on a command line; masked wherever stored.
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
export type StepTarget = RunTarget | LocalTarget | CheckTarget | MonitorTarget;
export type StepKind = 'run' | 'local' | 'check' | 'monitor' | 'confirm';

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
  steps: PlannedStep[];
  /** sha256 over the display form of the plan (secrets masked). */
  hash: string;
  /** Raw secret values used in this plan; never persisted, used only to mask output. */
  secrets: string[];
}

export const SECRET_MASK = '••••••';

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
