/**
 * Delivers the outbox: in order within an incident, incidents side by side, so one incident's
 * stuck call never holds up another's. Retries outages and rate limits, gives up only on permanent
 * errors. Every replica runs one; claims in the store keep them off each other's items.
 */
import type { Logger } from '../logger.js';
import { type Metrics, noMetrics } from '../services/ports.js';
import type { Store } from '../services/store-port.js';
import { type Delivery, type DeliveryDeps, deliver, fallbackFor, NoThreadError } from './deliveries.js';
import { SlackCallError } from './web-api.js';

const MAX_BACKOFF_MS = 5000;
/** Deliveries in flight at once (each to a different incident). */
const MAX_IN_FLIGHT = 8;
/** A claim outlives the longest Web API call; a dead worker's claim lapses after it. */
const CLAIM_LEASE_MS = 60_000;

export interface OutboxWorker {
  /** Delivers what is due now (called after every enqueue). */
  kick(): void;
  /** Resolves when nothing deliverable is pending or in flight, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface OutboxWorkerDeps extends DeliveryDeps {
  store: DeliveryDeps['store'] &
    Pick<
      Store,
      | 'claimOutbox'
      | 'outboxDelivered'
      | 'outboxRetry'
      | 'outboxFailed'
      | 'outboxNextDueIn'
      | 'listen'
      | 'enqueueOutbox'
    >;
  logger: Logger;
  /** This process's id: the claims it holds. */
  worker: string;
  onRetry?: (reason: string) => void;
  metrics?: Pick<Metrics, 'slackDelivery'>;
}

export function createOutboxWorker(deps: OutboxWorkerDeps): OutboxWorker {
  const { store, logger } = deps;
  const metrics = deps.metrics ?? noMetrics;
  const inFlight = new Map<number, Promise<void>>();
  let pumping: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  // Another replica's new item (PostgreSQL): no need to wait for the timer.
  void store
    .listen('rollbot_outbox', () => kick())
    .then((stop) => {
      unlisten = stop;
      if (stopped) void stop();
    });

  const deliverOne = async (item: Awaited<ReturnType<typeof store.claimOutbox>>[number]) => {
    const payload = item.payload as Delivery;
    try {
      await deliver(deps, { ...item, payload });
      await store.outboxDelivered(item.seq, item.revision);
      metrics.slackDelivery('delivered');
    } catch (err) {
      const verdict = classify(err, item.attempts);
      if (verdict.retryInMs === undefined) {
        logger.error(
          { err, seq: item.seq, incidentId: item.incidentId, reason: verdict.reason },
          'slack delivery failed for good',
        );
        await store.outboxFailed(item.seq, verdict.reason);
        metrics.slackDelivery('failed');
        // Nothing else in the thread carries what failed (an RCA upload): say so, and where to get it.
        const fallback = fallbackFor(payload, item.incidentId, verdict.reason);
        if (fallback) {
          const runId = item.runId ? { runId: item.runId } : {};
          await store.enqueueOutbox({ incidentId: item.incidentId, ...runId, payload: fallback });
        }
      } else {
        logger.warn(
          {
            seq: item.seq,
            incidentId: item.incidentId,
            reason: verdict.reason,
            retryInMs: verdict.retryInMs,
          },
          'slack delivery will retry',
        );
        deps.onRetry?.(verdict.reason);
        await store.outboxRetry(item.seq, verdict.retryInMs, verdict.reason);
        metrics.slackDelivery('retried');
      }
    }
  };

  const pumpOnce = async () => {
    while (!stopped) {
      const free = MAX_IN_FLIGHT - inFlight.size;
      if (free <= 0) return;
      const items = await store.claimOutbox(deps.worker, free, CLAIM_LEASE_MS);
      if (items.length === 0) return;
      for (const item of items) {
        const done = deliverOne(item)
          .catch((err: unknown) => logger.error({ err, seq: item.seq }, 'outbox delivery crashed'))
          .finally(() => {
            inFlight.delete(item.seq);
            // The incident's next item may be due now.
            kick();
          });
        inFlight.set(item.seq, done);
      }
    }
  };

  const schedule = async () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    const due = await store.outboxNextDueIn();
    if (due === undefined || stopped) return;
    timer = setTimeout(kick, Math.max(due, 20));
    timer.unref();
  };

  function kick(): void {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = pumpOnce()
      .catch((err: unknown) => logger.error({ err }, 'outbox pump crashed'))
      .then(() => schedule())
      .catch((err: unknown) => logger.error({ err }, 'outbox schedule failed'))
      .finally(() => {
        pumping = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const due = await store.outboxNextDueIn();
        if (!pumping && inFlight.size === 0 && (due === undefined || due > 0)) return;
        kick();
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await unlisten?.();
      await pumping;
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}

/** Which failures are worth another try is SlackCallError's to say (src/slack/web-api-errors.ts). */
function classify(err: unknown, attempts: number): { retryInMs?: number; reason: string } {
  const backoff = Math.min(250 * 2 ** Math.max(attempts - 1, 0), MAX_BACKOFF_MS);
  if (err instanceof NoThreadError) return { reason: err.message };
  if (err instanceof SlackCallError) {
    if (err.code === 'slack_webapi_rate_limited_error')
      return { retryInMs: Math.max((err.retryAfter ?? 1) * 1000, 250), reason: err.reason };
    // Outages, 5xx and timeouts: Slack or the network is down, not our message.
    return err.transient ? { retryInMs: backoff, reason: err.reason } : { reason: err.reason };
  }
  return { retryInMs: backoff, reason: err instanceof Error ? err.message : String(err) };
}
