import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunTarget } from '../../src/domain/plan.js';
import { createSshRunner } from '../../src/exec/ssh-runner.js';
import { parseRunbookText } from '../../src/runbooks/load.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import type { CommandRunner } from '../../src/services/ports.js';
import { runAsTestUser } from '../support/host-user.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;
let runner: CommandRunner;
const canary = `/tmp/rollbot-quoting-canary-${process.pid}`;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.10'] });
  runner = createSshRunner({
    privateKey: readFileSync(sshd.userKeyFile),
    knownHostsFile: sshd.knownHostsFile,
  });
});
afterAll(async () => {
  await runner?.close();
  await sshd?.stop();
});

function runbook(port: number) {
  const parsed = parseRunbookText(
    `service: echo
environments:
  production:
    hosts: [ { name: h, address: 127.0.0.10, port: ${port}, user: rollbot-test } ]
params:
  value: { pattern: '.*' }
levels:
  1:
    name: Echo
    target: 1m
    approvals: 0
    steps:
      - run: printf '[%s]' {{value}}
`,
    'echo.yml',
  );
  if (!parsed.runbook) throw new Error(JSON.stringify(parsed.errors));
  return parsed.runbook;
}

// Shell metacharacters, quotes and Unicode, biased towards the dangerous ones. Values the runbook's
// `.*` refuses (line terminators: JS's `.` does not match U+2028/U+2029) are left out.
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc
    .array(
      fc.constantFrom(
        ...`;&|$\`'"\\(){}<>*?[]~#! \t${'\u00a0'}é€😀`.split(''),
        `touch ${canary}`,
        '$(id)',
        "'\\''",
      ),
      {
        maxLength: 12,
      },
    )
    .map((parts) => parts.join('')),
);

describe('param values over real SSH', () => {
  it('arrive at the remote command as exactly one argument, byte for byte, and run nothing else', async () => {
    const book = runbook(sshd.port);
    await fc.assert(
      fc.asyncProperty(
        hostile.filter((v) => !/[\0\n\r\u2028\u2029]|\p{Surrogate}/u.test(v)),
        async (value) => {
          const rendered = renderPlan(book, {
            env: 'production',
            level: 1,
            params: { value },
            runId: 'r',
            incidentId: 'i',
          });
          if (!rendered.ok) throw new Error(rendered.message);
          const target = rendered.plan.steps[0]!.targets[0] as RunTarget;
          const result = await runner.run({
            runId: 'r',
            stepIndex: 0,
            host: rendered.plan.hosts[0]!,
            target,
            timeoutMs: 10_000,
            logFile: `/tmp/rollbot-quoting-${process.pid}.log`,
            secrets: [],
            signal: new AbortController().signal,
          });
          expect(result.ok, result.error).toBe(true);
          expect(result.tail).toBe(`[${value}]`);
        },
      ),
      { numRuns: 120 },
    );
    expect((await runAsTestUser(`test -e ${canary} && echo present || echo absent`)).stdout.trim()).toBe(
      'absent',
    );
  });

  it('refuses values that cannot arrive byte for byte (NUL, newline, unpaired surrogate)', () => {
    const book = runbook(sshd.port);
    for (const value of ['a\0b', 'a\nb', 'a\rb', 'x\ude00']) {
      const rendered = renderPlan(book, {
        env: 'production',
        level: 1,
        params: { value },
        runId: 'r',
        incidentId: 'i',
      });
      expect(rendered.ok).toBe(false);
    }
  });
});
