/** The /rollback request modal: service, environment, severity with its criteria, level, params, hosts, reason. */
import type { KnownBlock, ModalView } from '@slack/types';
import type { Severity } from '../src/domain/severity.js';
import { referencedParams } from '../src/runbooks/plan-params.js';
import { stepsFor } from '../src/runbooks/plan-steps.js';
import type { Runbook, RunbookLevel } from '../src/runbooks/schema.js';
import { context, plain, section } from './blocks.js';
import * as ids from './ids.js';
import { MODAL_BLOCKS_MAX, MODAL_BUTTON_MAX, PRIVATE_METADATA_MAX } from './limits.js';
import {
  envInput,
  hostsInput,
  impactInput,
  levelInput,
  levelNumbers,
  levelOf,
  pick,
  reasonInput,
  serviceInput,
  severityCriteria,
  severityInput,
} from './modal-fields.js';
import { paramInputs } from './modal-params.js';
import { type ModalPreview, planSummary, submitLabel } from './modal-plan.js';

export { REASON_MAX } from './modal-fields.js';
export type { ModalPreview } from './modal-plan.js';

/** Values to show preselected, from the slash command text or the modal's previous state. */
export interface ModalPrefill {
  service?: string;
  env?: string;
  severity?: Severity;
  level?: number;
  params: Record<string, string>;
  hosts?: string[];
  reason?: string;
  /** Affected users / features (optional; shown in the incident and approval messages). */
  impact?: string;
}

export interface RequestModalInput {
  /** Every service with a runbook, in display order. */
  services: string[];
  /** The runbook of the selected service; undefined until one is picked. */
  runbook: Runbook | undefined;
  prefill: ModalPrefill;
  /** Ids only (channel id, requesting user), already encoded; at most 3000 characters. */
  privateMetadata: string;
  /**
   * The plan the current choices give and its approvals (undefined until the service, environment
   * and level are known): shown as the plan summary, and it decides the submit button's words.
   */
  preview?: ModalPreview;
  /** Shown above the plan summary, e.g. why the form is shown again instead of acted on. */
  notice?: string;
}

export function requestModal(input: RequestModalInput): ModalView {
  if (input.privateMetadata.length > PRIVATE_METADATA_MAX) {
    throw new RangeError(`private_metadata is ${input.privateMetadata.length} characters (max 3000)`);
  }
  const { runbook, prefill } = input;
  const blocks: KnownBlock[] = [serviceInput(input.services, runbook?.service ?? prefill.service)];
  if (runbook === undefined) {
    blocks.push(
      section('Pick the service to roll back. The form then shows its environments, levels and parameters.'),
    );
  } else {
    blocks.push(...runbookBlocks(runbook, prefill, input.preview, input.notice));
  }
  return {
    type: 'modal',
    callback_id: ids.REQUEST_MODAL,
    title: plain('Rollback'),
    // Says what the click does: roll back at once, or ask for approval (see modal-plan.ts).
    submit: plain(submitLabel(input.preview), MODAL_BUTTON_MAX),
    close: plain('Cancel'),
    private_metadata: input.privateMetadata,
    blocks,
  };
}

/** The modal's field errors, keyed by block id (e.g. `param:version`, `reason`). */
export function modalErrors(errors: Record<string, string>): {
  response_action: 'errors';
  errors: Record<string, string>;
} {
  return { response_action: 'errors', errors };
}

/** The environment the form shows: the one asked for, else production, else the first. */
export function envOf(runbook: Runbook, prefill: Pick<ModalPrefill, 'env'>): string {
  const envNames = Object.keys(runbook.environments);
  return pick(prefill.env, envNames) ?? pick('production', envNames) ?? envNames[0]!;
}

function runbookBlocks(
  runbook: Runbook,
  prefill: ModalPrefill,
  preview: ModalPreview | undefined,
  notice: string | undefined,
): KnownBlock[] {
  const envNames = Object.keys(runbook.environments);
  const env = envOf(runbook, prefill);
  const levelNumber = levelNumbers(runbook).find((n) => n === prefill.level);
  const fixed: KnownBlock[] = [
    envInput(envNames, env),
    severityCriteria(),
    severityInput(prefill.severity),
    levelInput(runbook, levelNumber),
  ];
  const tail: KnownBlock[] = [
    hostsInput(runbook, env, prefill.hosts),
    reasonInput(prefill.reason),
    impactInput(prefill.impact),
    ...planSummary(preview, notice),
  ];
  const level = levelNumber === undefined ? undefined : levelOf(runbook, levelNumber);
  const room = MODAL_BLOCKS_MAX - 1 - fixed.length - tail.length;
  const params =
    level === undefined
      ? [context('Pick a level to see the parameters it needs.')]
      : paramInputs(runbook, levelParams(runbook, level, env), prefill.params, room);
  return [...fixed, ...params, ...tail];
}

/** Loaded runbooks never change (a reload builds new objects), so each answer is kept. */
const paramsOfLevel = new WeakMap<RunbookLevel, Map<string, readonly string[]>>();

/**
 * The params a level's steps use on an environment's hosts, in the order the runbook declares
 * them: a step limited to hosts the environment lacks asks for nothing (see stepsFor).
 */
export function levelParams(runbook: Runbook, level: RunbookLevel, env: string): readonly string[] {
  let byEnv = paramsOfLevel.get(level);
  if (!byEnv) {
    byEnv = new Map();
    paramsOfLevel.set(level, byEnv);
  }
  let names = byEnv.get(env);
  if (!names) {
    const hosts = (runbook.environments[env]?.hosts ?? []).map((h) => h.name);
    const used = referencedParams(runbook, stepsFor(level.steps, hosts));
    names = Object.keys(runbook.params).filter((name) => used.has(name));
    byEnv.set(env, names);
  }
  return names;
}
