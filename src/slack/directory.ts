/** Expands runbook approvers (users and user groups) to user ids via usergroups.users.list. */
import type { SlackSurface } from '../services/ports.js';
import type { Directory } from '../services/slack/ports.js';

export function createDirectory(surface: Pick<SlackSurface, 'usergroupMembers'>): Directory {
  return {
    async members(ids) {
      const members = new Set<string>();
      for (const id of ids) {
        if (id.startsWith('S')) for (const user of await surface.usergroupMembers(id)) members.add(user);
        else members.add(id);
      }
      return members;
    },
  };
}
