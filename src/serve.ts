/** `rollbot serve`: wires the Slack adapters around the shared engine and starts the Bolt app. */
import { WebClient } from '@slack/web-api';
import type { ListenerDeps } from '../commands/deps.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { buildApp } from './main.js';
import { createMetrics } from './metrics.js';
import { formatRunbookErrors } from './runbooks/load.js';
import type { Clock } from './services/ports.js';
import { createSlackFlow, type SlackFlow } from './services/slack/flow.js';
import { APPROVAL_TTL_MS } from './services/slack/requests.js';
import { createSlackConfirmer } from './services/slack/runs.js';
import { createSlackApp } from './slack/app.js';
import { createDirectory } from './slack/directory.js';
import { createViewOpener } from './slack/open-view.js';
import { createOutboxWorker } from './slack/outbox-worker.js';
import { createPresenter } from './slack/presenter.js';
import { createSlackLogger, slackLogLevel } from './slack/slack-logger.js';
import { createSlackSurface } from './slack/surface.js';

export interface ServeOptions {
  logger?: Logger;
  clock?: Clock;
  /** How often approvals are checked for expiry and escalation pings (default 15 s). */
  tickMs?: number;
  approvalTtlMs?: number;
}

export interface Server {
  flow: SlackFlow;
  teamId: string | undefined;
  stop(): Promise<void>;
}

export async function startServer(config: Config, options: ServeOptions = {}): Promise<Server> {
  let flow: SlackFlow | undefined;
  const metrics = createMetrics();
  const confirmations = createSlackConfirmer(() => flow!.context);
  const ctx = buildApp(config, {
    confirmer: confirmations.confirmer,
    metrics,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const { logger, store, clock } = ctx;
  if (ctx.runbookErrors.length > 0) {
    logger.warn(
      { errors: formatRunbookErrors(ctx.runbookErrors) },
      'some runbooks are invalid and were not loaded',
    );
  }
  // The outbox owns retries (in order, persisted across restarts); the client fails fast.
  const client = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: createSlackLogger(logger, slackLogLevel(config.logLevel)),
  });
  const auth = await client.auth.test();
  const teamId = typeof auth.team_id === 'string' ? auth.team_id : undefined;
  const surface = createSlackSurface(client);
  const outbox = createOutboxWorker({
    surface,
    store,
    logger,
    metrics,
    incidentChannel: config.incidentChannel,
  });
  metrics.watch({ catalog: ctx.catalog, activeRuns: () => store.activeRuns(), now: () => clock.now() });
  flow = createSlackFlow(
    {
      rollback: ctx.rollback,
      catalog: ctx.catalog,
      store,
      notifier: createPresenter({ store, clock, timeZone: config.timeZone, kick: () => outbox.kick() }),
      directory: createDirectory(surface, logger),
      clock,
      logger,
      teamId: () => teamId,
      approvalTtlMs: options.approvalTtlMs ?? APPROVAL_TTL_MS,
      metrics,
    },
    confirmations,
  );
  const deps: ListenerDeps = {
    flow,
    openView: createViewOpener(config.slack.apiUrl, config.slack.botToken ?? ''),
    catalog: ctx.catalog,
    logger,
    queries: {
      activeRuns: () =>
        store.activeRuns().flatMap((run) => {
          const incident = store.getIncident(run.incidentId);
          return incident ? [{ incident, run }] : [];
        }),
      history: (service) => ({
        rows: store.history({ ...(service ? { service } : {}), limit: 15 }),
        mttr: store.mttr(service),
      }),
      note: (incidentId, user, text) => {
        if (!store.getIncident(incidentId)) return { ok: false, message: `No incident ${incidentId}.` };
        store.appendTimeline({
          type: 'note.added',
          actor: user,
          incidentId,
          data: { text: text.slice(0, 3000), via: 'command' },
        });
        return { ok: true, message: `Noted on ${incidentId}'s timeline.` };
      },
      threadReply: (reply) => {
        const incident = store.incidentByThread(reply.channel, reply.thread_ts);
        if (!incident) return;
        store.appendTimeline({
          type: 'note.added',
          actor: reply.user,
          incidentId: incident.id,
          data: { text: reply.text.slice(0, 3000), via: 'thread', ts: reply.ts },
        });
      },
    },
  };
  const app = createSlackApp(config, deps, {
    blocked: (service) => store.blockedVersions(service).map((b) => b.version),
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
    slackAcked: metrics.slackAcked,
  });
  await app.start();
  const interrupted = flow.recoverInterrupted();
  // Messages a previous process queued but could not deliver go out now, in order.
  outbox.kick();
  logger.info(
    {
      mode: config.slack.appToken ? 'socket' : 'http',
      port: config.port,
      opsPort: config.opsPort,
      interrupted,
      runbooks: ctx.catalog.names(),
    },
    'rollbot is serving',
  );
  const ticker = setInterval(() => flow?.tick(), options.tickMs ?? 15_000);
  ticker.unref();
  return {
    flow,
    teamId,
    async stop() {
      clearInterval(ticker);
      await app.stop();
      // Let running rollbacks finish rather than cut them off mid-step; what remains is
      // marked interrupted on the next start.
      await Promise.race([flow!.idle(), new Promise((r) => setTimeout(r, 30_000).unref())]);
      // What Slack has not taken yet stays in the outbox for the next start.
      await outbox.drain(5_000);
      await outbox.stop();
      await ctx.close();
    },
  };
}
