/**
 * Fan-out benchmark: a trivial step on 50 loopback hosts (one sshd fleet), timed for rollbot beside
 * parallel-ssh (Debian pssh) and Ansible ad hoc, same hosts, key and known_hosts, same run; then a
 * second step on the same hosts. Prints medians and ratios. Needs root (test user) and, for the
 * peers, `apt-get install -y pssh ansible-core` (missing peers are reported, not faked).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHealthProbe } from '../src/exec/health.js';
import { createLocalRunner } from '../src/exec/local-runner.js';
import { createPrometheusClient } from '../src/exec/prometheus.js';
import { createSshRunner } from '../src/exec/ssh-runner.js';
import { parseRunbookText } from '../src/runbooks/load.js';
import { renderPlan } from '../src/runbooks/plan.js';
import { executePlan } from '../src/services/execute-plan.js';
import { abortableSleep } from '../src/services/health-steps.js';
import { startSshdFleet } from '../test/support/sshd.js';

const exec = promisify(execFile);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function has(cmd: string): Promise<boolean> {
  return exec('sh', ['-c', `command -v ${cmd}`]).then(
    () => true,
    () => false,
  );
}

async function main() {
  const fleet = await startSshdFleet(HOSTS, { maxStartups: '400:30:800' });
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-bench-'));
  const addresses = fleet.addresses;
  try {
    const hostLines = addresses.map(
      (a, i) => `      - { name: h${i + 1}, address: ${a}, port: ${fleet.port}, user: ${fleet.user} }`,
    );
    const yaml = `service: bench
environments:
  production:
    hosts:
${hostLines.join('\n')}
    strategy: { canary: 0, parallel: ${HOSTS} }
levels:
  1:
    name: Trivial
    target: 1m
    approvals: 0
    steps:
      - { name: first, run: "true" }
      - { name: second, run: "true" }
  2:
    name: One step
    target: 1m
    approvals: 0
    steps:
      - { name: only, run: "true" }
`;
    const parsed = parseRunbookText(yaml, 'bench.yml');
    if (!parsed.runbook) throw new Error(JSON.stringify(parsed.errors));
    const rendered = renderPlan(parsed.runbook, {
      env: 'production',
      level: 1,
      params: {},
      runId: 'bench',
      incidentId: 'bench',
    });
    if (!rendered.ok) throw new Error(rendered.message);
    const plan = rendered.plan;

    // rollbot: the engine with a fresh SSH runner per round; per-step wall time from the observer.
    const first: number[] = [];
    const second: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ssh = createSshRunner({
        privateKey: readFileSync(fleet.userKeyFile),
        knownHostsFile: fleet.knownHostsFile,
      });
      const stepStart = new Map<number, number>();
      const stepEnd = new Map<number, number>();
      const outcome = await executePlan(
        {
          ssh,
          local: createLocalRunner(),
          confirmer: { confirm: async () => ({ ok: true, by: 'bench' }) },
          probe: createHealthProbe(),
          prometheus: createPrometheusClient(),
          clock: { now: () => Date.now() },
          sleep: abortableSleep,
        },
        {
          plan,
          // The bench runbook has no secret params.
          secretValues: [],
          runId: `bench-${round}`,
          logDir: join(dir, `logs-${round}`),
          signal: new AbortController().signal,
          observer: {
            stepStarted: (s) => {
              if (!stepStart.has(s.index)) stepStart.set(s.index, performance.now());
            },
            stepFinished: (s) => {
              stepEnd.set(s.index, performance.now());
            },
            confirmRequested() {},
            confirmAnswered() {},
          },
        },
      );
      await ssh.close();
      if (outcome.status !== 'succeeded')
        throw new Error(`rollbot round failed: ${JSON.stringify(outcome.failures[0]?.result)}`);
      first.push(stepEnd.get(0)! - stepStart.get(0)!);
      second.push(stepEnd.get(1)! - stepStart.get(1)!);
    }

    // One step through the compiled CLI, cold: process start, config, SQLite, connect, run — the
    // same work as one parallel-ssh call. Compiled into a temp dir so the repo's dist/ is untouched.
    const build = join(dir, 'build');
    await exec('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', build]);
    symlinkSync(join(process.cwd(), 'node_modules'), join(build, 'node_modules'));
    writeFileSync(join(build, 'package.json'), JSON.stringify({ type: 'module' }));
    const runbooks = join(dir, 'runbooks');
    await exec('mkdir', ['-p', runbooks]);
    writeFileSync(join(runbooks, 'bench.yml'), yaml);
    const cliEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ROLLBOT_RUNBOOKS: runbooks,
      ROLLBOT_DB: join(dir, 'cli', 'rollbot.db'),
      ROLLBOT_SSH_KEY: fleet.userKeyFile,
      ROLLBOT_KNOWN_HOSTS: fleet.knownHostsFile,
    };
    const cli: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      cli.push(
        await timed(() =>
          exec(
            'node',
            [
              join(build, 'src/cli/main.js'),
              'run',
              'bench',
              '--level',
              '2',
              '--severity',
              'minor',
              '--reason',
              'bench',
              '--yes',
            ],
            {
              env: cliEnv,
            },
          ),
        ),
      );
    }

    // parallel-ssh, with OpenSSH's default key exchange and with curve25519 (what ssh2 negotiates).
    const hostsFile = join(dir, 'pssh-hosts');
    writeFileSync(hostsFile, addresses.map((a) => `${a}:${fleet.port}\n`).join(''));
    const sshOpts = `-i ${fleet.userKeyFile} -o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
    const pssh = async (extra: string) => {
      const rounds: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        rounds.push(
          await timed(() =>
            exec('parallel-ssh', [
              '-h',
              hostsFile,
              '-l',
              fleet.user,
              '-p',
              String(HOSTS),
              '-t',
              '60',
              '-x',
              `${sshOpts} ${extra}`,
              'true',
            ]),
          ),
        );
      }
      return median(rounds);
    };
    const havePssh = await has('parallel-ssh');
    const psshDefault = havePssh ? await pssh('') : Number.NaN;
    const psshCurve = havePssh ? await pssh('-o KexAlgorithms=curve25519-sha256') : Number.NaN;

    // Ansible ad hoc (command module), forks = hosts; the second call reuses its ControlPersist sockets.
    const inventory = join(dir, 'inventory.ini');
    writeFileSync(
      inventory,
      `[all]\n${addresses.map((a, i) => `h${i + 1} ansible_host=${a} ansible_port=${fleet.port}`).join('\n')}\n`,
    );
    const ansibleEnv = {
      ...process.env,
      ANSIBLE_HOST_KEY_CHECKING: 'True',
      ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
      ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${fleet.knownHostsFile} -o ControlMaster=auto -o ControlPersist=60s`,
      ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-local'),
      ANSIBLE_REMOTE_TEMP: '/tmp/.ansible-bench',
    };
    const ansibleRun = () =>
      exec(
        'ansible',
        [
          'all',
          '-i',
          inventory,
          '-u',
          fleet.user,
          '--private-key',
          fleet.userKeyFile,
          '-f',
          String(HOSTS),
          '-m',
          'command',
          '-a',
          'true',
        ],
        { env: ansibleEnv, maxBuffer: 32 * 1024 * 1024 },
      );
    const haveAnsible = await has('ansible');
    const ansibleFirst = haveAnsible ? await timed(ansibleRun) : Number.NaN;
    const ansibleSecond = haveAnsible ? await timed(ansibleRun) : Number.NaN;

    const r1 = median(first);
    const r2 = median(second);
    const rCli = median(cli);
    const bestPssh = Math.min(psshDefault, psshCurve);
    const ratio = (a: number, b: number) =>
      Number.isFinite(a) && Number.isFinite(b) ? (a / b).toFixed(2) : 'n/a';
    const lines = [
      `fan-out: ${HOSTS} hosts on loopback (one port, ${fleet.pids.length} sshd), median of ${ROUNDS} rounds`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
      '',
      `rollbot step 1 (connect + run, in-process)   ${fmt(r1)}`,
      `rollbot step 2 (warm connections)            ${fmt(r2)}   = ${((r2 / r1) * 100).toFixed(1)}% of step 1 (target < 20%)`,
      `rollbot CLI cold (start + DB + 1 step)       ${fmt(rCli)}`,
      `parallel-ssh, default kex                    ${fmt(psshDefault)}`,
      `parallel-ssh, curve25519                     ${fmt(psshCurve)}`,
      `ansible ad hoc, first call                   ${fmt(ansibleFirst)}`,
      `ansible ad hoc, second call (ControlPersist) ${fmt(ansibleSecond)}`,
      '',
      `pssh (best) / rollbot CLI cold               ${ratio(bestPssh, rCli)}×  (target ≥ 1: rollbot ≤ pssh)`,
      `pssh (best) / rollbot step 1                 ${ratio(bestPssh, r1)}×`,
      `ansible first / rollbot CLI cold             ${ratio(ansibleFirst, rCli)}×  (target ≥ 5)`,
      `ansible first / rollbot step 1               ${ratio(ansibleFirst, r1)}×`,
    ];
    if (!havePssh) lines.push('parallel-ssh not installed: apt-get install -y pssh');
    if (!haveAnsible) lines.push('ansible not installed: apt-get install -y ansible-core');
    console.log(lines.join('\n'));
  } finally {
    await fleet.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
