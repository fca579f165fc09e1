/** Delivers the outbox: in order per incident, retrying outages and rate limits, giving up only on permanent errors. */
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { type Delivery, type DeliveryDeps, deliver, fallbackFor, NoThreadError } from './deliveries.js';
import { SlackCallError } from './web-api.js';

const MAX_BACKOFF_MS = 5000;

export interface OutboxWorker {
  /** Delivers what is due now (called after every enqueue). */
  kick(): void;
  /** Resolves when nothing deliverable is pending, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export function createOutboxWorker(deps: DeliveryDeps & { store: Store; logger: Logger }): OutboxWorker {
  const { store, logger } = deps;
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
        } catch (err) {
          const verdict = classify(err, item.attempts);
          if (verdict.retryInMs === undefined) {
            logger.error(
              { err, seq: item.seq, incidentId: item.incidentId },
              'slack delivery failed for good',
            );
            store.outboxFailed(item.seq, verdict.reason);
            const fallback = fallbackFor(item.payload as Delivery, item.incidentId, verdict.reason);
            if (fallback) {
              const runId = item.runId ? { runId: item.runId } : {};
              store.enqueueOutbox({ incidentId: item.incidentId, ...runId, payload: fallback });
            }
          } else {
            logger.warn(
              { seq: item.seq, reason: verdict.reason, retryInMs: verdict.retryInMs },
              'slack delivery will retry',
            );
            store.outboxRetry(item.seq, verdict.retryInMs, verdict.reason);
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

/** Which failures are worth another try is SlackCallError's to say (src/slack/web-api-errors.ts). */
function classify(err: unknown, attempts: number): { retryInMs?: number; reason: string } {
  const backoff = Math.min(250 * 2 ** attempts, MAX_BACKOFF_MS);
  if (err instanceof NoThreadError) return { reason: err.message };
  if (err instanceof SlackCallError) {
    if (err.code === 'slack_webapi_rate_limited_error')
      return { retryInMs: Math.max((err.retryAfter ?? 1) * 1000, 250), reason: err.reason };
    // Outages, 5xx and timeouts: Slack or the network is down, not our message.
    return err.transient ? { retryInMs: backoff, reason: err.reason } : { reason: err.reason };
  }
  return { retryInMs: backoff, reason: err instanceof Error ? err.message : String(err) };
}
