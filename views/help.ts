/** `/rollback help` (the grammar from DESIGN §4, as the parser defines it) and the ephemeral error-with-usage reply. */
import { SLASH_USAGE } from '../src/domain/slash-grammar.js';
import { type EphemeralContent, fallback, section } from './blocks.js';
import { escapeFit, escapeMrkdwn } from './mrkdwn.js';

const LEVELS = '*Levels:* 1 Feature toggle (~2 min) → 2 Code rollback (~15 min) → 3 Full restore (~45 min)';
const SEVERITIES =
  '*Severity:* 🔴 critical = roll back now · 🟡 major = within 30 min · 🟢 minor = monitor, consider';
const EXAMPLE = 'Example: `/rollback mimo level=2 severity=critical reason="errors 8% since 14:02"`';

/** The usage lines, escaped: `<service>` must reach Slack as text, not as a link. */
const USAGE = escapeMrkdwn(SLASH_USAGE);

const HELP: EphemeralContent = {
  response_type: 'ephemeral',
  text: escapeMrkdwn(
    'How to use /rollback: /rollback <service> [level=1|2|3] …; the message lists every command',
  ),
  blocks: [
    section(`*Roll back a service from Slack*\n${USAGE}`),
    section(`${LEVELS}\n${SEVERITIES}\n${EXAMPLE}`),
  ],
};

/** The same message every time: built once. */
export function helpText(): EphemeralContent {
  return HELP;
}

/** A calm, specific error for bad command input, followed by the usage. `message` is escaped here. */
export function errorWithUsage(message: string): EphemeralContent {
  const safe = escapeFit(message, 1000);
  return {
    response_type: 'ephemeral',
    text: fallback(`⚠️ ${safe}`),
    blocks: [section(`⚠️ ${safe}\nNothing was run.`), section(`*Usage*\n${USAGE}`)],
  };
}
