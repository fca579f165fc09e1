/** The plan hash approvals bind to: sha256 over canonical JSON of the plan's display form. */
import { createHash } from 'node:crypto';
import type { HostRef, PlannedStep, Strategy } from '../domain/plan.js';
import type { SecretRef } from '../domain/secrets.js';

export interface HashedPlanForm {
  service: string;
  env: string;
  level: number;
  hosts: HostRef[];
  strategy: Strategy;
  /** Display values: secrets are SECRET_MASK, so the hash never depends on them. */
  params: Record<string, string>;
  /** Steps in display form (secret markers masked), with PLACEHOLDER_IDS for the run and incident ids. */
  steps: PlannedStep[];
  /** Where each secret is read: a changed source is a changed plan. */
  secrets: SecretRef[];
}

export function planHash(form: HashedPlanForm): string {
  return createHash('sha256').update(canonicalJson(form)).digest('hex');
}

/** JSON with object keys sorted at every depth, so equal plans give equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}
