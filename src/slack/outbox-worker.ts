/** Delivers the outbox: in order per incident, retrying outages and rate limits, giving up only on permanent errors. */
import type { Logger } from '../logger.js';
import { type Metrics, noMetrics } from '../services/ports.js';
import type { Store } from '../store/store.js';
import { type Delivery, type DeliveryDeps, deliver, NoThreadError } from './deliveries.js';

const MAX_BACKOFF_MS = 5000;
// Slack answers these when it is the problem, not the message: worth trying again.
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export interface OutboxWorker {
  /** Delivers what is due now (called after every enqueue). */
  kick(): void;
  /** Resolves when nothing deliverable is pending, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export function createOutboxWorker(
  deps: DeliveryDeps & { store: Store; logger: Logger; metrics?: Pick<Metrics, 'slackDelivery'> },
): OutboxWorker {
  const { store, logger } = deps;
  const metrics = deps.metrics ?? noMetrics;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const pumpOnce = async () => {
    for (;;) {
      const items = store.dueOutbox();
      if (items.length === 0 || stopped) return;
      for (const item of items) {
        try {
          await deliver(deps, { ...item, payload: item.payload as Delivery });
          store.outboxDelivered(item.seq, item.revision);
          metrics.slackDelivery('delivered');
        } catch (err) {
          const verdict = classify(err, item.attempts);
          if (verdict.retryInMs === undefined) {
            logger.error(
              { err, seq: item.seq, incidentId: item.incidentId },
              'slack delivery failed for good',
            );
            store.outboxFailed(item.seq, verdict.reason);
            metrics.slackDelivery('failed');
          } else {
            logger.warn(
              { seq: item.seq, reason: verdict.reason, retryInMs: verdict.retryInMs },
              'slack delivery will retry',
            );
            store.outboxRetry(item.seq, verdict.retryInMs, verdict.reason);
            metrics.slackDelivery('retried');
          }
        }
      }
    }
  };

  const schedule = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    const due = store.outboxNextDueIn();
    if (due === undefined) return;
    timer = setTimeout(kick, Math.max(due, 20));
    timer.unref();
  };

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pumpOnce()
      .catch((err: unknown) => logger.error({ err }, 'outbox pump crashed'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        } else schedule();
      });
  }

  return {
    kick,
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (!running && store.dueOutbox().length === 0) return;
        kick();
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

function classify(err: unknown, attempts: number): { retryInMs?: number; reason: string } {
  const e = err as {
    code?: string;
    retryAfter?: number;
    data?: { error?: string };
    statusCode?: number;
    message?: string;
  };
  const backoff = Math.min(250 * 2 ** attempts, MAX_BACKOFF_MS);
  if (err instanceof NoThreadError) return { reason: err.message };
  if (e.code === 'slack_webapi_rate_limited_error') {
    return { retryInMs: Math.max((e.retryAfter ?? 1) * 1000, 250), reason: 'rate limited' };
  }
  if (e.code === 'slack_webapi_platform_error') {
    const slackError = e.data?.error ?? 'unknown';
    return TRANSIENT_ERRORS.has(slackError)
      ? { retryInMs: backoff, reason: slackError }
      : { reason: slackError };
  }
  if (e.code === 'slack_webapi_http_error' && e.statusCode !== undefined && e.statusCode < 500) {
    return { reason: `HTTP ${e.statusCode}` };
  }
  // HTTP 5xx, connection refused, timeouts: Slack or the network is down, not our message.
  return { retryInMs: backoff, reason: e.message ?? String(err) };
}
