/** Load-time checks of a query step's placeholders: where they stand, and which values may fill them. */
import { findPlaceholders, HOST_PLACEHOLDERS } from './placeholders.js';
import { misplacedQueryPlaceholders } from './promql-context.js';
import type { IssuePath, RefIssue } from './refs.js';

type Raw = Record<string, unknown>;

/** Names of params declared `secret: true`, read defensively from raw YAML data. */
export function secretParams(params: unknown): Set<string> {
  if (typeof params !== 'object' || params === null) return new Set();
  const entries = Object.entries(params as Raw);
  return new Set(entries.filter(([, p]) => (p as Raw | null)?.secret === true).map(([name]) => name));
}

/**
 * A query step runs once per run, so host placeholders have no value; a secret has no business in a
 * query or URL that the plan shows (and the client sends no credentials); and a value outside a
 * double-quoted string would be PromQL.
 */
export function queryStepIssues(step: Raw, at: IssuePath, secrets: ReadonlySet<string>): RefIssue[] {
  const issues: RefIssue[] = [];
  for (const key of ['query', 'prometheus'] as const) {
    const text = step[key];
    if (typeof text !== 'string') continue;
    const path = [...at, key];
    for (const { name } of findPlaceholders(text)) {
      if (HOST_PLACEHOLDERS.includes(name)) {
        issues.push({
          path,
          message: `{{${name}}} has no value here: a query step runs once per run, not per host`,
        });
      } else if (secrets.has(name)) {
        issues.push({
          path,
          message: `{{${name}}} is a secret param; a query and its URL are shown in the plan`,
        });
      }
    }
    if (key !== 'query') continue;
    for (const { name, where } of misplacedQueryPlaceholders(text)) {
      const message = `{{${name}}} stands in ${where}; in a query a value may only stand inside a "double-quoted" label value, where rollbot escapes it`;
      issues.push({ path, message });
    }
  }
  return issues;
}
