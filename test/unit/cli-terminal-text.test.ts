import { describe, expect, it } from 'vitest';
import { fitBlock, fitWidth } from '../../src/cli/live-area.js';
import { terminalText } from '../../src/cli/terminal-text.js';
import { controlCharProblem } from '../../src/domain/control-chars.js';

const ESC = '\x1b';

describe('terminalText (the CLI output boundary)', () => {
  it('shows escape sequences as text and keeps tabs and newlines', () => {
    const typed = `clear${ESC}[2J title${ESC}]0;pwned\x07 clip${ESC}]52;c;ZWNobw==\x07 csi\u009b2J del\x7f\tok\nnext\r\n`;
    const shown = terminalText(typed);
    expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(shown).toBe(
      'clear\\u001b[2J title\\u001b]0;pwned\\u0007 clip\\u001b]52;c;ZWNobw==\\u0007 csi\\u009b2J del\\u007f\tok\nnext\n',
    );
  });

  it('leaves JSON output valid, with the same data', () => {
    const data = { note: `a${ESC}[2Jb\u009bc\x7f` };
    expect(JSON.parse(terminalText(JSON.stringify(data)))).toEqual(data);
  });
});

describe('controlCharProblem (typed text)', () => {
  it('names the first control character and where it is', () => {
    expect(controlCharProblem(`db down${ESC}[2J`, 'reason')).toBe(
      'The reason contains control characters (U+001B, escape at position 8): remove them; only tabs and line breaks are allowed.',
    );
    expect(controlCharProblem('x\u0085', 'note')).toMatch(/U\+0085 at position 2/);
    expect(controlCharProblem('tabs\tand\nnewlines, ünïcödé, 日本', 'reason')).toBeUndefined();
  });
});

describe('the live area fits the terminal', () => {
  it('cuts lines to the width, counting wide characters as two columns', () => {
    expect(fitWidth('abcdefghij', 5)).toBe('abcd…');
    expect(fitWidth('日本語のホスト名', 7)).toBe('日本語…');
    expect(fitWidth('short', 40)).toBe('short');
  });

  it('keeps the focus in view when the block is taller than the terminal', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const block = fitBlock(lines, 20, 80, 10);
    expect(block).toHaveLength(9);
    expect(block[0]).toBe('line 19');
    expect(block).toContain('line 20');
    expect(block.at(-1)).toBe('  … 22 more lines (19 above)');
    expect(fitBlock([`x${ESC}[2J`], 0, 80, 10)).toEqual(['x\\u001b[2J']);
  });
});
