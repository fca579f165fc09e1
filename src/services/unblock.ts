/** `/rollback unblock <service> <version>`: approvers only; on the timeline. */
import { fail, type Result } from '../domain/result.js';
import type { Directory } from './notifier.js';
import type { RunbookCatalog } from './plans.js';
import type { Store } from './store-port.js';

export interface UnblockDeps {
  catalog: RunbookCatalog;
  directory: Directory;
  store: Pick<Store, 'unblockVersion' | 'appendTimeline'>;
}

export async function unblockVersion(
  deps: UnblockDeps,
  input: { user: string; service: string; version: string },
): Promise<Result<{ message: string }>> {
  const runbook = deps.catalog.get(input.service);
  if (!runbook) return fail('unknown_service', `Unknown service "${input.service}".`);
  const members = await deps.directory.members(runbook.approvers);
  if (!members.has(input.user)) {
    await deps.store.appendTimeline({
      type: 'approval.refused',
      actor: input.user,
      data: { action: 'unblock', service: input.service, version: input.version, code: 'not_authorized' },
    });
    return fail('not_authorized', `Only an approver of ${input.service} can unblock a version.`);
  }
  if (!(await deps.store.unblockVersion(input.service, input.version, input.user))) {
    return fail('not_found', `${input.service} ${input.version} is not blocked.`);
  }
  return { ok: true, message: `${input.service} ${input.version} is no longer blocked.` };
}
