/** Checks across runbook sections: placeholders vs params, step hosts vs environments, health use. */

import { hasMarkerSyntax } from '../domain/secrets.js';
import {
  BUILTIN_PLACEHOLDERS,
  findPlaceholders,
  hasMalformedPlaceholder,
  isBuiltin,
} from './placeholders.js';
import { editDistance } from './primitives.js';
import { queryStepIssues, secretParams } from './query-refs.js';
import { quotedPlaceholders } from './shell-context.js';

export type IssuePath = (string | number)[];
export interface RefIssue {
  path: IssuePath;
  message: string;
  /** Point at the key rather than its value. */
  atKey?: boolean;
}

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const entriesOf = (v: unknown): [string, unknown][] => (isRecord(v) ? Object.entries(v) : []);

/** Reads the raw YAML data defensively, so these report even when another part fails the schema. */
export function crossReferenceIssues(raw: unknown): RefIssue[] {
  if (!isRecord(raw)) return [];
  const issues: RefIssue[] = [];
  const declared = entriesOf(raw.params).map(([name]) => name);
  for (const name of declared) {
    if (isBuiltin(name))
      issues.push({ path: ['params', name], atKey: true, message: `"${name}" is a built-in name` });
  }
  const template = (value: unknown, path: IssuePath) => {
    if (typeof value === 'string') issues.push(...templateIssues(value, path, declared));
  };
  const expectJson = (expect: unknown, path: IssuePath) => {
    const json = isRecord(expect) ? expect.json : undefined;
    for (const [key, value] of entriesOf(json)) template(value, [...path, 'json', key]);
  };

  if (isRecord(raw.health)) {
    template(raw.health.url, ['health', 'url']);
    expectJson(raw.health.expect, ['health', 'expect']);
  }
  const knownHosts = new Set<string>();
  for (const [, env] of entriesOf(raw.environments)) {
    const hosts = isRecord(env) && Array.isArray(env.hosts) ? env.hosts : [];
    for (const host of hosts) if (isRecord(host) && typeof host.name === 'string') knownHosts.add(host.name);
  }
  const hasApprovers = Array.isArray(raw.approvers) && raw.approvers.length > 0;

  for (const [levelKey, level] of entriesOf(raw.levels)) {
    if (!isRecord(level)) continue;
    const at: IssuePath = ['levels', levelKey];
    if (!hasApprovers && needsApprovals(level.approvals)) {
      issues.push({
        path: [...at, 'approvals'],
        message: 'approvals are required but the runbook lists no approvers',
      });
    }
    const steps = Array.isArray(level.steps) ? level.steps : [];
    steps.forEach((step: unknown, i) => {
      if (!isRecord(step)) return;
      const sp: IssuePath = [...at, 'steps', i];
      template(step.name, [...sp, 'name']);
      template(step.confirm, [...sp, 'confirm']);
      if (typeof step.run === 'string') {
        template(step.run, [...sp, 'run']);
        for (const { name, where } of quotedPlaceholders(step.run)) {
          const message = `{{${name}}} is inside ${where}; put it outside quotes (rollbot shell-quotes every value itself)`;
          issues.push({ path: [...sp, 'run'], message });
        }
      }
      if (Array.isArray(step.local)) {
        step.local.forEach((arg: unknown, j) => {
          template(arg, [...sp, 'local', j]);
        });
      }
      for (const kind of ['check', 'monitor'] as const) {
        const probe = step[kind];
        if (probe === 'health' && raw.health === undefined) {
          issues.push({
            path: [...sp, kind],
            message: `"${kind}: health" needs a health section in the runbook`,
          });
        }
        if (isRecord(probe)) {
          template(probe.url, [...sp, kind, 'url']);
          expectJson(probe.expect, [...sp, kind, 'expect']);
        }
      }
      if (typeof step.query === 'string' || typeof step.prometheus === 'string') {
        for (const key of ['query', 'prometheus'] as const) template(step[key], [...sp, key]);
        issues.push(...queryStepIssues(step, sp, secretParams(raw.params)));
      }
      if (isRecord(step.expect)) expectJson(step.expect, [...sp, 'expect']);
      if (Array.isArray(step.hosts)) {
        step.hosts.forEach((host: unknown, j) => {
          if (typeof host === 'string' && !knownHosts.has(host)) {
            const known = [...knownHosts].join(', ') || 'none';
            issues.push({
              path: [...sp, 'hosts', j],
              message: `no environment defines host "${host}" (hosts: ${known})`,
            });
          }
        });
      }
    });
  }
  return issues;
}

function needsApprovals(approvals: unknown): boolean {
  if (typeof approvals === 'number') return approvals > 0;
  return entriesOf(approvals).some(([, n]) => typeof n === 'number' && n > 0);
}

function templateIssues(text: string, path: IssuePath, declared: string[]): RefIssue[] {
  const issues: RefIssue[] = [];
  if (hasMarkerSyntax(text)) {
    // Plans mark where a secret's value goes with these brackets; a runbook cannot forge one.
    issues.push({ path, message: 'the characters ⟦ and ⟧ are reserved for rollbot' });
  }
  if (hasMalformedPlaceholder(text)) {
    issues.push({
      path,
      message: 'malformed placeholder: write {{ name }} (letters, digits, "_", "-", ".")',
    });
  }
  const reported = new Set<string>();
  for (const { name } of findPlaceholders(text)) {
    if (isBuiltin(name) || declared.includes(name) || reported.has(name)) continue;
    reported.add(name);
    issues.push({ path, message: unknownPlaceholderMessage(name, declared) });
  }
  return issues;
}

function unknownPlaceholderMessage(name: string, declared: string[]): string {
  const candidates = [...declared, ...BUILTIN_PLACEHOLDERS];
  const close = candidates.find((c) => editDistance(c, name) <= 2);
  const hint = close ? `; did you mean {{${close}}}?` : '';
  // Dotted names can only be built-ins, so list those instead of the params.
  const known = name.includes('.')
    ? `built-in: ${BUILTIN_PLACEHOLDERS.join(', ')}`
    : `declared: ${declared.length > 0 ? declared.join(', ') : 'none'}`;
  return `Unknown param {{${name}}} (${known})${hint}`;
}
