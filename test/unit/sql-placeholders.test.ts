import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toNumberedPlaceholders } from '../../src/store/sql/placeholders.js';

describe('toNumberedPlaceholders', () => {
  it('numbers ? placeholders in order', () => {
    expect(toNumberedPlaceholders('UPDATE t SET a = ?, b = ? WHERE id IN (?, ?)')).toEqual({
      text: 'UPDATE t SET a = $1, b = $2 WHERE id IN ($3, $4)',
      count: 4,
    });
    expect(toNumberedPlaceholders('SELECT 1')).toEqual({ text: 'SELECT 1', count: 0 });
  });

  it.each([
    ["SELECT '?' , ?", "SELECT '?' , $1"],
    ["SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"],
    ["SELECT E'\\'?', ?", "SELECT E'\\'?', $1"],
    ["SELECT e'a\\\\', ?", "SELECT e'a\\\\', $1"],
    ['SELECT "why?", "a""?", ?', 'SELECT "why?", "a""?", $1'],
    ['SELECT ? -- why?\n, ?', 'SELECT $1 -- why?\n, $2'],
    ['SELECT ? /* a /* nested ? */ still ? */ , ?', 'SELECT $1 /* a /* nested ? */ still ? */ , $2'],
    ['DO $$ BEGIN PERFORM ?; END $$; SELECT ?', 'DO $$ BEGIN PERFORM ?; END $$; SELECT $1'],
    ['SELECT $fn$ ? $fn$, ?', 'SELECT $fn$ ? $fn$, $1'],
    ['SELECT a$b, ?, ?', 'SELECT a$b, $1, $2'],
    ["SELECT ?, 'unterminated ?", "SELECT $1, 'unterminated ?"],
    ["SELECT name'?', ?", "SELECT name'?', $1"],
  ])('%s', (sql, expected) => {
    expect(toNumberedPlaceholders(sql).text).toBe(expected);
  });

  it('rewrites each SQL text once', () => {
    const sql = 'SELECT ? AS cached';
    expect(toNumberedPlaceholders(sql)).toBe(toNumberedPlaceholders(sql));
  });

  it('counts exactly the placeholders outside quotes and comments, for any mix', () => {
    const token = fc.oneof(
      fc.constant({ sql: '?', placeholder: true }),
      fc
        .constantFrom("'?'", "'a''?'", '"?"', '"x""?"', '-- ?\n', '/* ? */', '$$?$$', '$t$ ? $t$', "E'\\'?'")
        .map((sql) => ({ sql, placeholder: false })),
      fc
        .constantFrom(' ', ', ', 'SELECT ', 'a', '(', ')', '=', '1', '\n')
        .map((sql) => ({ sql, placeholder: false })),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        // Adjacent tokens must not fuse into something else (`a` + `$$` is an identifier, `-` + `-`).
        const sql = tokens.map((t) => t.sql).join(' ');
        let n = 0;
        const expected = tokens.map((t) => (t.placeholder ? `$${++n}` : t.sql)).join(' ');
        const result = toNumberedPlaceholders(sql);
        expect(result).toEqual({ text: expected, count: n });
      }),
      { numRuns: 500 },
    );
  });
});
