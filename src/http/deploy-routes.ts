/**
 * The deploy pipeline's HTTP endpoints: `POST /deploys` (a bearer token, compared in constant time;
 * refused when none is configured) and the gate `GET /blocked/<service>/<version>` (200 allowed,
 * 409 blocked, with the incident that blocked it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Deploy, NewDeploy } from '../domain/records.js';
import type { Result } from '../domain/result.js';
import { lingerThenClose } from './linger.js';
import { json } from './ops-routes.js';

export interface DeployRouteDeps {
  /** ROLLBOT_DEPLOY_TOKEN; without it POST /deploys refuses every request. */
  token: string | undefined;
  record(report: NewDeploy): Promise<Result<{ deploy: Deploy }>>;
  check(
    service: string,
    version: string,
  ): Promise<
    | { allowed: true }
    | { allowed: false; blocked: { incidentId: string | null; by: string; blockedAt: number } }
  >;
}

const MAX_BODY = 16 * 1024;
const NAME_RE = /^[a-z0-9-]{1,64}$/;

const deploySchema = z.strictObject({
  service: z.string().regex(NAME_RE, 'lowercase letters, digits and "-"'),
  env: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an environment name')
    .default('production'),
  version: z.string().min(1).max(100),
  commit: z.string().max(64).optional(),
  url: z.string().max(2000).optional(),
});

export async function postDeploy(
  deps: DeployRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!deps.token) return json(res, 403, { error: 'deploy recording is off: set ROLLBOT_DEPLOY_TOKEN' });
  if (!bearerMatches(req.headers.authorization, deps.token)) {
    res.setHeader('www-authenticate', 'Bearer');
    return json(res, 401, { error: 'a valid Authorization: Bearer token is required' });
  }
  const body = await readJson(req);
  if (!body.ok) return json(res, body.status, { error: body.error });
  const parsed = deploySchema.safeParse(body.value);
  if (!parsed.success) {
    return json(res, 400, {
      error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    });
  }
  const recorded = await deps.record({ ...stripUndefined(parsed.data), by: 'pipeline' });
  if (!recorded.ok)
    return json(res, recorded.code === 'invalid_input' ? 400 : 404, { error: recorded.message });
  return json(res, 201, { recorded: recorded.deploy });
}

export async function getBlockedVersion(
  deps: DeployRouteDeps,
  service: string,
  version: string,
  res: ServerResponse,
): Promise<void> {
  if (!NAME_RE.test(service) || version.length === 0 || version.length > 100) {
    return json(res, 400, { error: 'invalid service or version' });
  }
  const verdict = await deps.check(service, version);
  if (verdict.allowed) return json(res, 200, { service, version, blocked: false });
  const { blocked } = verdict;
  return json(res, 409, {
    service,
    version,
    blocked: true,
    incident: blocked.incidentId,
    by: blocked.by,
    blockedAt: new Date(blocked.blockedAt).toISOString(),
  });
}

/** Constant time whatever the lengths: both sides are hashed first. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

function readJson(
  req: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; status: number; error: string }> {
  return new Promise((resolve) => {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      resolve({ ok: false, status: 415, error: 'send application/json' });
      lingerThenClose(req);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve({ ok: false, status: 413, error: 'body too large' });
        req.removeAllListeners('data');
        lingerThenClose(req);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch {
        resolve({ ok: false, status: 400, error: 'the body is not JSON' });
      }
    });
    req.on('error', () => resolve({ ok: false, status: 400, error: 'the body could not be read' }));
  });
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
