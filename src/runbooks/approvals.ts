/**
 * How many approvals a request needs. The coordinator is making this the ONE function runs, drills,
 * retries and escalations all ask (issue 10 item 1); until it lands, the request form uses this one,
 * with the same signature, so the button says what a submit will do.
 */
import type { Severity } from '../domain/severity.js';
import { approvalsRequired } from './plan.js';
import type { Runbook } from './schema.js';

export interface ApprovalQuestion {
  level: number;
  severity: Severity;
  env: string;
  drill: boolean;
}

/** The level's approvals at this severity; a drill on an environment marked `drill: true` needs none. */
export function approvalsNeeded(runbook: Runbook, request: ApprovalQuestion): number {
  if (request.drill && isDrillTarget(runbook, request.env)) return 0;
  return approvalsRequired(runbook, request.level, request.severity);
}

// `drill: true` on an environment is being added to the schema by another change; read it
// without assuming the field exists yet.
function isDrillTarget(runbook: Runbook, env: string): boolean {
  const environment = Object.hasOwn(runbook.environments, env) ? runbook.environments[env] : undefined;
  return environment !== undefined && 'drill' in environment && environment.drill === true;
}
