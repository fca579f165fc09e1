/** Every callback_id, action_id and block_id rollbot's views use, and the ids-only button value format. */
import { BUTTON_VALUE_MAX } from './limits.js';

// Request modal: callback and one block per field; each input block holds one element.
export const REQUEST_MODAL = 'rollback_request';
export const SERVICE_BLOCK = 'service';
export const SERVICE_SELECT = 'service_select';
export const ENV_BLOCK = 'env';
export const ENV_SELECT = 'env_select';
export const SEVERITY_BLOCK = 'severity';
export const SEVERITY_RADIO = 'severity_radio';
export const SEVERITY_CRITERIA_BLOCK = 'severity_criteria';
export const LEVEL_BLOCK = 'level';
export const LEVEL_RADIO = 'level_radio';
/**
 * Hosts live in block `hosts:<env>`: a new block id per environment makes Slack drop the previous
 * environment's selection when the modal is re-rendered (same ids would carry it over).
 */
export const HOSTS_BLOCK_PREFIX = 'hosts:';
export const HOSTS_SELECT = 'hosts_select';
export const REASON_BLOCK = 'reason';
export const REASON_INPUT = 'reason_input';
export const IMPACT_BLOCK = 'impact';
export const IMPACT_INPUT = 'impact_input';
/**
 * The plan summary lives in block `plan_preview:<hash prefix>`: the submit listener compares it with
 * the plan the submitted choices give, so nothing runs from a form that showed another plan.
 */
export const PLAN_PREVIEW_PREFIX = 'plan_preview:';
/** Param inputs live in block `param:<name>`, each with the action id PARAM_ACTION. */
export const PARAM_BLOCK_PREFIX = 'param:';
export const PARAM_ACTION = 'value';

// Resolve modal (the Resolved button): what the resolution message and the RCA say.
export const RESOLVE_MODAL = 'resolve_incident';
export const ROOT_CAUSE_BLOCK = 'root_cause';
export const ROOT_CAUSE_INPUT = 'root_cause_input';
export const RESOLVE_IMPACT_BLOCK = 'resolve_impact';
export const RESOLVE_IMPACT_INPUT = 'resolve_impact_input';

// Message buttons (action ids) and the actions blocks that hold them.
export const APPROVE = 'approve';
export const DENY = 'deny';
export const ABORT = 'abort';
export const RETRY_STEP = 'retry_step';
export const ESCALATE = 'escalate';
export const RESOLVED = 'resolved';
export const TAKE_OWNERSHIP = 'take_ownership';
export const CONFIRM_CONTINUE = 'confirm_continue';
export const CONFIRM_CANCEL = 'confirm_cancel';
export const APPROVAL_ACTIONS_BLOCK = 'approval_actions';
export const PROGRESS_ACTIONS_BLOCK = 'progress_actions';
export const ROOT_ACTIONS_BLOCK = 'root_actions';

export function planPreviewBlockId(planHash: string): string {
  return `${PLAN_PREVIEW_PREFIX}${planHash.slice(0, 16)}`;
}

export function hostsBlockId(env: string): string {
  return `${HOSTS_BLOCK_PREFIX}${env}`;
}

export function paramBlockId(name: string): string {
  return `${PARAM_BLOCK_PREFIX}${name}`;
}

/** The param name of a `param:<name>` block id, or undefined for any other block. */
export function paramNameOf(blockId: string): string | undefined {
  if (!blockId.startsWith(PARAM_BLOCK_PREFIX)) return undefined;
  const name = blockId.slice(PARAM_BLOCK_PREFIX.length);
  return name === '' ? undefined : name;
}

/**
 * What a button `value` carries: ids only, never text a person typed. The listener parses it back
 * with zod (`JSON.parse` then an object schema with these optional keys).
 */
export interface ActionValue {
  runId: string;
  planHash?: string;
  stepIndex?: number;
  /** The level an Escalate button asks for. */
  level?: number;
}

/** Encodes an ActionValue as compact JSON; throws if ids ever grew past Slack's value limit (a bug). */
export function encodeActionValue(value: ActionValue): string {
  const encoded = JSON.stringify({
    runId: value.runId,
    planHash: value.planHash,
    stepIndex: value.stepIndex,
    level: value.level,
  });
  if (encoded.length > BUTTON_VALUE_MAX) {
    throw new RangeError(`button value is ${encoded.length} characters (max ${BUTTON_VALUE_MAX})`);
  }
  return encoded;
}
