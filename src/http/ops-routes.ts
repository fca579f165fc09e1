/**
 * The operational endpoints (DESIGN §4): health, Prometheus metrics, versions a deploy pipeline must
 * refuse, and the deploy pipeline's own two (deploy-routes.ts). They listen on ROLLBOT_OPS_PORT when
 * it is set, else beside Slack's events on PORT.
 */
import type { ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import { type DeployRouteDeps, getBlockedVersion, postDeploy } from './deploy-routes.js';

export interface OpsHandlers {
  blocked(service: string): readonly string[] | Promise<readonly string[]>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** POST /deploys and the deploy gate. */
  deploys: DeployRouteDeps;
}

export function opsRoutes(handlers: OpsHandlers): CustomRoute[] {
  return [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => json(res, 200, { status: 'ok' }) },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        handlers.metrics().then(
          ({ contentType, body }) => {
            res.writeHead(200, { 'content-type': contentType });
            res.end(body);
          },
          () => json(res, 500, { error: 'metrics unavailable' }),
        );
      },
    },
    {
      path: '/blocked/:service/:version',
      method: ['GET'],
      handler: (req, res) => {
        const { service = '', version = '' } = req.params ?? {};
        getBlockedVersion(handlers.deploys, String(service), String(version), res).catch(() =>
          json(res, 503, { error: 'store unavailable' }),
        );
      },
    },
    {
      path: '/deploys',
      method: ['POST'],
      handler: (req, res) => {
        postDeploy(handlers.deploys, req, res).catch(() => json(res, 503, { error: 'store unavailable' }));
      },
    },
    {
      path: '/blocked/:service',
      method: ['GET'],
      handler: (req, res) => {
        const service = String(req.params?.service ?? '');
        if (!/^[a-z0-9-]{1,64}$/.test(service)) return json(res, 400, { error: 'invalid service name' });
        Promise.resolve(handlers.blocked(service)).then(
          (blocked) => json(res, 200, { service, blocked }),
          () => json(res, 503, { error: 'store unavailable' }),
        );
      },
    },
  ];
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
