/** How many approvals a request needs: the one rule for runs, drills, retries and escalations. */
import type { Severity } from '../domain/severity.js';
import { getLevel, type Runbook } from './schema.js';

export interface ApprovalQuestion {
  level: number;
  severity: Severity;
  env: string;
  drill: boolean;
}

/**
 * The level's approvals for the severity. A drill is a rehearsal: it needs none only on an
 * environment the runbook marks `drill: true`; anywhere else it needs exactly what a real run
 * there needs (a drill "on production" is a production change). Throws for a level the runbook
 * lacks: render the plan first.
 */
export function approvalsNeeded(runbook: Runbook, q: ApprovalQuestion): number {
  const approvals = getLevel(runbook, q.level)?.approvals;
  if (approvals === undefined) throw new Error(`${runbook.service} has no level ${q.level}`);
  if (q.drill && runbook.environments[q.env]?.drill === true) return 0;
  return typeof approvals === 'number' ? approvals : approvals[q.severity];
}
