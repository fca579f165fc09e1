/** The `/rollback` grammar (DESIGN §4): slash text in, a typed command or a clear error out. */
import { z } from 'zod';
import { controlCharProblem } from './control-chars.js';
import { isSeverity, type Severity } from './severity.js';

export type SlashCommand =
  | { kind: 'modal' }
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'history'; service?: string }
  | { kind: 'rca'; incidentId: string }
  | { kind: 'note'; incidentId: string; text: string }
  | { kind: 'unblock'; service: string; version: string }
  | { kind: 'drill'; service: string; level: number; env: string; params: Record<string, string> }
  | {
      kind: 'request';
      service: string;
      level?: number;
      severity?: Severity;
      env?: string;
      params: Record<string, string>;
      hosts?: string[];
      reason?: string;
      /** Affected users / features (seed 002), prefilled into the form's optional field. */
      impact?: string;
    };

export type SlashParse = { ok: true; command: SlashCommand } | { ok: false; message: string };

export const SLASH_USAGE = [
  '`/rollback` — open the rollback form',
  '`/rollback <service> [level=1|2|3] [severity=critical|major|minor] [env=<env>] [<param>=<value> ...] [hosts=a,b] [reason="free text"] [impact="who is affected"]` — open the form, prefilled',
  '`/rollback drill <service> level=N [env=staging]` — rehearse a rollback (no incident page)',
  '`/rollback status` — active incidents and runs',
  '`/rollback history [service]` — last executions: date, by, level, result, duration',
  '`/rollback rca <INC-id>` — post the RCA draft into the incident thread',
  '`/rollback note <INC-id> <text>` — add context to the timeline',
  '`/rollback unblock <service> <version>` — lift a blocked version (approvers only)',
  '`/rollback help` — this help',
].join('\n');

const MAX_TEXT = 2000;
const SERVICE = /^[a-z0-9-]{1,64}$/;
const INCIDENT = /^(INC|DRL)-\d{4}-\d{4,}$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const VERSION = /^[A-Za-z0-9._+-]{1,100}$/;
const HOST = /^[A-Za-z0-9._-]{1,100}$/;
const RESERVED = new Set(['level', 'severity', 'env', 'hosts', 'reason', 'impact']);

const levelSchema = z.enum(['1', '2', '3'], { error: 'level must be 1, 2 or 3' }).transform(Number);

/** Slack escapes &, < and > in command text. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Some clients send typographic quotes where the user meant quote marks. */
function normalise(text: string): string {
  return unescapeSlack(text).replace(/[“”„]/g, '"').replace(/[‘’]/g, "'").trim();
}

/** `note <id> <free text>`: the text is kept as typed, not split into words or unquoted. */
const NOTE_RE = /^note(?:\s+(\S+)(?:\s+([\s\S]+))?)?$/i;

/** Splits on whitespace; "double" or 'single' quotes keep spaces (key="a b" is one token). */
export function tokenize(text: string): { ok: true; tokens: string[] } | { ok: false; message: string } {
  const tokens: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inToken = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote) return { ok: false, message: `unclosed ${quote} quote` };
  if (inToken) tokens.push(current);
  return { ok: true, tokens };
}

export function parseSlash(raw: string): SlashParse {
  if (raw.length > MAX_TEXT) return fail(`the command is longer than ${MAX_TEXT} characters`);
  // Before tokenizing: an apostrophe in a note ("it's the DB") is text, not an unclosed quote.
  const note = NOTE_RE.exec(unescapeSlack(raw).trim());
  if (note) {
    const problem = controlCharProblem(raw, 'note');
    return problem ? fail(problem) : parseNote(note[1], note[2]);
  }
  const split = tokenize(normalise(raw));
  if (!split.ok) return fail(split.message);
  // Text that reaches an operator's terminal later (reason, notes) must not carry terminal commands.
  const reason = split.tokens.find((t) => t.startsWith('reason='));
  const problem =
    (reason && controlCharProblem(reason.slice('reason='.length), 'reason')) ||
    controlCharProblem(raw, 'command');
  if (problem) return fail(problem);
  const [first, ...rest] = split.tokens;
  if (first === undefined) return ok({ kind: 'modal' });
  switch (first.toLowerCase()) {
    case 'help':
      return rest.length === 0 ? ok({ kind: 'help' }) : fail('`help` takes no arguments');
    case 'status':
      return rest.length === 0 ? ok({ kind: 'status' }) : fail('`status` takes no arguments');
    case 'history':
      return parseHistory(rest);
    case 'rca':
      return rest.length === 1 && INCIDENT.test(rest[0]!)
        ? ok({ kind: 'rca', incidentId: rest[0]! })
        : fail('usage: `/rollback rca INC-2026-0001`');
    case 'unblock':
      return rest.length === 2 && SERVICE.test(rest[0]!) && VERSION.test(rest[1]!)
        ? ok({ kind: 'unblock', service: rest[0]!, version: rest[1]! })
        : fail('usage: `/rollback unblock <service> <version>`');
    case 'drill':
      return parseDrill(rest);
    default:
      return parseRequest(first, rest);
  }
}

function parseHistory(rest: string[]): SlashParse {
  if (rest.length === 0) return ok({ kind: 'history' });
  if (rest.length === 1 && SERVICE.test(rest[0]!)) return ok({ kind: 'history', service: rest[0]! });
  return fail('usage: `/rollback history [service]`');
}

function parseNote(id: string | undefined, text: string | undefined): SlashParse {
  if (!id || !INCIDENT.test(id) || !text) return fail('usage: `/rollback note INC-2026-0001 <text>`');
  return ok({ kind: 'note', incidentId: id, text });
}

function parseDrill(rest: string[]): SlashParse {
  const [service, ...pairs] = rest;
  if (!service || !SERVICE.test(service))
    return fail('usage: `/rollback drill <service> level=N [env=staging]`');
  const kv = keyValues(pairs);
  if (!kv.ok) return kv;
  const { level, env, ...params } = kv.values;
  if (level === undefined) return fail('a drill needs `level=1|2|3`');
  const parsedLevel = levelSchema.safeParse(level);
  if (!parsedLevel.success) return fail('level must be 1, 2 or 3');
  for (const key of ['severity', 'hosts', 'reason', 'impact'])
    if (key in params) return fail(`\`${key}\` is not used by drills`);
  return ok({ kind: 'drill', service, level: parsedLevel.data, env: env ?? 'staging', params });
}

function parseRequest(service: string, pairs: string[]): SlashParse {
  if (!SERVICE.test(service)) {
    return fail(
      `"${service.slice(0, 40)}" is not a command or a service name (lowercase letters, digits and -)`,
    );
  }
  const kv = keyValues(pairs);
  if (!kv.ok) return kv;
  const { level, severity, env, hosts, reason, impact, ...params } = kv.values;
  const command: Extract<SlashCommand, { kind: 'request' }> = { kind: 'request', service, params };
  if (level !== undefined) {
    const parsed = levelSchema.safeParse(level);
    if (!parsed.success) return fail('level must be 1, 2 or 3');
    command.level = parsed.data;
  }
  if (severity !== undefined) {
    const lower = severity.toLowerCase();
    if (!isSeverity(lower)) return fail('severity must be critical, major or minor');
    command.severity = lower;
  }
  if (env !== undefined) {
    if (!SERVICE.test(env)) return fail(`"${env.slice(0, 40)}" is not an environment name`);
    command.env = env;
  }
  if (hosts !== undefined) {
    const list = hosts.split(',').filter(Boolean);
    if (list.length === 0 || !list.every((h) => HOST.test(h)))
      return fail('hosts must be a comma-separated list of host names');
    command.hosts = list;
  }
  if (reason !== undefined) {
    if (reason.length > 500) return fail('reason is longer than 500 characters');
    command.reason = reason;
  }
  if (impact !== undefined) {
    if (impact.length > 500) return fail('impact is longer than 500 characters');
    command.impact = impact;
  }
  return ok(command);
}

function keyValues(
  pairs: string[],
): { ok: true; values: Record<string, string> } | { ok: false; message: string } {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return fail(`expected key=value, got "${pair.slice(0, 40)}"`);
    const key = pair.slice(0, eq);
    if (!KEY.test(key)) return fail(`"${key.slice(0, 40)}" is not a valid name`);
    if (Object.hasOwn(values, key)) return fail(`\`${key}\` is given twice`);
    if (!RESERVED.has(key) && key.startsWith('__')) return fail(`"${key}" is not a valid name`);
    values[key] = pair.slice(eq + 1);
  }
  return { ok: true, values };
}

function ok(command: SlashCommand): SlashParse {
  return { ok: true, command };
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
