/**
 * Ack-latency benchmark: signed `/rollback` slash commands over HTTP to rollbot's receiver, beside a
 * bare Bolt app whose listener only calls ack(); same machine, same run, same fake Slack, same driver.
 * rollbot gets a realistic mix (help, status, and a prefilled request that acks and then opens the modal
 * via views.open). Batches of the two apps alternate (A B B A …) so neither gets the warmer machine.
 * Each round prints p50/p99/max of the time to the HTTP answer, both apps' CPU time per request, and
 * rollbot's time from command to views.open; the verdict is the median round's rollbot p99 / bare p99
 * (target ≤ 1.5×).
 *
 * Beside them, the same rollbot as two replicas on one PostgreSQL database (a throwaway local
 * cluster), requests alternating between the replicas as behind a load balancer.
 *
 * Processes: each app (bench/ack-app.ts), the driver that sends and times the commands
 * (bench/ack-driver.ts), and this one, which runs the fake Slack. What rollbot does after its ack
 * (building the modal, calling views.open) competes with its own acks still in flight, as on a busy
 * bot; Slack answering views.open does not share an event loop with the clock that times the acks.
 * BENCH_REQUESTS, BENCH_ROUNDS, BENCH_CONCURRENCY, BENCH_WARMUP, BENCH_BATCH change the shape;
 * BENCH_PROFILE=<dir> writes CPU profiles of both apps.
 */
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { formatRunbookErrors, loadRunbooks } from '../src/runbooks/load.js';
import { type FakeSlack, startFakeSlack } from '../test/support/fake-slack/index.js';
import { startPostgres } from '../test/support/postgres.js';
import { BOT_TOKEN, SIGNING_SECRET, USERS } from '../test/support/rollbot-harness.js';
import type { BatchJob, BatchRequest, BatchResult, DriverSetup } from './ack-driver.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 25);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 25);
/** Requests per batch; batches of the two apps alternate A B B A A B … */
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const TARGET = 1.5;
/** Rounds of REQUESTS per app; the verdict is on the median round (a p99 of 500 moves run to run). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** BENCH_REPLICAS=0 leaves out the two-replica PostgreSQL configuration (it needs Debian's postgresql). */
const REPLICAS = process.env.BENCH_REPLICAS !== '0';

/** What a user would type; the request form is the one that also calls views.open after the ack. */
const ROLLBOT_TEXTS = ['help', 'status', 'shop level=2 severity=major'];

// Nothing is executed, so the hosts need not exist.
const RUNBOOK = `service: shop
description: Shop API (benchmark fixture)
approvers: [U0BOB]
environments:
  production:
    hosts:
      - { name: shop-1, address: 127.0.0.1, port: 22, user: deploy }
      - { name: shop-2, address: 127.0.0.2, port: 22, user: deploy }
    strategy: { canary: 1, parallel: 5 }
  staging:
    hosts:
      - { name: shop-stg, address: 127.0.0.3, port: 22, user: deploy }
params:
  version: { description: Release to roll back to, pattern: '^v\\d+\\.\\d+\\.\\d+$', default: v1.0.0 }
levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: { critical: 0, major: 1, minor: 1 }
    steps:
      - { name: Disable the flag, run: echo flag off }
  2:
    name: Code rollback
    target: 15m
    approvals: 1
    steps:
      - name: Check out {{version}}
        run: echo {{version}}
      - { name: Verify, run: "true" }
  3:
    name: Full restore
    target: 45m
    approvals: 2
    steps:
      - confirm: Writes since the last backup will be lost. Continue?
      - { name: Restore, run: echo restored }
`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

interface Target {
  name: string;
  text(i: number): string;
  sent: number;
}

interface Driver {
  /** Sends `count` slash commands to `target`, CONCURRENCY in flight, from the driver process. */
  batch(target: Target, count: number): Promise<BatchResult>;
  stop(): Promise<void>;
}

function startDriver(slack: FakeSlack, channel: string, urls: Record<string, string[]>): Driver {
  const setup: DriverSetup = {
    signingSecret: SIGNING_SECRET,
    teamId: slack.teamId,
    appId: slack.appId,
    concurrency: CONCURRENCY,
    urls,
  };
  const child = fork(join('bench', 'ack-driver.ts'), [JSON.stringify(setup)], {
    execArgv: ['--import', 'tsx'],
  });
  let failed: ((err: Error) => void) | undefined;
  child.once('exit', (code) => failed?.(new Error(`the driver exited with ${code}`)));
  return {
    batch(target, count) {
      // Issued here, where the fake Slack lives, just before use: trigger ids expire after 3 s.
      const requests: BatchRequest[] = Array.from({ length: count }, () => ({
        text: target.text(target.sent++),
        user_id: 'U0ALICE',
        channel_id: channel,
        trigger_id: slack.issueTriggerId(),
        response_url: slack.issueResponseUrl(channel, 'U0ALICE'),
      }));
      return new Promise((resolve, reject) => {
        failed = reject;
        child.once('message', (result: BatchResult) =>
          result.error ? reject(new Error(result.error)) : resolve(result),
        );
        child.send({ target: target.name, requests } satisfies BatchJob);
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        failed = undefined;
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc; NaN where there is no /proc. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat(5); the split above starts at field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
/** sysconf(_SC_CLK_TCK): 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

/** BENCH_PROFILE=<dir>: V8 CPU profiles of each app (one file per thread) under <dir>/<app>/, for DevTools. */
function profileArgs(which: string): string[] {
  const dir = process.env.BENCH_PROFILE;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, which)}`] : [];
}

function spawnApp(which: string, apiUrl: string, runbooks: string, db: string, instance = '') {
  const child = spawn(
    process.execPath,
    [
      ...profileArgs(instance || which),
      '--import',
      'tsx',
      join('bench', 'ack-app.ts'),
      which,
      apiUrl,
      runbooks,
      db,
      instance,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise<{ port: number; pid: number; stop: () => Promise<void> }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /READY (\d+)/.exec(out);
      if (ready) {
        resolve({
          port: Number(ready[1]),
          pid: child.pid ?? 0,
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`${which} app exited with ${code} before it was ready`)));
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-bench-ack-'));
  const runbooks = join(dir, 'runbooks');
  mkdirSync(runbooks);
  writeFileSync(join(runbooks, 'shop.yml'), RUNBOOK);
  const check = loadRunbooks(runbooks);
  if (check.errors.length > 0) throw new Error(formatRunbookErrors(check.errors));

  const slack = await startFakeSlack({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    channels: ['#engineering-incidents', '#ops'],
    users: USERS,
  });
  const channel = slack.channelId('#ops')!;

  // Each app in its own process, the driver in another, the fake Slack in this one; the two
  // replicas share one database on a throwaway PostgreSQL cluster (durable: fsync on).
  const cluster = REPLICAS ? await startPostgres({ durable: true }) : undefined;
  const rollbotApp = await spawnApp('rollbot', slack.apiUrl, runbooks, join(dir, 'data', 'rollbot.db'));
  const bareApp = await spawnApp('bare', slack.apiUrl, runbooks, '');
  const pgUrl = await cluster?.createDatabase();
  const replicas = pgUrl
    ? [
        await spawnApp('rollbot', slack.apiUrl, runbooks, pgUrl, 'replica-a'),
        await spawnApp('rollbot', slack.apiUrl, runbooks, pgUrl, 'replica-b'),
      ]
    : [];

  const url = (port: number) => `http://127.0.0.1:${port}/slack/events`;
  const driver = startDriver(slack, channel, {
    rollbot: [url(rollbotApp.port)],
    bare: [url(bareApp.port)],
    replicas: replicas.map((r) => url(r.port)),
  });
  const pids: Record<string, number[]> = {
    rollbot: [rollbotApp.pid],
    bare: [bareApp.pid],
    replicas: replicas.map((r) => r.pid),
  };
  const cpuOf = (name: string) => (pids[name] ?? []).reduce((sum, pid) => sum + cpuMs(pid), 0);
  try {
    const text = (i: number) => ROLLBOT_TEXTS[i % ROLLBOT_TEXTS.length]!;
    const rb: Target = { name: 'rollbot', text, sent: 0 };
    const pg: Target = { name: 'replicas', text, sent: 0 };
    const bb: Target = { name: 'bare', text: () => '', sent: 0 };
    const targets = REPLICAS ? [rb, pg, bb] : [rb, bb];

    // Warm-up (not measured): JIT, sockets, Bolt's auth.test, SQLite statements, pg connections.
    for (const target of [...targets].reverse()) await driver.batch(target, WARMUP);

    const results: RoundResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const samples: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
      const sentAt: Record<string, Record<string, number>> = Object.fromEntries(
        targets.map((t) => [t.name, {}]),
      );
      const opensBefore = slack.callsTo('views.open').length;
      const cpuBefore = Object.fromEntries(targets.map((t) => [t.name, cpuOf(t.name)]));
      let remaining = REQUESTS;
      for (let b = 0; remaining > 0; b++) {
        const n = Math.min(BATCH, remaining);
        // Each target goes first, middle and last in turn, so none gets the warmer machine.
        const shift = (b + i) % targets.length;
        const order = [...targets.slice(shift), ...targets.slice(0, shift)];
        for (const target of order) {
          const result = await driver.batch(target, n);
          samples[target.name]!.push(...result.samples);
          Object.assign(sentAt[target.name]!, result.sentAt);
        }
        remaining -= n;
      }
      // The modal opens after the ack; let the last views.open calls land before counting them.
      await new Promise((r) => setTimeout(r, 200));
      const opens = slack.callsTo('views.open').slice(opensBefore);
      const measure = (name: string): AppRound => {
        const mine = opens.filter((c) => sentAt[name]![String(c.args.trigger_id)] !== undefined);
        return {
          ack: stats(samples[name]!),
          cpu: (cpuOf(name) - cpuBefore[name]!) / REQUESTS,
          modal: stats(mine.map((c) => c.at - sentAt[name]![String(c.args.trigger_id)]!)),
          opened: mine.filter((c) => c.ok).length,
          opens: mine.length,
        };
      };
      results.push({
        rollbot: measure('rollbot'),
        bare: measure('bare'),
        ...(REPLICAS ? { replicas: measure('replicas') } : {}),
      });
    }
    report(results);
  } finally {
    await driver.stop();
    await Promise.all([rollbotApp.stop(), bareApp.stop(), ...replicas.map((r) => r.stop())]);
    await cluster?.stop();
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface AppRound {
  ack: Stats;
  /** CPU time of the app's processes per request of the round: the ack and all work after it. */
  cpu: number;
  /** From the slash command being sent to Slack receiving views.open, per modal request. */
  modal: Stats;
  opened: number;
  opens: number;
}

interface RoundResult {
  rollbot: AppRound;
  bare: AppRound;
  /** Two rollbot replicas on one PostgreSQL database, requests alternating between them. */
  replicas?: AppRound;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function report(results: RoundResult[]): void {
  const ms = (x: number) => `${x.toFixed(1).padStart(6)}`;
  const cell = (s: Stats) => `${ms(s.p50)} /${ms(s.p99)} /${ms(s.max)}`;
  const x = (v: number) => `${v.toFixed(2)}×`;
  const apps = (['rollbot', 'replicas'] as const).filter((name) => results.every((r) => r[name]));
  const label = { rollbot: 'rollbot, SQLite', replicas: 'rollbot, 2 replicas on PostgreSQL' };
  const lines = [
    `ack latency: ${ROUNDS} rounds of ${REQUESTS} signed /rollback commands per app over HTTP, ${CONCURRENCY} concurrent, ` +
      `batches of ${BATCH} rotating, ${WARMUP} warm-up each; each app in its own process`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    `rollbot mix: ${ROLLBOT_TEXTS.map((t) => `"/rollback ${t}"`).join(', ')}`,
  ];
  const verdicts: string[] = [];
  for (const name of apps) {
    const rounds = results.map((r) => ({ app: r[name]!, bare: r.bare }));
    const p99Ratios = rounds.map((r) => r.app.ack.p99 / r.bare.ack.p99);
    const p50Ratios = rounds.map((r) => r.app.ack.p50 / r.bare.ack.p50);
    const cpuRatios = rounds.map((r) => r.app.cpu / r.bare.cpu);
    const ratio = median(p99Ratios);
    lines.push(
      '',
      `${label[name]} against the bare Bolt app`,
      `round  ack p50/p99/max ms          bare Bolt ack p50/p99/max ms  p99 ratio  p50 ratio  CPU/request app, bare        time to modal p50/p99 ms  views.open ok`,
      ...rounds.map(
        (r, i) =>
          `${String(i + 1).padStart(5)}  ${cell(r.app.ack).padEnd(26)}  ${cell(r.bare.ack).padEnd(28)}  ` +
          `${x(p99Ratios[i]!).padStart(9)}  ${x(p50Ratios[i]!).padStart(9)}  ` +
          `${`${r.app.cpu.toFixed(2)}, ${r.bare.cpu.toFixed(2)} ms (${x(cpuRatios[i]!)})`.padStart(26)}  ` +
          `${`${ms(r.app.modal.p50)} /${ms(r.app.modal.p99)}`.padStart(24)}  ${r.app.opened}/${r.app.opens}`,
      ),
    );
    verdicts.push(
      `${label[name]}: median of rounds p99 / bare p99 ${x(ratio)} (target ≤ ${TARGET}×: ${ratio <= TARGET ? 'met' : 'NOT met'}), ` +
        `p50 ${x(median(p50Ratios))}, CPU per request ${x(median(cpuRatios))}, ` +
        `time to modal p50 ${median(rounds.map((r) => r.app.modal.p50)).toFixed(1)} ms`,
    );
  }
  console.log([...lines, '', ...verdicts].join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
