/** Text hygiene for the RCA draft: user text on one line, broadcasts neutralised, people named by id. */

const SPECIAL_MENTION_RE = /<!([^>]*)>/g;
const BROADCAST_RE = /@(channel|here|everyone)\b/gi;
const USER_ID_RE = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID_RE = /^S[A-Z0-9]{2,}$/;
const CHANNEL_ID_RE = /^[CG][A-Z0-9]{2,}$/;

/** Prompt for a human, in italics so an unedited draft is easy to spot. */
export function toFill(question: string): string {
  return `_To fill in: ${question}_`;
}

/**
 * `<!channel>`, `<!subteam^S1>` and bare `@here` must not notify anyone when the draft is posted in
 * Slack. `&lt;` renders as `<` both in Slack and in Markdown viewers, so the text still reads the same.
 */
export function neutralise(text: string): string {
  return text.replace(SPECIAL_MENTION_RE, '&lt;!$1&gt;').replace(BROADCAST_RE, '@\u200b$1');
}

/** User or recorded text as one line (a newline must not start a heading or a list), cut to `max`. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return neutralise(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

/** A table cell: one line, and `|` escaped so it cannot split the row. */
export function cell(text: string, max = 120): string {
  return oneLine(text, max).replaceAll('|', '\\|');
}

/**
 * A timeline actor: users become mentions (`<@U…>`); user groups are named without the
 * `<!subteam^…>` syntax so the draft never pings a whole group; `cli:<user>` is a terminal user.
 */
export function who(actor: string): string {
  if (USER_ID_RE.test(actor)) return `<@${actor}>`;
  if (GROUP_ID_RE.test(actor)) return `user group ${actor}`;
  if (actor.startsWith('cli:')) return `${oneLine(actor.slice(4), 60)} (terminal)`;
  return oneLine(actor, 60);
}

export function whoList(actors: readonly string[]): string {
  return actors.length === 0 ? 'nobody' : actors.map(who).join(', ');
}

export function channelRef(channel: string): string {
  return CHANNEL_ID_RE.test(channel) ? `<#${channel}>` : oneLine(channel, 60);
}
