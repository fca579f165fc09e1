/**
 * The Bolt app: Socket Mode when an app token is set, otherwise HTTP through rollbot's receiver and
 * its request guard (signature, timestamp window, replay, size, shape; see guarded-receiver.ts).
 * Bolt and its clients log through pino (slack-logger.ts).
 */
import { App } from '@slack/bolt';
import { register as registerApproval } from '../../commands/approval.js';
import type { ListenerDeps } from '../../commands/deps.js';
import { register as registerHome } from '../../commands/home.js';
import { register as registerModal } from '../../commands/modal.js';
import { register as registerResolveForm } from '../../commands/resolve-form.js';
import { register as registerRunControls } from '../../commands/run-controls.js';
import { register as registerServiceOptions } from '../../commands/service-options.js';
import { register as registerSlash } from '../../commands/slash.js';
import { register as registerThreadReplies } from '../../commands/thread-replies.js';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { type OpsHandlers, opsRoutes } from '../http/ops-routes.js';
import { type OpsServer, startOpsServer } from '../http/ops-server.js';
import { createGuardedReceiver } from './guarded-receiver.js';
import { createSlackLogger, slackLogLevel } from './slack-logger.js';

export interface HttpRoutes extends OpsHandlers {
  slackAcked(kind: string, ms: number): void;
  /** The replay cache every replica shares (HTTP mode). */
  claimReplay?: (key: string, ttlMs: number) => Promise<boolean>;
}

/** Who the bot is (from rollbot's own auth.test), so Bolt does not call auth.test itself. */
export interface BotIdentity {
  botId: string;
  botUserId: string;
}

/** The Bolt app and the ports it listens on: `start` and `stop` cover both. */
export interface SlackApp {
  app: App;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Socket Mode: Slack is reached over a WebSocket; the operational endpoints listen on
 * ROLLBOT_OPS_PORT, else PORT. HTTP mode: PORT takes Slack's events (and the operational endpoints
 * too, unless ROLLBOT_OPS_PORT gives them a port of their own).
 */
export function createSlackApp(
  config: Config,
  deps: ListenerDeps,
  routes: HttpRoutes,
  identity?: BotIdentity,
): SlackApp {
  const { slack } = config;
  const ops = opsRoutes(routes);
  const slackLevel = slackLogLevel(config.logLevel);
  const common = {
    token: slack.botToken,
    ...identity,
    logger: createSlackLogger(deps.logger, slackLevel),
    logLevel: slackLevel,
    // No listener reads context.conversation; Bolt's in-memory store would cost every request a lookup.
    convoStore: false as const,
    // Listeners call Slack through src/slack/web-api.ts, never Bolt's client; Bolt's own client is
    // left with Socket Mode's apps.connections.open (app token), bounded so an outage shows in the logs.
    clientOptions: {
      slackApiUrl: slack.apiUrl,
      timeout: 10_000,
      retryConfig: { retries: 6, factor: 2, minTimeout: 500, maxTimeout: 30_000 },
    },
  };
  const separateOps =
    Boolean(slack.appToken) || (config.opsPort !== undefined && config.opsPort !== config.port);
  const app = slack.appToken
    ? new App({ ...common, appToken: slack.appToken, socketMode: true })
    : new App({
        ...common,
        receiver: createGuardedReceiver({
          signingSecret: slack.signingSecret ?? '',
          customRoutes: separateOps ? [] : ops,
          logger: deps.logger,
          ...(routes.claimReplay ? { claimReplay: routes.claimReplay } : {}),
        }),
      });
  timeAcks(app, routes.slackAcked);
  registerSlash(app, deps);
  registerModal(app, deps);
  registerServiceOptions(app, deps);
  registerApproval(app, deps);
  registerRunControls(app, deps);
  registerResolveForm(app, deps);
  registerThreadReplies(app, deps);
  registerHome(app, deps);
  app.error(async (err) => {
    deps.logger.error({ err }, 'unhandled error in a Slack listener');
  });

  let opsServer: OpsServer | undefined;
  return {
    app,
    async start() {
      if (separateOps) {
        opsServer = await startOpsServer({
          port: config.opsPort ?? config.port,
          variable: config.opsPort !== undefined ? 'ROLLBOT_OPS_PORT' : 'PORT',
          routes: ops,
          logger: deps.logger,
        });
      }
      try {
        await app.start(config.port);
      } catch (err) {
        await opsServer?.stop();
        throw slackStartError(err);
      }
    },
    async stop() {
      await app.stop();
      await opsServer?.stop();
    },
  };
}

/** Socket Mode's first call uses the app-level token: a refusal there is that token's fault. */
function slackStartError(err: unknown): unknown {
  const e = err as { code?: string; data?: { error?: string } };
  if (e.code === 'slack_webapi_platform_error' && /auth|token/.test(e.data?.error ?? '')) {
    return new ConfigError(
      `SLACK_APP_TOKEN: Slack refused the app-level token (${e.data?.error}); create one with connections:write under "Basic Information".`,
    );
  }
  return err;
}

/** Wraps every incoming event's ack, in both receivers, to measure time to acknowledge. */
function timeAcks(app: App, observe: (kind: string, ms: number) => void): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event) => {
    const started = performance.now();
    const body = event.body as { command?: string; type?: string };
    const kind = body.command ? 'slash_command' : (body.type ?? 'unknown');
    const ack = event.ack;
    return processEvent({
      ...event,
      ack: async (response) => {
        observe(kind, performance.now() - started);
        return ack(response);
      },
    });
  };
}
