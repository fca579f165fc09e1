/**
 * `?` placeholders → PostgreSQL's `$1…$n`. A `?` inside a string literal, a quoted identifier, a
 * dollar-quoted body or a comment is text, not a placeholder, so the SQL is scanned, not replaced.
 */

export interface NumberedSql {
  text: string;
  /** How many placeholders the text has: the number of parameters it must be given. */
  count: number;
}

/** The store's SQL is a fixed set of strings (plus `inList` variants), so the cache stays small. */
const CACHE_LIMIT = 2000;
const cache = new Map<string, NumberedSql>();

/** Cached per SQL text: the same statement is rewritten once per process. */
export function toNumberedPlaceholders(sql: string): NumberedSql {
  let hit = cache.get(sql);
  if (!hit) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    hit = rewrite(sql);
    cache.set(sql, hit);
  }
  return hit;
}

function rewrite(sql: string): NumberedSql {
  let out = '';
  let count = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const end = skipQuoted(sql, i);
    if (end > i) {
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '?') {
      count += 1;
      out += `$${count}`;
      i += 1;
    } else {
      out += ch;
      i += 1;
    }
  }
  return { text: out, count };
}

/** If a literal, quoted identifier or comment starts at `i`, the index just after it; else `i`. */
function skipQuoted(sql: string, i: number): number {
  const ch = sql[i];
  const next = sql[i + 1];
  if (ch === "'") return skipString(sql, i, isEscapeStringPrefix(sql, i));
  if (ch === '"') return skipDoubled(sql, i, '"');
  if (ch === '-' && next === '-') return lineEnd(sql, i);
  if (ch === '/' && next === '*') return blockCommentEnd(sql, i);
  if (ch === '$') return dollarQuoteEnd(sql, i);
  return i;
}

/** `'it''s'`; in an E'…' string a backslash also escapes the next character. */
function skipString(sql: string, start: number, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashEscapes && ch === '\\') {
      i += 2;
    } else if (ch === "'") {
      if (sql[i + 1] !== "'") return i + 1;
      i += 2;
    } else {
      i += 1;
    }
  }
  return sql.length; // unterminated: the database reports it; nothing after it is a placeholder
}

function skipDoubled(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

/** `E'…'` (either case) when the E is a token of its own, not the end of an identifier. */
function isEscapeStringPrefix(sql: string, quoteAt: number): boolean {
  const prev = sql[quoteAt - 1];
  return (prev === 'E' || prev === 'e') && !isIdentifierChar(sql[quoteAt - 2]);
}

function lineEnd(sql: string, start: number): number {
  const nl = sql.indexOf('\n', start);
  return nl < 0 ? sql.length : nl + 1;
}

/** PostgreSQL block comments nest. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

/** `$$…$$` or `$tag$…$tag$`; `$1` and a `$` inside an identifier (`a$b`) are not quotes. */
function dollarQuoteEnd(sql: string, start: number): number {
  if (isIdentifierChar(sql[start - 1])) return start;
  const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(start));
  if (!tag) return start;
  const close = sql.indexOf(tag[0], start + tag[0].length);
  return close < 0 ? sql.length : close + tag[0].length;
}

function isIdentifierChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(ch);
}
