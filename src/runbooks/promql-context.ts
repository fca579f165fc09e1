/**
 * Where a placeholder may stand in a PromQL query: only inside a "double-quoted" string (a label
 * value), where the value is escaped and stays one string. Anywhere else a value would be PromQL
 * itself, and a param could turn a failing analysis into a passing one (`… or vector(0)`).
 */
import { findPlaceholders } from './placeholders.js';

type Where = 'double' | 'single' | 'backtick' | 'comment' | undefined;

export interface MisplacedPlaceholder {
  name: string;
  where: string;
}

function whereText(where: Where): string {
  if (where === 'single') return "a 'single-quoted' string";
  if (where === 'backtick') return 'a `raw` string';
  if (where === 'comment') return 'a comment';
  return 'the query itself, outside any string';
}

/** Placeholders that are not inside a double-quoted string. */
export function misplacedQueryPlaceholders(query: string): MisplacedPlaceholder[] {
  const contexts = promqlContexts(query);
  return findPlaceholders(query)
    .filter((p) => contexts[p.start] !== 'double')
    .map((p) => ({ name: p.name, where: whereText(contexts[p.start]) }));
}

/** Escapes a value for the inside of a PromQL double-quoted string (NUL and newlines are refused earlier). */
export function promqlStringEscape(value: string): string {
  return value.replace(/[\\"]/g, (ch) => `\\${ch}`);
}

/** The string context of every character of a PromQL query (PromQL's lexer rules, simplified). */
function promqlContexts(query: string): Where[] {
  const out: Where[] = new Array(query.length);
  let state: Where;
  for (let i = 0; i < query.length; i++) {
    const ch = query[i]!;
    out[i] = state;
    if (state === undefined) {
      if (ch === '"') state = 'double';
      else if (ch === "'") state = 'single';
      else if (ch === '`') state = 'backtick';
      else if (ch === '#') state = 'comment';
    } else if (state === 'comment') {
      if (ch === '\n') state = undefined;
    } else if ((state === 'double' || state === 'single') && ch === '\\') {
      out[i + 1] = state;
      i++;
    } else if (
      (state === 'double' && ch === '"') ||
      (state === 'single' && ch === "'") ||
      (state === 'backtick' && ch === '`')
    ) {
      state = undefined;
    }
  }
  return out;
}
