/**
 * A secret param never stands on a command line: over SSH the wrapper reads it from stdin, on the
 * bot's host it is in the step's environment. While the step runs, no process on this machine (the
 * sshd and its sessions are local) has the value in /proc/<pid>/cmdline, and the script still gets
 * the exact value, quotes, backslashes and spaces included.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostRef, RunTarget } from '../../src/domain/plan.js';
import { createLocalRunner } from '../../src/exec/local-runner.js';
import { createSecretReader } from '../../src/exec/secrets.js';
import { createSshRunner } from '../../src/exec/ssh-runner.js';
import { parseRunbookText } from '../../src/runbooks/load.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import type { CommandRunner } from '../../src/services/ports.js';
import { fillSecrets, readSecrets } from '../../src/services/secrets.js';
import { runRequest, sshHost } from '../support/exec-request.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

// Unique to this run: other test files running beside this one have their own canaries on command lines.
const MARK = `argv${randomBytes(6).toString('hex')}`;
const SECRET = `${MARK} 'q' "dq" \\bs $HOME \`x\` %41 end`;
const OTHER = `${MARK}-second`;

let sshd: SshdHandle;
let ssh: CommandRunner;
const logDir = mkdtempSync(join(tmpdir(), 'rollbot-secret-argv-'));
// One secret comes from the bot's environment, the other from a file, as the runbook says.
const secretFile = join(logDir, 'api_token');
writeFileSync(secretFile, `${OTHER}\n`, { mode: 0o600 });
const botEnv: Record<string, string> = { VAULT_API_TOKEN: SECRET };

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.61'] });
  ssh = createSshRunner({ privateKey: readFileSync(sshd.userKeyFile), knownHostsFile: sshd.knownHostsFile });
});
afterAll(async () => {
  await ssh?.close();
  await sshd?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

/**
 * The `run` target of a one-step runbook that uses two secrets, for `host`, as the executing
 * process has it: rendered with secret markers, then each secret read from its source and filled in.
 */
async function target(host: HostRef): Promise<RunTarget> {
  const entry = host.local
    ? `{ name: ${host.name}, local: true }`
    : `{ name: ${host.name}, address: ${host.address}, port: ${host.port}, user: ${host.user} }`;
  const yaml = `service: vault
environments:
  production:
    hosts: [ ${entry} ]
params:
  api-token: { description: token, pattern: '.+', secret: true, from: 'env:VAULT_API_TOKEN' }
  api_token: { description: the same name once upper-cased, pattern: '.+', secret: true, from: 'file:${secretFile}' }
levels:
  1:
    name: Use them
    target: 1m
    approvals: 0
    steps:
      - name: Hash the secrets while others look
        run: sleep 1.5; printf '%s' {{api-token}} | od -An -tx1 | tr -d ' \\n'; echo; printf '%s' {{api_token}} | wc -c
`;
  const parsed = parseRunbookText(yaml, 'vault.yml');
  if (!parsed.runbook) throw new Error(JSON.stringify(parsed.errors));
  const rendered = renderPlan(parsed.runbook, {
    env: 'production',
    level: 1,
    params: {},
    runId: 'RUN-1',
    incidentId: 'INC-1',
  });
  if (!rendered.ok) throw new Error(rendered.message);
  // The stored plan names the sources and never holds a value.
  expect(JSON.stringify(rendered.plan)).not.toContain(MARK);
  const read = await readSecrets(
    rendered.plan.secrets,
    createSecretReader((name) => botEnv[name]),
    undefined,
  );
  if (!read.ok) throw new Error(read.message);
  const filled = fillSecrets(rendered.plan, read.values);
  expect(filled.values.sort()).toEqual([SECRET, OTHER].sort());
  return filled.plan.steps[0]!.targets[0] as RunTarget;
}

/** Command lines of every process on this machine that holds either secret. */
function exposed(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes(MARK)) found.push(`${pid}: ${cmdline.slice(0, 200)}`);
  }
  return found;
}

const hex = Buffer.from(SECRET, 'utf8').toString('hex');

describe.each([
  ['over SSH', () => sshHost('127.0.0.61', sshd.port, sshd.user), () => ssh],
  [
    'on the bot host',
    (): HostRef => ({ name: 'bot', address: '127.0.0.1', port: 22, user: 'x', local: true }),
    () => createLocalRunner(),
  ],
])('a secret param %s', (_where, hostOf, runnerOf) => {
  it('is in no command line while the step runs, and arrives exactly', async () => {
    const host = hostOf();
    const t = await target(host);
    expect(t.script).not.toContain(MARK);
    expect(Object.keys(t.env ?? {})).toEqual(['ROLLBOT_SECRET_API_TOKEN', 'ROLLBOT_SECRET_API_TOKEN_2']);
    const running = runnerOf().run({ ...runRequest(host, '', logDir), target: t, secrets: [SECRET, OTHER] });
    const seen: string[] = [];
    const watch = setInterval(() => seen.push(...exposed()), 50);
    const result = await running;
    clearInterval(watch);
    expect(result.ok, result.error ?? result.tail).toBe(true);
    expect(result.tail).toBe(`${hex}\n${Buffer.byteLength(OTHER)}\n`);
    expect(seen).toEqual([]);
  });
});

describe('the positive control', () => {
  it('sees a secret that is on a command line', async () => {
    const host = sshHost('127.0.0.61', sshd.port, sshd.user);
    const running = ssh.run(runRequest(host, `sleep 1 # ${OTHER}`, logDir));
    const seen: string[] = [];
    const watch = setInterval(() => seen.push(...exposed()), 50);
    await running;
    clearInterval(watch);
    expect(seen.length).toBeGreaterThan(0);
  });
});
