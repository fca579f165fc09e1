/**
 * What rollbot knows of deploys (seed 004: "block the problematic version in CI/CD"; the RCA's time
 * from deploy to detection): pipelines report them; the form proposes the last known good version;
 * the deploy gate answers whether a version may go out.
 */
import type { BlockedVersion, Deploy, NewDeploy } from '../domain/records.js';
import { fail, type Result } from '../domain/result.js';
import type { RunbookCatalog } from './plans.js';
import type { Store } from './store-port.js';

export interface DeployDeps {
  catalog: RunbookCatalog;
  store: Pick<Store, 'recordDeploy' | 'deploys' | 'blockedVersions'>;
}

/** A deploy as a pipeline (POST /deploys) or `rollbot deploys record` reports it. */
export type DeployReport = NewDeploy;

const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;
const COMMIT_RE = /^[0-9a-fA-F]{7,64}$/;
const URL_RE = /^https?:\/\/\S{1,2000}$/;

/** Records a deploy of a service rollbot has a runbook for; bad input is refused, recording nothing. */
export async function recordDeploy(
  deps: DeployDeps,
  report: DeployReport,
): Promise<Result<{ deploy: Deploy }>> {
  const runbook = deps.catalog.get(report.service);
  if (!runbook) return fail('unknown_service', `No runbook for service "${report.service}".`);
  if (!Object.hasOwn(runbook.environments, report.env)) {
    return fail(
      'unknown_env',
      `${report.service} has no environment "${report.env}" (environments: ${Object.keys(runbook.environments).join(', ')}).`,
    );
  }
  if (!VERSION_RE.test(report.version))
    return fail('invalid_input', 'version: letters, digits, ".", "_", "+" and "-", at most 100.');
  if (report.commit !== undefined && !COMMIT_RE.test(report.commit))
    return fail('invalid_input', 'commit: a hex SHA (7 to 64 digits).');
  if (report.url !== undefined && !URL_RE.test(report.url))
    return fail('invalid_input', 'url: an http(s) URL.');
  // Shown in Slack and the CLI: a link that carries credentials is refused, not stored.
  if (report.url !== undefined && hasCredentials(report.url))
    return fail('invalid_input', 'url: a link without user name or password in it.');
  return { ok: true, deploy: await deps.store.recordDeploy(report) };
}

function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return true;
  }
}

export interface KnownGood {
  version: string;
  deployedAt: number;
  /** The version deployed now, which it would replace. */
  current: string;
}

/**
 * The last known good version: the latest deployed before the current one that is not blocked
 * (no resolved rollback moved off it) and is not the current one.
 */
export async function lastKnownGood(
  deps: DeployDeps,
  service: string,
  env: string,
): Promise<KnownGood | undefined> {
  const [deploys, blocked] = await Promise.all([
    deps.store.deploys({ service, env, limit: 200 }),
    deps.store.blockedVersions(service),
  ]);
  const current = deploys[0];
  if (!current) return undefined;
  const bad = new Set([current.version, ...blocked.map((b) => b.version)]);
  const good = deploys.slice(1).find((d) => !bad.has(d.version));
  return good ? { version: good.version, deployedAt: good.at, current: current.version } : undefined;
}

/** The deploy gate: a blocked version is refused, with the incident that blocked it. */
export async function checkDeploy(
  deps: DeployDeps,
  service: string,
  version: string,
): Promise<{ allowed: true } | { allowed: false; blocked: BlockedVersion }> {
  const blocked = (await deps.store.blockedVersions(service)).find((b) => b.version === version);
  return blocked ? { allowed: false, blocked } : { allowed: true };
}

/** When `version` of `service` was last deployed to `env` before `before` (for the incident and RCA). */
export async function deployedAt(
  deps: DeployDeps,
  query: { service: string; env: string; version: string; before: number },
): Promise<Deploy | undefined> {
  const deploys = await deps.store.deploys({ service: query.service, env: query.env, limit: 200 });
  return deploys.find((d) => d.version === query.version && d.at <= query.before);
}
