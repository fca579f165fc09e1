/**
 * Control characters in text people type (a reason, a note). A terminal reads them as commands:
 * `ESC[2J` clears the screen, `ESC]0;…` sets the window title, `ESC]52;c;…` writes the clipboard.
 * Tab and newline are text; every other C0 character, DEL and the C1 range (U+0080–U+009F, which
 * some terminals also obey) is not.
 */

/** One control character (not tab, not newline). */
export const CONTROL_CHAR = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export function hasControlChars(text: string): boolean {
  return CONTROL_CHAR.test(text);
}

/**
 * Why `text` cannot be accepted as typed, or undefined when it can: the first control character,
 * named by its code point so the person can find it (it is usually invisible).
 */
export function controlCharProblem(text: string, field: string): string | undefined {
  const found = CONTROL_CHAR.exec(text);
  if (!found) return undefined;
  const code = found[0].codePointAt(0) ?? 0;
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}${code === 0x1b ? ', escape' : ''}`;
  return `The ${field} contains control characters (${name} at position ${found.index + 1}): remove them; only tabs and line breaks are allowed.`;
}

/** Free text a person typed (reason, impact, root cause): at most `max` characters, no control characters. */
export function typedTextProblem(text: string, field: string, max: number): string | undefined {
  if (text.length > max) return `The ${field} is too long: at most ${max} characters.`;
  return controlCharProblem(text, field);
}
