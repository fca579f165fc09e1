import { readFileSync } from 'node:fs';
import { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { register as registerApproval } from '../../commands/approval.js';
import type { ListenerDeps } from '../../commands/deps.js';
import { register as registerHome } from '../../commands/home.js';
import { register as registerModal } from '../../commands/modal.js';
import { register as registerRunControls } from '../../commands/run-controls.js';
import { register as registerServiceOptions } from '../../commands/service-options.js';
import { register as registerSlash } from '../../commands/slash.js';
import { register as registerThreadReplies } from '../../commands/thread-replies.js';
import * as ids from '../../views/ids.js';

/** Records what each register() asks Bolt to listen for, without starting anything. */
function registrations() {
  const seen = {
    commands: [] as string[],
    actions: [] as (string | RegExp)[],
    views: [] as string[],
    events: [] as string[],
    options: [] as unknown[],
  };
  const app = new App({ token: 'xoxb-unused', signingSecret: 'unused', tokenVerificationEnabled: false });
  app.command = ((name: string) => seen.commands.push(name)) as never;
  app.action = ((id: string | RegExp) => seen.actions.push(id)) as never;
  app.view = ((id: string) => seen.views.push(id)) as never;
  app.event = ((name: string) => seen.events.push(name)) as never;
  app.options = ((constraints: unknown) => seen.options.push(constraints)) as never;
  const deps = {} as ListenerDeps;
  const registers = [
    registerSlash,
    registerModal,
    registerApproval,
    registerRunControls,
    registerThreadReplies,
    registerHome,
    registerServiceOptions,
  ];
  for (const register of registers) register(app, deps);
  return seen;
}

describe('manifest.yml', () => {
  const manifest = parse(readFileSync('manifest.yml', 'utf8'));
  const seen = registrations();

  it('has a listener for every slash command and shortcut it declares', () => {
    const commands = (manifest.features.slash_commands as { command: string }[]).map((c) => c.command);
    expect(commands).toEqual(['/rollback']);
    for (const command of commands) expect(seen.commands).toContain(command);
    const shortcuts = (manifest.features.shortcuts ?? []) as { callback_id: string }[];
    for (const s of shortcuts) expect(seen.actions.concat(seen.views)).toContain(s.callback_id);
    // message.channels and message.groups both arrive as `message` events.
    const events = (manifest.settings.event_subscriptions?.bot_events ?? []) as string[];
    for (const event of events)
      expect(seen.events).toContain(event.startsWith('message.') ? 'message' : event);
    // And every event a listener waits for is one the app subscribes to.
    for (const event of seen.events)
      expect(
        events.some((e) => e === event || e.startsWith(`${event}.`)),
        event,
      ).toBe(true);
  });

  it('has exactly one listener for every button and modal the views can show, and none for anything else', () => {
    /** How many registered action listeners a click on `id` reaches (Bolt: exact string or RegExp). */
    const listeners = (id: string) =>
      seen.actions.filter((c) => (typeof c === 'string' ? c === id : c.test(id))).length;
    const buttons = [ids.APPROVE, ids.DENY, ids.ABORT, ids.RETRY_STEP, ids.ESCALATE, ids.RESOLVED];
    const selects = [
      ids.SERVICE_SELECT,
      ids.ENV_SELECT,
      ids.LEVEL_RADIO,
      ids.SEVERITY_RADIO,
      ids.HOSTS_SELECT,
    ];
    for (const id of [...buttons, ids.CONFIRM_CONTINUE, ids.CONFIRM_CANCEL, ...selects])
      expect(listeners(id), id).toBe(1);
    for (const id of ['approved', 'xabort', 'abort ', ids.PARAM_ACTION, ''])
      expect(listeners(id), id).toBe(0);
    expect(seen.views).toEqual([ids.REQUEST_MODAL]);
    // The service search beyond 100 services (external_select → block_suggestion).
    expect(seen.options).toEqual([{ action_id: ids.SERVICE_SELECT }]);
  });

  it('is ready for Socket Mode with interactivity and a Home tab', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual([
      'message.channels',
      'message.groups',
      'app_home_opened',
    ]);
  });
});
