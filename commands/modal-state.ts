/** Parses the request modal's `view.state.values` and `private_metadata` with zod: no bare casts. */
import { z } from 'zod';
import { isSeverity, type Severity } from '../src/domain/severity.js';
import * as ids from '../views/ids.js';
import type { ModalPrefill } from '../views/modal.js';

const option = z.object({ value: z.string().max(200) }).nullish();
const element = z
  .object({
    type: z.string(),
    value: z.string().max(3000).nullish(),
    selected_option: option,
    selected_options: z
      .array(z.object({ value: z.string().max(200) }))
      .max(500)
      .nullish(),
  })
  .loose();
export const stateValuesSchema = z.record(z.string().max(255), z.record(z.string().max(255), element));
export type StateValues = z.infer<typeof stateValuesSchema>;

export const metadataSchema = z.object({
  channel: z.string().regex(/^[CGD][A-Z0-9]{2,30}$/),
  user: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
  /** When the slash command arrived (epoch ms): the start of the incident's timeline. */
  at: z.number().int().positive().optional(),
  /** The form is for a new run of this run's incident (Escalate): a higher level, same incident. */
  reopen: z
    .string()
    .regex(/^(INC|DRL)-\d{4}-\d{4,}-r\d{1,4}$/)
    .optional(),
});
export type ModalMetadata = z.infer<typeof metadataSchema>;

export function encodeMetadata(meta: ModalMetadata): string {
  return JSON.stringify(meta);
}

export function decodeMetadata(raw: string | undefined): ModalMetadata | undefined {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Whatever the user has filled in so far, as a prefill for re-rendering or for submission. */
export function prefillFromState(values: StateValues): ModalPrefill {
  const pick = (block: string, action: string) => {
    const el = values[block]?.[action];
    return el?.selected_option?.value ?? el?.value ?? undefined;
  };
  const severity = pick(ids.SEVERITY_BLOCK, ids.SEVERITY_RADIO);
  const level = pick(ids.LEVEL_BLOCK, ids.LEVEL_RADIO);
  const params: Record<string, string> = {};
  let hosts: string[] | undefined;
  for (const [blockId, actions] of Object.entries(values)) {
    const param = ids.paramNameOf(blockId);
    if (param !== undefined) {
      const el = actions[ids.PARAM_ACTION];
      const value = el?.selected_option?.value ?? el?.value;
      if (value !== undefined && value !== null && value !== '') params[param] = value;
    }
    if (blockId.startsWith(ids.HOSTS_BLOCK_PREFIX)) {
      hosts = actions[ids.HOSTS_SELECT]?.selected_options?.map((o) => o.value);
    }
  }
  const prefill: ModalPrefill = { params };
  const service = pick(ids.SERVICE_BLOCK, ids.SERVICE_SELECT);
  const env = pick(ids.ENV_BLOCK, ids.ENV_SELECT);
  const reason = pick(ids.REASON_BLOCK, ids.REASON_INPUT);
  const impact = pick(ids.IMPACT_BLOCK, ids.IMPACT_INPUT);
  if (service) prefill.service = service;
  if (env) prefill.env = env;
  if (severity && isSeverity(severity)) prefill.severity = severity as Severity;
  if (level && /^[123]$/.test(level)) prefill.level = Number(level);
  if (hosts) prefill.hosts = hosts;
  if (reason) prefill.reason = reason;
  if (impact) prefill.impact = impact;
  return prefill;
}

/** The hosts block id of the environment currently shown (it carries the env name). */
export function hostsBlockOf(values: StateValues): string | undefined {
  return Object.keys(values).find((id) => id.startsWith(ids.HOSTS_BLOCK_PREFIX));
}
