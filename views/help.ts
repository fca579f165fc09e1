/** `/rollback help` (the grammar from DESIGN §4) and the ephemeral error-with-usage reply. */

import { type EphemeralContent, fallback, section } from './blocks.js';
import { codeBlock, escapeFit } from './mrkdwn.js';

export const USAGE = [
  '/rollback                                  open the form, nothing prefilled',
  '/rollback <service> [level=1|2|3] [severity=critical|major|minor] [env=<env>]',
  '          [<param>=<value> ...] [hosts=a,b] [reason="free text"]   form, prefilled',
  '/rollback drill <service> level=N [env=staging]   drill run (no incident page)',
  '/rollback status                           active incidents and runs',
  '/rollback history [service]                last executions: date, by, level, result, duration',
  '/rollback rca <INC-id>                     RCA draft into the incident thread',
  '/rollback note <INC-id> <text>             add context to the timeline',
  '/rollback unblock <service> <version>      lift a blocked version (approvers only)',
].join('\n');

const LEVELS = '*Levels:* 1 Feature toggle (~2 min) → 2 Code rollback (~15 min) → 3 Full restore (~45 min)';
const SEVERITIES =
  '*Severity:* 🔴 critical = roll back now · 🟡 major = within 30 min · 🟢 minor = monitor, consider';

export function helpText(): EphemeralContent {
  return {
    response_type: 'ephemeral',
    text: 'rollback usage: /rollback <service> [level=1|2|3] … — see the message for all commands',
    blocks: [
      section(`*Roll back a service from Slack*\n${codeBlock(USAGE, 2800)}`),
      section(
        `${LEVELS}\n${SEVERITIES}\nExample: \`/rollback mimo level=2 severity=critical reason="errors 8% since 14:02"\``,
      ),
    ],
  };
}

/** A calm, specific error for bad command input, followed by the usage. `message` is escaped here. */
export function errorWithUsage(message: string): EphemeralContent {
  const safe = escapeFit(message, 1000);
  return {
    response_type: 'ephemeral',
    text: fallback(`⚠️ ${safe}`),
    blocks: [section(`⚠️ ${safe}\nNothing was run.`), section(`*Usage*\n${codeBlock(USAGE, 2800)}`)],
  };
}
