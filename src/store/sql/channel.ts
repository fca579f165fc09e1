/**
 * Wake-up channel names are fixed identifiers chosen by the code, never user input: PostgreSQL's
 * LISTEN takes an identifier, not a parameter, so the name is checked before it reaches SQL.
 */
const CHANNEL = /^[a-z_][a-z0-9_]*$/;
/** PostgreSQL truncates identifiers longer than 63 bytes; a truncated name would never match. */
const MAX_LENGTH = 63;

export function assertChannelName(channel: string): void {
  if (!CHANNEL.test(channel) || channel.length > MAX_LENGTH) {
    throw new Error(
      `invalid notification channel ${JSON.stringify(channel)}: use [a-z_][a-z0-9_]*, at most 63`,
    );
  }
}
