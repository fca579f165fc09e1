/** POSIX shell quoting for values inserted into `run` scripts, and the values we refuse outright. */

const SHELL_SAFE_RE = /^[A-Za-z0-9@%+=:,./_-]+$/;
const REFUSED_RE = /[\0\n\r]|\p{Surrogate}/u;

/** Quotes `value` so that /bin/sh reads it back as exactly one word equal to `value`. */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (SHELL_SAFE_RE.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * NUL cannot be passed in an argv at all, a newline can end a command or a header line, and a
 * lone UTF-16 surrogate has no UTF-8 form (it would arrive as U+FFFD, not as typed), so such
 * values are refused rather than quoted.
 */
export function refusedCharacter(value: string): string | undefined {
  const match = REFUSED_RE.exec(value);
  if (!match) return undefined;
  if (match[0] === '\0') return 'a NUL character';
  return match[0] === '\n' || match[0] === '\r' ? 'a newline' : 'an unpaired UTF-16 surrogate';
}
