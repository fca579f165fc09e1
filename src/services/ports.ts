/** Ports the services depend on; adapters in exec/ and store/ implement them. */
import type { HealthExpect, HostRef, LocalTarget, RunTarget } from '../domain/plan.js';
import type { SecretSource } from '../domain/secrets.js';
import type { StepResult } from '../domain/step-result.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** One command on one host: a `run` script or a `local` argv. */
export interface ExecRequest {
  runId: string;
  stepIndex: number;
  host: HostRef;
  target: RunTarget | LocalTarget;
  timeoutMs: number;
  /** Where the full (masked) output is written; the runner creates the directory if it is missing. */
  logFile: string;
  /** Values to mask in every byte of output kept or written. */
  secrets: readonly string[];
  /** Abort: the remote/local process is signalled (TERM, then KILL) and the result is `canceled`. */
  signal: AbortSignal;
}

/** Never throws for a failed command: non-zero exit, timeouts and refusals are results. */
export interface CommandRunner {
  run(req: ExecRequest): Promise<StepResult>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

export interface HealthRequest {
  url: string;
  expect: HealthExpect;
  requestTimeoutMs: number;
  signal: AbortSignal;
}

export interface HealthAnswer {
  ok: boolean;
  detail: string;
  status?: number;
  /** The reported `version` field, when the body is JSON and has one. */
  version?: string;
}

export interface HealthProbe {
  /** One attempt; ok when status and JSON fields match. `detail` explains a mismatch. */
  probe(req: HealthRequest): Promise<HealthAnswer>;
}

/** Pauses a run at a `confirm` step until an allowed person answers. */
export interface Confirmer {
  confirm(
    question: string,
    ctx: { runId: string; stepIndex: number; signal: AbortSignal },
  ): Promise<{ ok: boolean; by: string }>;
}

/** Reads a secret's value from where the runbook says, in the process that executes the step. */
export interface SecretReader {
  /** Resolves the value, or a reason it cannot be read (never the value in the reason). */
  read(
    source: Exclude<SecretSource, { kind: 'typed' }>,
  ): Promise<{ ok: true; value: string } | { ok: false; reason: string }>;
}

/** A message as the Slack surface takes it: fallback text plus optional Block Kit blocks. */
export interface ChatMessage {
  text: string;
  blocks?: unknown[];
  /** Slack message metadata (not shown to people): lets a post be found again, e.g. by outbox id. */
  metadata?: { event_type: string; event_payload: Record<string, string | number | boolean> };
}

/** Everything the services ask of Slack; the Bolt/WebClient adapter implements it. */
export interface SlackSurface {
  /** `outboxSeq` marks the message (Slack message metadata) so a retry can find it. */
  post(
    channel: string,
    message: ChatMessage,
    options?: { threadTs?: string; outboxSeq?: number },
  ): Promise<{ channel: string; ts: string }>;
  /** A message this bot posted for outbox item `outboxSeq`, if it reached Slack. */
  findPosted(
    channel: string,
    outboxSeq: number,
    threadTs?: string,
  ): Promise<{ channel: string; ts: string } | undefined>;
  update(channel: string, ts: string, message: ChatMessage): Promise<void>;
  ephemeral(channel: string, user: string, message: ChatMessage): Promise<void>;
  openView(triggerId: string, view: object): Promise<void>;
  updateView(viewId: string, view: object, hash?: string): Promise<void>;
  usergroupMembers(groupId: string): Promise<string[]>;
  uploadFile(
    channel: string,
    threadTs: string,
    file: { filename: string; title: string; content: string; comment?: string },
  ): Promise<void>;
}

/** Counters and histograms the use cases report to; the Prometheus adapter implements it. */
export interface Metrics {
  runFinished(run: {
    service: string;
    level: number;
    outcome: string;
    kind: 'incident' | 'drill';
    durationMs: number;
  }): void;
  /**
   * A run a dead process left `running` or `approved`, ended as `interrupted` (at start-up, or by a
   * surviving replica): counted as `rollbot_rollbacks_total{outcome="interrupted"}`.
   */
  runInterrupted(run: { service: string; level: number; kind: 'incident' | 'drill' }): void;
  approvalWaited(ms: number): void;
  stepFinished(outcome: string): void;
  slackAcked(kind: string, ms: number): void;
  /** One outbox delivery attempt: delivered, retried later (outage, rate limit), or failed for good. */
  slackDelivery(outcome: 'delivered' | 'retried' | 'failed'): void;
}

export const noMetrics: Metrics = {
  runFinished() {},
  runInterrupted() {},
  approvalWaited() {},
  stepFinished() {},
  slackAcked() {},
  slackDelivery() {},
};
