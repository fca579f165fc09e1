/**
 * rollbot's HTTP receiver for Bolt. Every POST to /slack/events passes the request guard (see
 * http-guard.ts), which verifies, checks and parses the body once; the parsed body goes straight to
 * the app with an ack that answers the HTTP request. GET /healthz and the other custom routes are
 * matched here too. Bolt's own HTTPReceiver would read, verify and parse every body a second time.
 *
 * What it keeps from Bolt's HTTPReceiver: ack() answers 200 (empty, text, or JSON), a second ack()
 * throws, a request no listener acknowledges within 3 s gets a 404 and an error in the log, an error
 * before the ack is a 500, Slack's retry headers reach the listeners as `context.retryNum`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type App, type CustomRoute, type Receiver, ReceiverMultipleAckError } from '@slack/bolt';
import { lingerThenClose } from '../http/linger.js';
import { compileRoute } from '../http/route-match.js';
import type { Logger } from '../logger.js';
import { createRequestGuard } from './http-guard.js';

export const EVENTS_PATH = '/slack/events';
/** Bolt's: Slack gives up on an unacknowledged request after 3 s. */
const UNACKED_MS = 3001;

export interface GuardedReceiverOptions {
  signingSecret: string;
  customRoutes: CustomRoute[];
  logger: Logger;
  now?: () => number;
  /** How long a request may wait for its ack (tests shorten it); Slack's limit is 3 s. */
  unackedMs?: number;
  /** The shared replay cache (the store); see http-guard.ts. */
  claimReplay?: (key: string, ttlMs: number) => Promise<boolean>;
}

export function createGuardedReceiver(options: GuardedReceiverOptions): Receiver {
  const guard = createRequestGuard({
    signingSecret: options.signingSecret,
    ...(options.now ? { now: options.now } : {}),
    ...(options.claimReplay ? { claimReplay: options.claimReplay } : {}),
  });
  const log = options.logger.child({ module: 'http-receiver' });
  const routes = options.customRoutes.map(compileRoute);
  let app: App | undefined;
  let server: Server | undefined;

  const handleEvent = async (req: IncomingMessage, res: ServerResponse) => {
    const verdict = await guard(req);
    if (!verdict.ok) {
      log.warn({ status: verdict.status, reason: verdict.reason }, 'refused a Slack request');
      // Unread body left behind (too large): drop the rest, bounded, so the answer arrives.
      if (!req.readableEnded) lingerThenClose(req);
      return send(res, verdict.status, { error: verdict.reason });
    }
    if ('sslCheck' in verdict) return send(res, 200);
    const { body } = verdict;
    if (body.type === 'url_verification') return send(res, 200, { challenge: body.challenge });
    if (!app) return send(res, 503, { error: 'not ready' });

    let acked = false;
    const unacked = setTimeout(() => {
      if (acked) return;
      log.error({ type: body.type ?? body.command }, 'a Slack request was not acknowledged within 3 s');
      if (!res.headersSent) send(res, 404);
    }, options.unackedMs ?? UNACKED_MS);
    const ack = async (response?: unknown) => {
      if (acked) throw new ReceiverMultipleAckError();
      acked = true;
      clearTimeout(unacked);
      if (!res.headersSent) sendAck(res, response);
    };
    try {
      await app.processEvent({
        body,
        ack,
        retryNum: retryHeader(req.headers['x-slack-retry-num']),
        retryReason: stringHeader(req.headers['x-slack-retry-reason']),
      });
    } catch (err) {
      clearTimeout(unacked);
      if (res.headersSent) {
        log.error({ err }, 'a Slack listener failed after its ack');
        return;
      }
      acked = true;
      log.error({ err }, 'a Slack listener failed before its ack');
      send(res, 500);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === EVENTS_PATH && method === 'POST') return handleEvent(req, res);
    for (const route of routes) {
      const params = route.match(path, method);
      if (params) return route.handler(Object.assign(req, { params }), res);
    }
    send(res, 404);
  };

  return {
    init: (boltApp: App) => {
      app = boltApp;
    },
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

/** What ack() sends, as Bolt does: nothing, a string as is, anything else as JSON. */
function sendAck(res: ServerResponse, response: unknown): void {
  if (!response) {
    res.writeHead(200);
    res.end();
  } else if (typeof response === 'string') {
    res.writeHead(200);
    res.end(response);
  } else send(res, 200, response);
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function retryHeader(value: string | string[] | undefined): number | undefined {
  const n = Number.parseInt(stringHeader(value) ?? '', 10);
  return Number.isNaN(n) ? undefined : n;
}

function stringHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
