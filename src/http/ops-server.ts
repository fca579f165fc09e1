/**
 * The operational endpoints on their own port (ROLLBOT_OPS_PORT), so the port that faces Slack (and
 * the internet, in HTTP mode) serves nothing but Slack's events. In Socket Mode this is the only
 * port rollbot listens on.
 */
import { createServer, type Server } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { json } from './ops-routes.js';
import { compileRoute } from './route-match.js';

export interface OpsServer {
  stop(): Promise<void>;
}

/** `variable` names the setting the port came from, for the one-line error when it is taken. */
export function startOpsServer(opts: {
  port: number;
  variable: string;
  routes: CustomRoute[];
  logger: Logger;
}): Promise<OpsServer> {
  const routes = opts.routes.map(compileRoute);
  const log = opts.logger.child({ module: 'ops-http' });
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    for (const route of routes) {
      const params = route.match(path, method);
      if (params) {
        try {
          route.handler(Object.assign(req, { params }), res);
        } catch (err) {
          log.error({ err, path }, 'an operational endpoint failed');
          if (!res.headersSent) json(res, 500, { error: 'internal error' });
        }
        return;
      }
    }
    json(res, 404, { error: 'not found' });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new ConfigError(`${opts.variable}: port ${opts.port} is already in use; choose another port.`)
          : err,
      );
    });
    server.listen(opts.port, () => {
      resolve({
        stop: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
