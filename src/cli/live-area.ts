/**
 * A block of lines at the bottom of a terminal, redrawn in place. Redrawing moves the cursor up by
 * the rows drawn last time, so every row must be counted exactly: a line wider than the terminal
 * wraps into two rows and the count is wrong (the old view left a copy behind on every redraw).
 * Here each line is cut to the terminal's width and the block to its height, and anything else
 * printed while the block is shown (the Ctrl-C hint) goes above it through `print`.
 */
import stringWidth from 'string-width';
import { terminalText } from './terminal-text.js';

/** A terminal as the live area needs it: raw writes (escape sequences) and its current size. */
export interface Screen {
  write(raw: string): void;
  columns(): number;
  rows(): number;
  /** Calls `listener` after the terminal was resized; returns the unsubscribe function. */
  onResize(listener: () => void): () => void;
}

export function ttyScreen(stream: NodeJS.WriteStream): Screen {
  return {
    write: (raw) => {
      stream.write(raw);
    },
    columns: () => stream.columns || 80,
    rows: () => stream.rows || 24,
    onResize(listener) {
      stream.on('resize', listener);
      return () => stream.off('resize', listener);
    },
  };
}

export interface LiveArea {
  /** Replaces the block. `focus` is the line to keep in view when the block is taller than the terminal. */
  update(lines: readonly string[], focus?: number): void;
  /** Prints text above the block, where it stays; the block is drawn again below it. */
  print(text: string): void;
  /** Leaves what is drawn on screen and forgets it: the next update draws a new block below. */
  release(): void;
  /** Stops listening for resizes; what is drawn stays. */
  close(): void;
}

const ESC = '\x1b[';

export function createLiveArea(screen: Screen): LiveArea {
  let shown: string[] = [];
  let rowsShown = 0;
  let lastLines: readonly string[] = [];
  let lastFocus = 0;

  const erase = () => {
    if (rowsShown > 0) screen.write(`\r${ESC}${rowsShown}A${ESC}J`);
    rowsShown = 0;
    shown = [];
  };
  const draw = () => {
    shown = fitBlock(lastLines, lastFocus, screen.columns(), screen.rows());
    if (shown.length > 0) screen.write(`${shown.join('\n')}\n`);
    rowsShown = shown.length;
  };
  const stopResize = screen.onResize(() => {
    // Terminals reflow what is on screen to the new width: count the rows the old lines take now.
    const columns = screen.columns();
    rowsShown = shown.reduce((sum, line) => sum + Math.max(1, Math.ceil(stringWidth(line) / columns)), 0);
    erase();
    draw();
  });

  return {
    update(lines, focus = 0) {
      lastLines = [...lines];
      lastFocus = focus;
      erase();
      draw();
    },
    print(text) {
      erase();
      const safe = terminalText(text);
      screen.write(safe.endsWith('\n') ? safe : `${safe}\n`);
      draw();
    },
    release() {
      shown = [];
      rowsShown = 0;
      lastLines = [];
    },
    close() {
      stopResize();
    },
  };
}

/** The lines as drawn: escaped, one row each, and at most the terminal's height less one. */
export function fitBlock(lines: readonly string[], focus: number, columns: number, rows: number): string[] {
  // One column short of the edge: writing the last column leaves some terminals in a pending wrap.
  const width = Math.max(columns - 1, 1);
  const fit = lines.map((line) => fitWidth(terminalText(line).replace(/[\t\n]/g, ' '), width));
  const room = Math.max(rows - 1, 1);
  if (fit.length <= room) return fit;
  // Too tall: a window around the focus, with a line saying what is left out.
  const visible = Math.max(room - 1, 1);
  const start = Math.min(Math.max(focus - 1, 0), fit.length - visible);
  const hidden = fit.length - visible;
  const note = fitWidth(`  … ${hidden} more line${hidden === 1 ? '' : 's'} (${start} above)`, width);
  return [...fit.slice(start, start + visible), note];
}

const graphemes = new Intl.Segmenter();

/** Cuts `text` to `width` terminal columns (wide characters count two), marking the cut with `…`. */
export function fitWidth(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    kept += segment;
    used += w;
  }
  return `${kept}…`;
}
