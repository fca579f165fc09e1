/** Safe mrkdwn: escaping user text, mentions built only from valid ids, code blocks, Slack dates. */
import { truncateMrkdwn } from './limits.js';

const BROADCAST_RE = /@(channel|here|everyone)\b/gi;
const USER_ID_RE = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID_RE = /^S[A-Z0-9]{2,}$/;

/**
 * Escapes the three characters Slack treats as control sequences, so user text can never create a
 * mention (`<!channel>`, `<@U…>`) or a link; bare `@here`-style words get a zero-width space too.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replace(BROADCAST_RE, '@\u200b$1');
}

/** Escapes user text and fits it into `max` characters without cutting an entity in half. */
export function escapeFit(text: string, max: number): string {
  return truncateMrkdwn(escapeMrkdwn(text.length > max ? text.slice(0, max + 1) : text), max);
}

/** `<@U…>` for users, `<!subteam^S…>` for user groups; anything else is shown escaped, never as a mention. */
export function mention(id: string): string {
  if (USER_ID_RE.test(id)) return `<@${id}>`;
  if (GROUP_ID_RE.test(id)) return `<!subteam^${id}>`;
  return escapeMrkdwn(id);
}

export function mentions(ids: readonly string[], empty = 'nobody'): string {
  return ids.length === 0 ? empty : ids.map(mention).join(' ');
}

/** Inline code for short values (names, hashes); backticks inside are replaced so the span cannot end early. */
export function inlineCode(text: string): string {
  const safe = escapeMrkdwn(text.replaceAll('`', 'ˋ'));
  return `\`${safe === '' ? ' ' : safe}\``;
}

const FENCE = '```';

/** A fenced code block of escaped text that fits in `max` characters including the fences. */
export function codeBlock(text: string, max: number, keep: 'start' | 'end' = 'start'): string {
  const body = escapeMrkdwn(text.replaceAll(FENCE, 'ˋˋˋ'));
  const room = Math.max(max - FENCE.length * 2 - 2, 1);
  const fitted = keep === 'start' ? truncateMrkdwn(body, room) : keepEnd(body, room);
  return `${FENCE}\n${fitted === '' ? ' ' : fitted}\n${FENCE}`;
}

/** Keeps the end of escaped text, starting on a whole entity. */
function keepEnd(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let start = escaped.length - (max - 1);
  const amp = escaped.lastIndexOf('&', start - 1);
  const semi = amp >= 0 ? escaped.indexOf(';', amp) : -1;
  if (amp >= 0 && semi >= start && semi - amp <= 5) start = semi + 1;
  return `…${escaped.slice(start)}`;
}

/** A time every reader sees in their own timezone, with a UTC fallback for old clients and notifications. */
export function slackTime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const fallback = `${new Date(ms).toISOString().slice(11, 16)} UTC`;
  return `<!date^${seconds}^{time}|${fallback}>`;
}
