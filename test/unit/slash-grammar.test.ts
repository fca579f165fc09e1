import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSlash } from '../../src/domain/slash-grammar.js';

describe('/rollback grammar', () => {
  it.each([
    ['', { kind: 'modal' }],
    ['help', { kind: 'help' }],
    ['  status ', { kind: 'status' }],
    ['history', { kind: 'history' }],
    ['history mimo', { kind: 'history', service: 'mimo' }],
    ['rca INC-2026-0001', { kind: 'rca', incidentId: 'INC-2026-0001' }],
    [
      'note INC-2026-0007 db failover at 14:02',
      { kind: 'note', incidentId: 'INC-2026-0007', text: 'db failover at 14:02' },
    ],
    [
      `NOTE INC-2026-0007 it's "the  DB" &lt;again&gt; ’here’`,
      { kind: 'note', incidentId: 'INC-2026-0007', text: `it's "the  DB" <again> ’here’` },
    ],
    ['unblock mimo v2.4.0', { kind: 'unblock', service: 'mimo', version: 'v2.4.0' }],
    ['drill mimo level=2', { kind: 'drill', service: 'mimo', level: 2, env: 'staging', params: {} }],
    ['mimo', { kind: 'request', service: 'mimo', params: {} }],
  ])('parses %j', (text, command) => {
    expect(parseSlash(text)).toEqual({ ok: true, command });
  });

  it('refuses terminal escapes in a reason, a note or anywhere else, naming the field', () => {
    const esc = '\x1b';
    expect(parseSlash(`mimo level=2 reason="db down ${esc}]0;pwned\x07"`)).toEqual({
      ok: false,
      message: expect.stringMatching(
        /^The reason contains control characters \(U\+001B, escape at position 9\)/,
      ),
    });
    expect(parseSlash(`note INC-2026-0001 see ${esc}[2J`)).toEqual({
      ok: false,
      message: expect.stringMatching(/^The note contains control characters \(U\+001B/),
    });
    expect(parseSlash('mimo version=v1\u009b2J')).toEqual({
      ok: false,
      message: expect.stringMatching(/^The command contains control characters \(U\+009B/),
    });
    expect(parseSlash('note INC-2026-0001 tabs\tand\nnewlines are text')).toMatchObject({ ok: true });
  });

  it('parses a full request with quoted reason, params and hosts', () => {
    const parsed = parseSlash(
      'mimo level=2 severity=CRITICAL env=production version=v2.3.0 hosts=mimo-1,mimo-2 reason="error rate 12% since deploy"',
    );
    expect(parsed).toEqual({
      ok: true,
      command: {
        kind: 'request',
        service: 'mimo',
        level: 2,
        severity: 'critical',
        env: 'production',
        params: { version: 'v2.3.0' },
        hosts: ['mimo-1', 'mimo-2'],
        reason: 'error rate 12% since deploy',
      },
    });
  });

  it('takes impact="…" for the form’s affected users field, not as a runbook param', () => {
    const parsed = parseSlash('mimo level=1 impact="EU checkout fails" reason="5xx"');
    expect(parsed).toEqual({
      ok: true,
      command: {
        kind: 'request',
        service: 'mimo',
        level: 1,
        params: {},
        reason: '5xx',
        impact: 'EU checkout fails',
      },
    });
    expect(parseSlash(`mimo impact="${'x'.repeat(501)}"`)).toMatchObject({ ok: false });
    expect(parseSlash('drill mimo level=1 impact=x')).toMatchObject({ ok: false });
  });

  it('accepts the typographic quotes Slack clients send, and unescapes &amp; &lt; &gt;', () => {
    const parsed = parseSlash('mimo reason=“p99 &gt; 2s &amp; climbing”');
    expect(parsed.ok && parsed.command.kind === 'request' && parsed.command.reason).toBe(
      'p99 > 2s & climbing',
    );
  });

  it.each([
    ['mimo level=4', 'level must be 1, 2 or 3'],
    ['mimo severity=urgent', 'severity must be critical, major or minor'],
    ['mimo level=1 level=2', 'given twice'],
    ['mimo reason="unclosed', 'unclosed'],
    ['Mimo!', 'not a command or a service name'],
    ['mimo version', 'expected key=value'],
    ['drill mimo', 'needs `level=1|2|3`'],
    ['rca 42', 'usage'],
    ['help me', 'takes no arguments'],
    ['mimo hosts=,', 'comma-separated'],
    ['mimo __proto__=x', 'not a valid name'],
  ])('refuses %j with a clear message', (text, message) => {
    const parsed = parseSlash(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  it('never throws and always answers with a command or a message, for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'grapheme' }), (text) => {
        const parsed = parseSlash(text);
        if (parsed.ok) expect(parsed.command.kind).toBeTypeOf('string');
        else expect(parsed.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});
