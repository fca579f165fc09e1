/**
 * The operational endpoints (DESIGN §4): health, Prometheus metrics, versions a deploy pipeline must
 * refuse. They listen on ROLLBOT_OPS_PORT when it is set, else beside Slack's events on PORT.
 */
import type { ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';

export interface OpsHandlers {
  blocked(service: string): readonly string[] | Promise<readonly string[]>;
  metrics(): Promise<{ contentType: string; body: string }>;
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
      path: '/blocked/:service',
      method: ['GET'],
      handler: (req, res) => {
        const service = String(req.params?.service ?? '');
        if (!/^[a-z0-9-]{1,64}$/.test(service)) return json(res, 400, { error: 'invalid service name' });
        Promise.resolve(handlers.blocked(service)).then(
          (blocked) => json(res, 200, { service, blocked }),
          () => json(res, 500, { error: 'store unavailable' }),
        );
      },
    },
  ];
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
