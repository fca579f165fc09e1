// Every Web API method the code calls, derived from the source, needs scopes manifest.yml grants;
// every scope manifest.yml asks for is needed by a call, an event or the slash command.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  EVENT_SCOPES,
  installationOf,
  METHOD_SCOPES,
  type ScopeRule,
  WIDENING_SCOPES,
} from '../support/fake-slack/index.js';

const ROOTS = ['src', 'commands', 'views'];

const FAMILIES =
  'admin|apps|assistant|auth|bookmarks|bots|calls|canvases|chat|conversations|dialog|dnd|emoji|files|' +
  'functions|migration|oauth|openid|pins|reactions|reminders|rtm|search|stars|team|usergroups|users|views|workflows';
/** A method name as a string: `'chat.postMessage'`, `"views.open"`, `new URL('views.open', …)`. */
const QUOTED = new RegExp(`['"\`]((?:${FAMILIES})\\.[A-Za-z0-9]+(?:\\.[A-Za-z0-9]+)*)['"\`]`, 'g');
/** A WebClient call: `client.views.update(`, `web.chat.postMessage(`, `app.client.files.uploadV2(`. */
const CLIENT_CALL = new RegExp(`\\b(?:client|web)\\.((?:${FAMILIES})(?:\\.[A-Za-z0-9]+)+)\\s*\\(`, 'g');
/** WebClient helpers that call several methods. */
const EXPANSIONS: Record<string, string[]> = {
  'files.uploadV2': ['files.getUploadURLExternal', 'files.completeUploadExternal'],
};

function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/\s\/\/\s.*$/gm, '');
}

/** The Web API methods named in one file's code. */
function methodsIn(source: string): Set<string> {
  const code = withoutComments(source);
  const found = new Set<string>();
  for (const re of [QUOTED, CLIENT_CALL])
    for (const m of code.matchAll(re)) for (const method of EXPANSIONS[m[1]!] ?? [m[1]!]) found.add(method);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function calledMethods(): Map<string, string[]> {
  const byMethod = new Map<string, string[]>();
  for (const file of ROOTS.flatMap(tsFiles))
    for (const method of methodsIn(readFileSync(file, 'utf8')))
      byMethod.set(method, [...(byMethod.get(method) ?? []), file]);
  return byMethod;
}

/** What rollbot needs of a rule: its incident channel may be public or private, never a DM. */
function needed(rule: ScopeRule): string[] {
  if (rule.kind === 'none') return [];
  if (rule.kind === 'all') return rule.scopes;
  return [rule.public, rule.private];
}

/** Every problem with a manifest for these methods (empty when it fits them exactly). */
function problems(manifestYaml: string, methods: Iterable<string>): string[] {
  const { scopes, botEvents } = installationOf(manifestYaml);
  const manifest = parse(manifestYaml) as { features?: { slash_commands?: unknown[] } };
  const out: string[] = [];
  const used = new Set<string>();
  for (const method of methods) {
    const rule = METHOD_SCOPES[method];
    if (!rule) {
      out.push(`${method}: unknown to the fake Slack's scope table (add its scopes from Slack's docs)`);
      continue;
    }
    for (const scope of needed(rule)) {
      used.add(scope);
      if (!scopes.includes(scope)) out.push(`${method} needs ${scope}, which manifest.yml does not grant`);
    }
    for (const [scope, widened] of Object.entries(WIDENING_SCOPES)) if (widened === method) used.add(scope);
  }
  for (const event of botEvents) {
    const eventScopes = EVENT_SCOPES[event];
    if (!eventScopes) out.push(`event ${event}: unknown to the fake Slack's event table`);
    for (const scope of eventScopes ?? []) {
      used.add(scope);
      if (!scopes.includes(scope))
        out.push(`event ${event} needs ${scope}, which manifest.yml does not grant`);
    }
  }
  if ((manifest.features?.slash_commands ?? []).length > 0) used.add('commands');
  for (const scope of scopes) if (!used.has(scope)) out.push(`${scope} is granted but nothing uses it`);
  return out;
}

describe('Slack scopes', () => {
  const manifestYaml = readFileSync('manifest.yml', 'utf8');
  const called = calledMethods();

  it('finds the Web API calls in the code (the scan is not blind)', () => {
    expect([...called.keys()]).toEqual(
      expect.arrayContaining([
        'auth.test',
        'chat.postMessage',
        'chat.update',
        'views.open',
        'views.update',
        'views.publish',
        'usergroups.users.list',
        'files.getUploadURLExternal',
        'files.completeUploadExternal',
        'conversations.list',
        'conversations.join',
      ]),
    );
  });

  it('manifest.yml grants every scope the calls and events need, and nothing more', () => {
    expect(problems(manifestYaml, called.keys())).toEqual([]);
  });

  it('catches a missing scope (the RCA upload without files:write) and an unused one', () => {
    const withoutFiles = manifestYaml.replace(/^\s*- files:write.*\n/m, '');
    expect(withoutFiles).not.toContain('files:write');
    expect(problems(withoutFiles, called.keys())).toEqual([
      'files.getUploadURLExternal needs files:write, which manifest.yml does not grant',
      'files.completeUploadExternal needs files:write, which manifest.yml does not grant',
    ]);
    const extra = manifestYaml.replace('      - commands', '      - users:read\n      - commands');
    expect(problems(extra, called.keys())).toEqual(['users:read is granted but nothing uses it']);
    expect(problems(manifestYaml, [...called.keys(), 'reactions.add'])).toEqual([
      "reactions.add: unknown to the fake Slack's scope table (add its scopes from Slack's docs)",
    ]);
  });

  it('reads method names from strings, URLs and WebClient calls, not from comments', () => {
    const code = [
      'await client.views.update({ view_id: id, view });',
      'await web.files.uploadV2({ channel_id: c, file });',
      "const url = new URL('views.open', apiUrl);",
      "api.call('chat.postMessage', args, 'delivery'); // 'reactions.add' in a comment",
      "/* 'pins.add' */ const label = 'views.open failed';",
    ].join('\n');
    expect([...methodsIn(code)].sort()).toEqual([
      'chat.postMessage',
      'files.completeUploadExternal',
      'files.getUploadURLExternal',
      'views.open',
      'views.update',
    ]);
  });
});
