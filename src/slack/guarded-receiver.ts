/**
 * Bolt's HTTPReceiver behind our own server: every POST to /slack/events passes the request guard
 * first (see http-guard.ts) and reaches Bolt already buffered; other routes go straight to Bolt.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type App, type CustomRoute, HTTPReceiver, LogLevel, type Receiver } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { createRequestGuard, MAX_BODY_BYTES } from './http-guard.js';

export const EVENTS_PATH = '/slack/events';

export interface GuardedReceiverOptions {
  signingSecret: string;
  customRoutes: CustomRoute[];
  logger: Logger;
  now?: () => number;
}

export function createGuardedReceiver(options: GuardedReceiverOptions): Receiver {
  const bolt = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: [EVENTS_PATH],
    customRoutes: options.customRoutes,
    logLevel: LogLevel.WARN,
    bodyLimit: MAX_BODY_BYTES,
    // The guard has verified the signature (and more) before Bolt sees the request; every POST to
    // the events path goes through it, so Bolt checking again would only repeat the work.
    signatureVerification: false,
  });
  const guard = createRequestGuard({
    signingSecret: options.signingSecret,
    ...(options.now ? { now: options.now } : {}),
  });
  const log = options.logger.child({ module: 'http-guard' });
  let server: Server | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== EVENTS_PATH || req.method !== 'POST') return route(bolt, req, res);
    const verdict = await guard(req);
    if (!verdict.ok) {
      log.warn({ status: verdict.status, reason: verdict.reason }, 'refused a Slack request');
      // Unread body left behind (too large): close rather than drain it.
      if (!req.readableEnded) res.setHeader('connection', 'close');
      res.writeHead(verdict.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: verdict.reason }));
      return;
    }
    if ('sslCheck' in verdict) {
      res.writeHead(200);
      res.end();
      return;
    }
    // Bolt's bufferIncomingMessage takes a request that already carries rawBody as read.
    Object.assign(req, { rawBody: verdict.rawBody });
    route(bolt, req, res);
  };

  return {
    init: (app: App) => bolt.init(app),
    start: (port: number) =>
      new Promise<Server>((resolve, reject) => {
        const srv = createServer((req, res) => {
          handle(req, res).catch((err: unknown) => {
            log.error({ err }, 'request handling failed');
            if (!res.headersSent) res.writeHead(500);
            res.end();
          });
        });
        // Slack sends small bodies quickly; a request trickling in is not Slack.
        srv.headersTimeout = 10_000;
        srv.requestTimeout = 15_000;
        srv.once('error', reject);
        srv.listen(port, () => {
          server = srv;
          resolve(srv);
        });
      }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if (!server) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        server = undefined;
      }),
  };
}

/** Bolt's routing (events, custom routes); an unknown path throws, which is a 404. */
function route(bolt: HTTPReceiver, req: IncomingMessage, res: ServerResponse): void {
  try {
    bolt.requestListener(req, res);
  } catch {
    res.writeHead(404);
    res.end();
  }
}
