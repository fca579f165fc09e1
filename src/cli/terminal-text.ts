/**
 * The CLI's output boundary. Everything rollbot prints to a terminal passes `terminalText`: text that
 * came from Slack (reasons, notes, thread replies), from hosts (step output) or from an old database
 * may carry escape sequences that clear the screen, retitle the window or write the clipboard.
 */
import { CONTROL_CHAR } from '../domain/control-chars.js';

const CONTROL_CHARS = new RegExp(CONTROL_CHAR.source, 'g');

/**
 * Control characters become visible `\u001b` text (the JSON spelling, so `--json` output stays valid
 * JSON with the same data); CRLF line ends become plain newlines.
 */
export function terminalText(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(CONTROL_CHARS, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/** Where the CLI writes text: escaped, and silent once the reader has gone (`rollbot … | head`). */
export interface TextOut {
  write(text: string): void;
}

/**
 * A reader that closes the pipe early (EPIPE) is not an error of the command: the rest of the output
 * is dropped and the command finishes as it would have (a run keeps running and ends cleanly).
 */
export function textOut(stream: NodeJS.WritableStream): TextOut {
  let closed = false;
  stream.on('error', () => {
    // EPIPE, or EIO when the terminal went away: nobody can read what follows.
    closed = true;
  });
  return {
    write(text) {
      if (!closed) stream.write(terminalText(text));
    },
  };
}
