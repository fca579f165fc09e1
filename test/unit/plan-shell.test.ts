import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunbookText } from '../../src/runbooks/load.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import type { Runbook } from '../../src/runbooks/schema.js';

// `[\s\S]*` accepts anything; NUL and newlines are refused by rendering itself.
const RUNBOOK = `service: echo
environments:
  local:
    hosts: [{ name: here, local: true }]
params:
  value: { pattern: '[\\s\\S]*' }
levels:
  1:
    name: Echo
    target: 1m
    approvals: 0
    steps:
      - run: printf '%s\\0' {{value}}
      - run: printf '%s\\0' x{{value}}y {{value}}
`;

const loaded = parseRunbookText(RUNBOOK, 'echo.yml');
if (!loaded.runbook) throw new Error(JSON.stringify(loaded.errors));
const runbook: Runbook = loaded.runbook;
const cwd = mkdtempSync(join(tmpdir(), 'rollbot-canary-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
// An unquoted `*` would expand to this name.
writeFileSync(join(cwd, 'decoy'), '');

const META = [...' \t\'"\\`$(){}[]<>|&;*?!#~=%^'].concat(['$(', '&&', '${', 'touch CANARY', 'é', '🦀']);
const shellValue = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.array(fc.constantFrom(...META), { maxLength: 16 }).map((parts) => parts.join('')),
  )
  .filter((s) => !/[\0\n\r]/.test(s));

/** Renders the plan for `value` and runs each step's script with /bin/sh in the canary folder. */
function runSteps(value: string): string[][] {
  const rendered = renderPlan(runbook, {
    env: 'local',
    level: 1,
    params: { value },
    runId: 'R1',
    incidentId: 'I1',
  });
  if (!rendered.ok) throw new Error(rendered.message);
  return rendered.plan.steps.map((step) => {
    const target = step.targets[0];
    if (target?.kind !== 'run') throw new Error('expected a run target');
    const out = execFileSync('/bin/sh', ['-c', target.script], { cwd }).toString('utf8');
    return out.split('\0').slice(0, -1);
  });
}

describe('values substituted into run steps', () => {
  it('reach the command as exactly the argument they were', () => {
    fc.assert(
      fc.property(shellValue, (value) => {
        expect(runSteps(value)).toEqual([[value], [`x${value}y`, value]]);
      }),
      { numRuns: 200 },
    );
    expect(existsSync(join(cwd, 'CANARY'))).toBe(false);
  });

  it.each([
    'x; touch CANARY',
    'x && touch CANARY',
    'x | touch CANARY',
    '$(touch CANARY)',
    '`touch CANARY`',
    "x'; touch CANARY; echo '",
    'x"; touch CANARY; echo "',
    '> CANARY',
    '*',
  ])('never run the payload %j', (payload) => {
    expect(runSteps(payload)).toEqual([[payload], [`x${payload}y`, payload]]);
    expect(existsSync(join(cwd, 'CANARY'))).toBe(false);
  });

  it.each(['a\nb', 'a\rb', 'a\0b'])('refuse %j before anything runs', (value) => {
    const rendered = renderPlan(runbook, {
      env: 'local',
      level: 1,
      params: { value },
      runId: 'R1',
      incidentId: 'I1',
    });
    expect(rendered).toMatchObject({ ok: false, code: 'invalid_input' });
  });
});
