/** Button values carry ids only; parsed with zod because a client can send anything. */
import { z } from 'zod';

export const actionValueSchema = z.object({
  runId: z.string().regex(/^(INC|DRL)-\d{4}-\d{4,}-r\d{1,4}$/),
  planHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  stepIndex: z.number().int().min(0).max(1000).optional(),
  level: z.number().int().min(1).max(3).optional(),
});
export type ActionValue = z.infer<typeof actionValueSchema>;

const clickSchema = z.object({
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]{2,30}$/), team_id: z.string().optional() }),
  team: z.object({ id: z.string() }).nullish(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(2000).optional() })).min(1),
});

export interface Click {
  user: string;
  teamId: string;
  value: ActionValue;
}

export function parseClick(body: unknown): Click | undefined {
  const parsed = clickSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const raw = parsed.data.actions[0]?.value;
  let value: unknown;
  try {
    value = JSON.parse(raw ?? '');
  } catch {
    return undefined;
  }
  const checked = actionValueSchema.safeParse(value);
  if (!checked.success) return undefined;
  return { user: parsed.data.user.id, teamId: teamOf(parsed.data), value: checked.data };
}

/**
 * The clicking user's team and the payload's team must agree: when they differ the click is not
 * from this workspace alone, so both are reported ("T1/T2"), which matches no workspace.
 */
function teamOf(click: z.infer<typeof clickSchema>): string {
  const teams = new Set([click.user.team_id, click.team?.id].filter((t): t is string => Boolean(t)));
  return [...teams].join('/');
}

/**
 * One Bolt listener for a set of action ids. Bolt runs every listener's middleware chain on every
 * request that arrives, so a listener per set costs each request less than a listener per id.
 */
export function anyActionOf(ids: readonly string[]): RegExp {
  return new RegExp(`^(?:${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
}

/** The id of the (first) action in a block_actions payload. */
export function actionIdOf(body: unknown): string | undefined {
  const actions = (body as { actions?: { action_id?: unknown }[] }).actions;
  const id = Array.isArray(actions) ? actions[0]?.action_id : undefined;
  return typeof id === 'string' ? id : undefined;
}
