/** Argument parsing for the CLI: util.parseArgs plus the shared flags, with usage errors as values. */
import { parseArgs } from 'node:util';
import { isSeverity, type Severity } from '../domain/severity.js';

export class UsageError extends Error {}

export const USAGE = `rollbot — rollbacks from runbooks, over SSH, with an audit timeline

  rollbot serve                                   start the Slack bot (needs SLACK_* variables)
  rollbot validate [--dir runbooks]               lint runbooks; non-zero exit on any error
  rollbot plan <service> --level N [--env E] [--set k=v]... [--hosts a,b] [--json]
  rollbot run <service> --level N --severity S --reason TEXT [--env E] [--set k=v]... [--hosts a,b] [--yes]
  rollbot drill <service> --level N [--env E] [--set k=v]...
  rollbot history [service] [--json]
  rollbot timeline <incident-id> [--json]
  rollbot rca <incident-id> [--out FILE]         RCA draft (Markdown) from the timeline
  rollbot audit verify [incident-id] [--head H]  check the timeline's chain (and that H is still in it)
  rollbot deploys record <service> <version> [--env E] [--commit SHA] [--url URL]
  rollbot deploys [service] [--json]              deploys pipelines reported
  rollbot check-deploy <service> <version> [--env E]   exit 0 allowed, 1 blocked (names the incident)
  rollbot db copy --from <sqlite file> --to <postgres url>   move an embedded store onto PostgreSQL

Exit codes: 0 ok, 1 run failed or aborted, 2 bad input or configuration.`;

const OPTIONS = {
  dir: { type: 'string' },
  level: { type: 'string' },
  env: { type: 'string' },
  set: { type: 'string', multiple: true },
  hosts: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  severity: { type: 'string' },
  reason: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  head: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  commit: { type: 'string' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ParsedArgs = ReturnType<typeof parse>;

export function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function levelOf(value: string | undefined): number {
  if (value === undefined) throw new UsageError('--level is required (1, 2 or 3)');
  if (!/^[123]$/.test(value)) throw new UsageError(`--level must be 1, 2 or 3, got "${value}"`);
  return Number(value);
}

export function severityOf(value: string | undefined): Severity {
  if (value === undefined) throw new UsageError('--severity is required (critical, major or minor)');
  const lower = value.toLowerCase();
  if (!isSeverity(lower)) throw new UsageError(`--severity must be critical, major or minor, got "${value}"`);
  return lower;
}

export function paramsOf(sets: string[] | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const assignment of sets ?? []) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects name=value, got "${assignment}"`);
    const name = assignment.slice(0, eq);
    if (name in params) throw new UsageError(`--set ${name} given twice`);
    params[name] = assignment.slice(eq + 1);
  }
  return params;
}

export function hostsOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const hosts = value
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (hosts.length === 0) throw new UsageError('--hosts needs at least one host name');
  return hosts;
}

export function onePositional(positionals: string[], what: string, required = true): string | undefined {
  if (positionals.length > 1) throw new UsageError(`expected one ${what}, got: ${positionals.join(' ')}`);
  if (required && positionals.length === 0) throw new UsageError(`missing ${what}`);
  return positionals[0];
}
