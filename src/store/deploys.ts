/** Deploys pipelines report, and what they imply: the current version and the last known good one. */
import type { Deploy, NewDeploy } from '../domain/records.js';
import type { StoreContext } from './context.js';
import { appendEvent } from './timeline.js';

interface DeployDbRow {
  id: number;
  service: string;
  env: string;
  version: string;
  commit_sha: string | null;
  url: string | null;
  at: number;
  by: string;
}

export interface DeployRepo {
  /** Records a deploy (a pipeline's report), with its timeline event. */
  recordDeploy(deploy: NewDeploy): Promise<Deploy>;
  /** Newest first; one service (and environment) when given. */
  deploys(query?: { service?: string; env?: string; limit?: number }): Promise<Deploy[]>;
}

export function deployRepo(ctx: StoreContext): DeployRepo {
  const { db, clock } = ctx;
  return {
    recordDeploy: (deploy) =>
      db.transaction('write', async (tx) => {
        const at = clock.now();
        const row = await tx.get<DeployDbRow>(
          `INSERT INTO deploys (service, env, version, commit_sha, url, at, by) VALUES (?, ?, ?, ?, ?, ?, ?)
           RETURNING *`,
          [
            deploy.service,
            deploy.env,
            deploy.version,
            deploy.commit ?? null,
            deploy.url ?? null,
            at,
            deploy.by,
          ],
        );
        const { service, env, version } = deploy;
        await appendEvent(tx, ctx, {
          type: 'deploy.recorded',
          actor: deploy.by,
          data: { service, env, version, ...(deploy.commit ? { commit: deploy.commit } : {}) },
        });
        return toDeploy(row!);
      }),
    deploys: async ({ service, env, limit = 50 } = {}) => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (service !== undefined) {
        where.push('service = ?');
        params.push(service);
      }
      if (env !== undefined) {
        where.push('env = ?');
        params.push(env);
      }
      const rows = await db.all<DeployDbRow>(
        `SELECT * FROM deploys ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY at DESC, id DESC LIMIT ?`,
        [...params, limit],
      );
      return rows.map(toDeploy);
    },
  };
}

function toDeploy(r: DeployDbRow): Deploy {
  return {
    service: r.service,
    env: r.env,
    version: r.version,
    ...(r.commit_sha !== null ? { commit: r.commit_sha } : {}),
    ...(r.url !== null ? { url: r.url } : {}),
    at: r.at,
    by: r.by,
  };
}
