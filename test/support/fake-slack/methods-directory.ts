// auth.test, users.*, usergroups.users.list and apps.connections.open.
import { randomUUID } from 'node:crypto';
import { fail, type MethodSpec, str } from './method-kit.js';
import type { FakeUser, Json } from './types.js';
import type { Workspace } from './workspace.js';

function userJson(ws: Workspace, u: FakeUser): Json {
  return {
    id: u.id,
    team_id: ws.teamId,
    name: u.name,
    real_name: u.realName ?? u.name,
    deleted: false,
    is_bot: u.isBot ?? false,
    is_admin: false,
    tz: u.tz ?? 'Europe/Paris',
    profile: {
      display_name: u.name,
      real_name: u.realName ?? u.name,
      email: u.email ?? `${u.name}@example.com`,
      team: ws.teamId,
    },
  };
}

const authTest: MethodSpec = {
  token: 'bot',
  required: [],
  handle({ ws }) {
    return {
      ok: true,
      url: `https://${ws.teamDomain}.slack.com/`,
      team: ws.teamDomain,
      user: 'rollbot',
      team_id: ws.teamId,
      user_id: ws.botUserId,
      bot_id: ws.botId,
      is_enterprise_install: false,
    };
  },
};

const usersInfo: MethodSpec = {
  token: 'bot',
  required: ['user'],
  handle({ ws, args }) {
    const u = ws.users.get(String(args.user));
    return u ? { ok: true, user: userJson(ws, u) } : fail('user_not_found');
  },
};

const lookupByEmail: MethodSpec = {
  token: 'bot',
  required: ['email'],
  handle({ ws, args }) {
    const u = [...ws.users.values()].find((x) => (x.email ?? `${x.name}@example.com`) === args.email);
    return u ? { ok: true, user: userJson(ws, u) } : fail('users_not_found');
  },
};

const usergroupUsers: MethodSpec = {
  token: 'bot',
  required: ['usergroup'],
  handle({ ws, args }) {
    const users = ws.usergroups.get(String(args.usergroup));
    return users ? { ok: true, users: [...users] } : fail('no_such_subteam');
  },
};

/** Socket Mode: the app token buys a one-time WebSocket ticket. */
export function connectionsOpen(tickets: Set<string>, socketUrl: () => string): MethodSpec {
  return {
    token: 'app',
    required: [],
    handle({ ws }) {
      const ticket = randomUUID();
      tickets.add(ticket);
      return { ok: true, url: `${socketUrl()}?ticket=${ticket}&app_id=${str(ws.appId) ?? ''}` };
    },
  };
}

export const directoryMethods: Record<string, MethodSpec> = {
  'auth.test': authTest,
  'users.info': usersInfo,
  'users.lookupByEmail': lookupByEmail,
  'usergroups.users.list': usergroupUsers,
};
