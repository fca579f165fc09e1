/**
 * The composition root: config → logger → store → executors → services → Slack or the terminal.
 * The only place adapters are built and handed to the use cases.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { type Config, childProcessEnv, configSecrets, secretEnvironment } from './config.js';
import { failedResult } from './domain/step-result.js';
import { createHealthProbe } from './exec/health.js';
import { createLocalRunner } from './exec/local-runner.js';
import { createPrometheusClient } from './exec/prometheus.js';
import { createSecretReader } from './exec/secrets.js';
import { createSshRunner } from './exec/ssh-runner.js';
import { createLogger, type Logger } from './logger.js';
import { loadRunbooks, type RunbookError } from './runbooks/load.js';
import type { Runbook } from './runbooks/schema.js';
import { abortableSleep } from './services/health-steps.js';
import { createServices, type Services } from './services/index.js';
import { type Directory, type IncidentNotifier, silentNotifier } from './services/notifier.js';
import type { RunbookCatalog } from './services/plans.js';
import {
  type Clock,
  type CommandRunner,
  type Confirmer,
  type Metrics,
  systemClock,
} from './services/ports.js';
import { createStore, DEFAULT_LEASE_TTL_MS, type Instance, type Store } from './store/store.js';

export interface Core {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  catalog: RunbookCatalog;
  runbookErrors: RunbookError[];
  services: Services;
  /** Renews this process's lease until stopped (a bot, or a terminal run in progress). */
  startHeartbeat(): () => void;
  close(): Promise<void>;
}

export interface CoreOptions {
  /** The terminal's prompt; Slack's waits for a click recorded in the store (any replica). */
  confirmer: Confirmer | ((store: Store) => Confirmer);
  notifier?: (store: Store) => IncidentNotifier;
  directory?: Directory;
  teamId?: () => string | undefined;
  logger?: Logger;
  clock?: Clock;
  metrics?: Metrics;
  leaseTtlMs?: number;
  approvalTtlMs?: number;
  /** Where `from: env:NAME` secrets are read (default: this process's environment). */
  secretEnv?: (name: string) => string | undefined;
  /** Told when the store cannot be written mid-run (default: the log). */
  onStorageFailure?: (err: unknown, runId: string) => void;
}

/** Approval requests expire after 15 minutes (DESIGN §4). */
export const APPROVAL_TTL_MS = 15 * 60_000;

export async function buildCore(config: Config, options: CoreOptions): Promise<Core> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const clock = options.clock ?? systemClock;
  const self = instanceOf(config);
  const leaseTtlMs = options.leaseTtlMs ?? config.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const store = await createStore({
    file: config.dbFile,
    ...(config.databaseUrl ? { url: config.databaseUrl } : {}),
    ...(config.auditKey ? { auditKey: config.auditKey } : {}),
    clock,
    self,
    leaseTtlMs,
  });
  const loaded = loadRunbooks(config.runbooksDir);
  const catalog = catalogOf(loaded.runbooks);
  const ssh = lazySshRunner(config);
  const local = createLocalRunner({ env: childProcessEnv(), logMaxBytes: config.stepLogMaxBytes });
  const confirmer = typeof options.confirmer === 'function' ? options.confirmer(store) : options.confirmer;
  const services = createServices({
    store,
    catalog,
    notifier: options.notifier?.(store) ?? silentNotifier,
    directory: options.directory ?? {
      members: async (ids) => new Set(ids.filter((id) => !id.startsWith('S'))),
    },
    engine: {
      ssh,
      local,
      confirmer,
      probe: createHealthProbe(),
      prometheus: createPrometheusClient(),
      clock,
      sleep: abortableSleep,
    },
    prometheusUrl: config.prometheusUrl,
    secrets: createSecretReader(options.secretEnv ?? secretEnvironment()),
    clock,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    logRoot: join(dirname(config.dbFile), 'logs'),
    approvalTtlMs: options.approvalTtlMs ?? APPROVAL_TTL_MS,
    timeZone: config.timeZone,
    teamId: options.teamId ?? (() => undefined),
    // Processes on one SQLite file cannot notify each other; PostgreSQL replicas can.
    pollMs: store.dialect === 'postgres' ? 2000 : 250,
    onStorageFailure:
      options.onStorageFailure ??
      ((err, runId) =>
        logger.error({ err, runId }, 'the store cannot be written; ending the run as soon as it can')),
  });
  return {
    config,
    logger,
    clock,
    store,
    catalog,
    runbookErrors: loaded.errors,
    services,
    startHeartbeat() {
      const beat = () =>
        store.heartbeat(self).catch((err: unknown) => logger.warn({ err }, 'lease heartbeat failed'));
      void beat();
      const timer = setInterval(beat, Math.max(250, Math.floor(leaseTtlMs / 4)));
      timer.unref();
      return () => clearInterval(timer);
    },
    async close() {
      await ssh.close();
      await local.close();
      await store.retire(self).catch(() => undefined);
      await store.close();
    },
  };
}

/** ROLLBOT_INSTANCE, or host + pid + random; a new token each start (a new incarnation). */
function instanceOf(config: Config): Instance {
  const host = hostname();
  return {
    id: config.instance ?? `${host}-${process.pid}-${randomBytes(3).toString('hex')}`,
    token: randomUUID(),
    host,
    pid: process.pid,
  };
}

function catalogOf(runbooks: Map<string, Runbook>): RunbookCatalog {
  return {
    get: (service) => runbooks.get(service),
    names: () => [...runbooks.keys()].sort(),
  };
}

/** The SSH key is read on first use, so local-only runbooks (the demo) need no key at all. */
function lazySshRunner(config: Config): CommandRunner {
  let runner: CommandRunner | undefined;
  let problem: string | undefined;
  const get = (): CommandRunner | undefined => {
    if (runner || problem) return runner;
    try {
      const privateKey = readFileSync(config.sshKeyFile);
      runner = createSshRunner({
        privateKey,
        passphrase: config.sshKeyPassphrase,
        knownHostsFile: config.knownHostsFile,
        logMaxBytes: config.stepLogMaxBytes,
      });
    } catch (err) {
      problem = `cannot read the SSH key ${config.sshKeyFile} (ROLLBOT_SSH_KEY): ${(err as Error).message}`;
    }
    return runner;
  };
  return {
    async run(req) {
      return get()?.run(req) ?? failedResult(problem ?? 'SSH is not configured');
    },
    async close() {
      await runner?.close();
    },
  };
}

export interface ServeOptions {
  logger?: Logger;
  clock?: Clock;
  /** How often every process sweeps: expiry, escalation pings, dead processes' runs (default 15 s). */
  tickMs?: number;
  approvalTtlMs?: number;
  leaseTtlMs?: number;
  secretEnv?: (name: string) => string | undefined;
  /** How often to check again for the incident channel while rollbot is not in it (default 60 s). */
  channelRecheckMs?: number;
}

export interface Server {
  core: Core;
  teamId: string | undefined;
  /** Settles when the bot has joined (or failed to join) the incident channel. */
  incidentChannel: Promise<import('./slack/incident-channel.js').ChannelAccess>;
  stop(): Promise<void>;
}

/** `rollbot serve`: the Slack adapters around the shared core. The Slack stack loads only here. */
export async function startServer(config: Config, options: ServeOptions = {}): Promise<Server> {
  const [{ createMetrics }, slack, { storeConfirmer }] = await Promise.all([
    import('./metrics.js'),
    import('./slack/index.js'),
    import('./services/confirm.js'),
  ]);
  const metrics = createMetrics();
  const bootLogger =
    options.logger ?? createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  // Every Web API call goes through this client, each with a timeout and its kind's retry policy;
  // the outbox owns the retries of deliveries (in order, persisted across restarts).
  const api = slack.createSlackWebApi({
    apiUrl: config.slack.apiUrl,
    token: config.slack.botToken ?? '',
    logger: bootLogger,
  });
  const auth = await api.call('auth.test', {}, 'read');
  const teamId = typeof auth.team_id === 'string' ? auth.team_id : undefined;
  const surface = slack.createSlackSurface(api);
  const directory = slack.createDirectory(surface, bootLogger);
  let outbox: ReturnType<typeof slack.createOutboxWorker> | undefined;
  const core = await buildCore(config, {
    confirmer: (store) => storeConfirmer({ store, pollMs: store.dialect === 'postgres' ? 2000 : 250 }),
    notifier: (store) =>
      slack.createPresenter({ store, clock: options.clock ?? systemClock, kick: () => outbox?.kick() }),
    directory,
    teamId: () => teamId,
    metrics,
    logger: bootLogger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.approvalTtlMs !== undefined ? { approvalTtlMs: options.approvalTtlMs } : {}),
    ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
    ...(options.secretEnv ? { secretEnv: options.secretEnv } : {}),
  });
  const { logger, store, services } = core;
  if (core.runbookErrors.length > 0) {
    const { formatRunbookErrors } = await import('./runbooks/load.js');
    logger.warn(
      { errors: formatRunbookErrors(core.runbookErrors) },
      'some runbooks are invalid and were not loaded',
    );
  }
  const stopHeartbeat = core.startHeartbeat();
  const channel = slack.watchIncidentChannel({
    api,
    channel: config.incidentChannel,
    logger,
    ...(options.channelRecheckMs ? { recheckMs: options.channelRecheckMs } : {}),
  });
  outbox = slack.createOutboxWorker({
    surface,
    store,
    logger,
    // The channel's id once known: finding a post made before a crash reads its history by id.
    incidentChannel: () =>
      channel.access.state === 'member' ? channel.access.channelId : config.incidentChannel,
    // Its claims name this incarnation: a restart (same id, new token) frees the old ones at once.
    worker: `${store.self.id}:${store.self.token}`,
    metrics,
  });
  metrics.watch({ catalog: core.catalog, activeRuns: () => store.activeRuns(), now: () => core.clock.now() });
  const identity =
    typeof auth.bot_id === 'string' && typeof auth.user_id === 'string'
      ? { botId: auth.bot_id, botUserId: auth.user_id }
      : undefined;
  const listeners = slack.listenerDeps({
    core,
    surface,
    home: slack.createHomeQuery({
      store,
      catalog: core.catalog,
      directory,
      teamUrl: typeof auth.url === 'string' ? auth.url : undefined,
      notice: channel.notice,
      clock: core.clock,
    }),
    channelNotice: channel.notice,
  });
  const app = slack.createSlackApp(
    config,
    listeners,
    {
      blocked: async (service) => (await store.blockedVersions(service)).map((b) => b.version),
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
      slackAcked: metrics.slackAcked,
      claimReplay: (key, ttlMs) => store.claimKey(key, ttlMs),
      deploys: {
        token: config.deployToken,
        record: (report) => services.recordDeploy(report),
        check: (service, version) => services.checkDeploy(service, version),
      },
    },
    identity,
  );
  try {
    await app.start();
  } catch (err) {
    // Nothing serves (PORT taken, Slack refused the connection): stop what started, then say why.
    channel.stop();
    stopHeartbeat();
    await outbox.stop();
    await core.close();
    throw err;
  }
  const first = await services.sweep();
  // Messages a previous process queued but could not deliver go out now, in order.
  outbox.kick();
  logger.info(
    {
      mode: config.slack.appToken ? 'socket' : 'http',
      port: config.port,
      opsPort: config.opsPort,
      instance: store.self.id,
      store: store.dialect,
      interrupted: first.interrupted,
      runbooks: core.catalog.names(),
    },
    'rollbot is serving',
  );
  let sweeping: Promise<unknown> = Promise.resolve();
  // Often enough that a dead replica's run is interrupted about a lease's length after it died.
  const tickMs = options.tickMs ?? Math.min(15_000, Math.max(500, Math.floor(store.leaseTtlMs / 2)));
  const ticker = setInterval(() => {
    sweeping = sweeping
      .then(() => services.sweep())
      .catch((err: unknown) => logger.error({ err }, 'sweep failed'));
  }, tickMs);
  ticker.unref();
  return {
    core,
    teamId,
    incidentChannel: channel.ready,
    async stop() {
      logger.info({ instance: store.self.id }, 'rollbot stopping');
      clearInterval(ticker);
      channel.stop();
      await sweeping;
      await app.stop();
      // Let running rollbacks finish rather than cut them off mid-step; what remains is
      // interrupted by a survivor (or the next start) once this process's lease lapses.
      await Promise.race([services.idle(), new Promise((r) => setTimeout(r, 30_000).unref())]);
      // What Slack has not taken yet stays in the outbox for the next start.
      await outbox?.drain(5_000);
      await outbox?.stop();
      stopHeartbeat();
      logger.info({ instance: store.self.id }, 'rollbot stopped');
      await core.close();
    },
  };
}
