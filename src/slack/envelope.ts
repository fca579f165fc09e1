/**
 * The outer shape of a signed body, checked and parsed once before Bolt's app sees it. Bolt crashes
 * on `null`, waits 3 s and answers 404 on arrays or unknown shapes, and 500s on a view_submission
 * without a view; a request that is not one of the shapes rollbot serves gets a 400 at once instead.
 */
import { z } from 'zod';

/** Slack's payloads nest about a dozen levels (rich text in blocks in a view); far more is hostile. */
export const MAX_JSON_DEPTH = 64;

const id = z.string().min(1).max(64);
const user = z.object({ id });
const interactive = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('block_actions'),
    user,
    actions: z
      .array(z.object({ action_id: z.string().min(1).max(255) }))
      .min(1)
      .max(25),
  }),
  z.object({ type: z.literal('view_submission'), user, view: z.object({ id, callback_id: z.string() }) }),
  z.object({ type: z.literal('view_closed'), user, view: z.object({ id, callback_id: z.string() }) }),
  // An external select asking for options (the service picker beyond 100 services).
  z.object({
    type: z.literal('block_suggestion'),
    user,
    action_id: z.string().min(1).max(255),
    value: z.string().max(2000),
  }),
]);
const slashCommand = z.object({
  command: z.string().regex(/^\/[\w-]{1,32}$/),
  user_id: id,
  channel_id: id,
  text: z.string().optional(),
});
const eventBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url_verification'), challenge: z.string().max(200) }),
  z.object({ type: z.literal('event_callback'), event: z.object({ type: z.string().min(1).max(100) }) }),
  z.object({ type: z.literal('app_rate_limited') }),
]);

export type BodyKind = 'form' | 'json';

/** A form body, parsed once: the slash command's fields, or `payload` holding an interaction's JSON. */
export type FormBody = Record<string, string | string[] | undefined>;

/** The body as Bolt's receivers hand it to the app, or why it is not a request rollbot serves. */
export type Envelope = { ok: true; body: Record<string, unknown> } | { ok: false; problem: string };

/** A signed JSON body (Events API): checked and parsed in one go. */
export function jsonEnvelope(text: string): Envelope {
  return parseJson(text, eventBody);
}

/** A signed form body: a slash command as is, an interaction as its parsed `payload`. */
export function formEnvelope(form: FormBody): Envelope {
  // Slack never repeats a key; querystring would make it an array no listener expects.
  if (Object.values(form).some((v) => typeof v !== 'string'))
    return { ok: false, problem: 'repeated form field' };
  if (form.payload !== undefined) return parseJson(String(form.payload), interactive);
  return slashCommand.safeParse(form).success
    ? { ok: true, body: form }
    : { ok: false, problem: 'not a slash command or an interaction' };
}

function parseJson(text: string, schema: z.ZodType): Envelope {
  if (jsonDepth(text) > MAX_JSON_DEPTH) return { ok: false, problem: 'nested too deeply' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'malformed JSON' };
  }
  return schema.safeParse(value).success
    ? { ok: true, body: value as Record<string, unknown> }
    : { ok: false, problem: 'not a request shape rollbot serves' };
}

/** How deep brackets nest in JSON text, outside strings: one pass, no recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return max;
}
