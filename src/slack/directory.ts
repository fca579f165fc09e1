/** Expands runbook approvers (users and user groups) to user ids via usergroups.users.list. */
import type { Logger } from '../logger.js';
import type { Directory } from '../services/notifier.js';
import type { SlackSurface } from '../services/ports.js';

export function createDirectory(surface: Pick<SlackSurface, 'usergroupMembers'>, logger?: Logger): Directory {
  const lastKnown = new Map<string, string[]>();
  return {
    async members(ids) {
      const members = new Set<string>();
      for (const id of ids) {
        if (!id.startsWith('S')) {
          members.add(id);
          continue;
        }
        try {
          const users = await surface.usergroupMembers(id);
          lastKnown.set(id, users);
          for (const user of users) members.add(user);
        } catch (err) {
          // Slack's API can fail while its clicks still arrive: fall back to the last answer, and
          // without one count nobody from that group (a refusal, never a wrong approval).
          logger?.warn({ err, group: id }, 'user group lookup failed; using the last known members');
          for (const user of lastKnown.get(id) ?? []) members.add(user);
        }
      }
      return members;
    },
  };
}
