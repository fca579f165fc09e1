/**
 * The Bolt app: Socket Mode when an app token is set, otherwise HTTP through rollbot's receiver and
 * its request guard (signature, timestamp window, replay, size, shape; see guarded-receiver.ts).
 */
import type { ServerResponse } from 'node:http';
import { App, type CustomRoute, LogLevel } from '@slack/bolt';
import { register as registerApproval } from '../../commands/approval.js';
import type { ListenerDeps } from '../../commands/deps.js';
import { register as registerHome } from '../../commands/home.js';
import { register as registerModal } from '../../commands/modal.js';
import { register as registerRunControls } from '../../commands/run-controls.js';
import { register as registerServiceOptions } from '../../commands/service-options.js';
import { register as registerSlash } from '../../commands/slash.js';
import { register as registerThreadReplies } from '../../commands/thread-replies.js';
import type { Config } from '../config.js';
import { createGuardedReceiver } from './guarded-receiver.js';

export interface HttpRoutes {
  blocked(service: string): Promise<string[]>;
  metrics(): Promise<{ contentType: string; body: string }>;
  slackAcked(kind: string, ms: number): void;
  /** The replay cache every replica shares (HTTP mode). */
  claimReplay?: (key: string, ttlMs: number) => Promise<boolean>;
}

/** Who the bot is (from rollbot's own auth.test), so Bolt does not call auth.test itself. */
export interface BotIdentity {
  botId: string;
  botUserId: string;
}

export function createBoltApp(
  config: Config,
  deps: ListenerDeps,
  routes: HttpRoutes,
  identity?: BotIdentity,
): App {
  const { slack } = config;
  const customRoutes: CustomRoute[] = [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => json(res, 200, { status: 'ok' }) },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        routes.metrics().then(
          ({ contentType, body }) => {
            res.writeHead(200, { 'content-type': contentType });
            res.end(body);
          },
          () => json(res, 500, { error: 'metrics unavailable' }),
        );
      },
    },
    {
      path: '/blocked/:service',
      method: ['GET'],
      handler: (req, res) => {
        const service = String(req.params?.service ?? '');
        if (!/^[a-z0-9-]{1,64}$/.test(service)) return json(res, 400, { error: 'invalid service name' });
        routes.blocked(service).then(
          (blocked) => json(res, 200, { service, blocked }),
          () => json(res, 503, { error: 'store unavailable' }),
        );
      },
    },
  ];
  const common = {
    token: slack.botToken,
    ...identity,
    logLevel: LogLevel.WARN,
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
  const app = slack.appToken
    ? new App({
        ...common,
        appToken: slack.appToken,
        socketMode: true,
        customRoutes,
        installerOptions: { port: config.port },
      })
    : new App({
        ...common,
        receiver: createGuardedReceiver({
          signingSecret: slack.signingSecret ?? '',
          customRoutes,
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
  registerThreadReplies(app, deps);
  registerHome(app, deps);
  app.error(async (err) => {
    deps.logger.error({ err }, 'unhandled error in a Slack listener');
  });
  return app;
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

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
