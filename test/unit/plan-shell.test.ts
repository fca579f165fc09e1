import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { secretVariables } from '../../src/domain/secrets.js';
import { remoteCommand, secretInput } from '../../src/exec/remote-command.js';
import { parseRunbookText } from '../../src/runbooks/load.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import type { Runbook } from '../../src/runbooks/schema.js';
import { fillSecrets } from '../../src/services/secrets.js';

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

function load(text: string): Runbook {
  const loaded = parseRunbookText(text, 'echo.yml');
  if (!loaded.runbook) throw new Error(JSON.stringify(loaded.errors));
  return loaded.runbook;
}
const runbook = load(RUNBOOK);
/** The same steps with a secret param: the script reads it from a variable the runner sets. */
const secretRunbook = load(
  RUNBOOK.replace(
    "value: { pattern: '[\\s\\S]*' }",
    "value: { pattern: '[\\s\\S]*', secret: true, from: 'env:ECHO_VALUE' }",
  ),
);
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
function runSteps(value: string, from: Runbook = runbook): string[][] {
  const secret = from.params.value?.secret === true;
  const rendered = renderPlan(from, {
    env: 'local',
    level: 1,
    params: secret ? {} : { value },
    runId: 'R1',
    incidentId: 'I1',
  });
  if (!rendered.ok) throw new Error(rendered.message);
  // A secret is read at execution and reaches the script in its variable, as the runner sends it.
  const plan = secret ? fillSecrets(rendered.plan, { value }).plan : rendered.plan;
  return plan.steps.map((step) => {
    const target = step.targets[0];
    if (target?.kind !== 'run') throw new Error('expected a run target');
    const env = { PATH: process.env.PATH, ...target.env };
    const out = execFileSync('/bin/sh', ['-c', target.script], { cwd, env }).toString('utf8');
    return out.split('\0').slice(0, -1);
  });
}

describe('values substituted into run steps', () => {
  it('reach the command as exactly the argument they were', () => {
    fc.assert(
      fc.property(shellValue, (value) => {
        expect(runSteps(value)).toEqual([[value], [`x${value}y`, value]]);
        expect(runSteps(value, secretRunbook)).toEqual([[value], [`x${value}y`, value]]);
      }),
      // Each value spawns four shells; 80 random values beside the fixed payloads below keep the
      // file under ~20 s on a loaded 2-core machine.
      { numRuns: 80 },
    );
    expect(existsSync(join(cwd, 'CANARY'))).toBe(false);
  }, 120_000);

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
    expect(runSteps(payload, secretRunbook)).toEqual([[payload], [`x${payload}y`, payload]]);
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

describe('secret values', () => {
  it('stay out of the script: it reads them from a variable the runner sets', () => {
    const rendered = renderPlan(secretRunbook, {
      env: 'local',
      level: 1,
      params: {},
      runId: 'R1',
      incidentId: 'I1',
    });
    if (!rendered.ok) throw new Error(rendered.message);
    // Stored: the variable names only.
    expect(JSON.stringify(rendered.plan.steps)).toContain('"secretVars":["ROLLBOT_SECRET_VALUE"]');
    expect(JSON.stringify(rendered.plan.steps)).not.toContain('"env"');
    // Executing: the process that read the value hands it over in the variable.
    expect(fillSecrets(rendered.plan, { value: 'hunter2' }).plan.steps.map((s) => s.targets[0])).toEqual([
      {
        host: 'here',
        kind: 'run',
        script: `printf '%s\\0' "$ROLLBOT_SECRET_VALUE"`,
        secretVars: ['ROLLBOT_SECRET_VALUE'],
        env: { ROLLBOT_SECRET_VALUE: 'hunter2' },
      },
      {
        host: 'here',
        kind: 'run',
        script: `printf '%s\\0' x"$ROLLBOT_SECRET_VALUE"y "$ROLLBOT_SECRET_VALUE"`,
        secretVars: ['ROLLBOT_SECRET_VALUE'],
        env: { ROLLBOT_SECRET_VALUE: 'hunter2' },
      },
    ]);
  });

  it('get one variable per param, even when two names upper-case alike', () => {
    expect(secretVariables(['token', 'db-pass', 'db_pass', 'DB-PASS', 'x.y'])).toEqual({
      token: 'ROLLBOT_SECRET_TOKEN',
      'db-pass': 'ROLLBOT_SECRET_DB_PASS',
      db_pass: 'ROLLBOT_SECRET_DB_PASS_2',
      'DB-PASS': 'ROLLBOT_SECRET_DB_PASS_3',
      'x.y': 'ROLLBOT_SECRET_X_Y',
    });
  });

  it('are read by the SSH wrapper from stdin, and a variable name is never anything but a name', () => {
    const command = remoteCommand('echo "$ROLLBOT_SECRET_A"', 3000, ['ROLLBOT_SECRET_A']);
    const out = execFileSync('/bin/sh', ['-c', command], {
      input: secretInput({ ROLLBOT_SECRET_A: "it's $x" }),
    });
    expect(out.toString()).toBe("it's $x\n");
    expect(() => remoteCommand('true', 3000, ['A; touch CANARY'])).toThrow(/not a shell variable name/);
    expect(() => remoteCommand('true', 3000, ['lower'])).toThrow(/not a shell variable name/);
  });
});
