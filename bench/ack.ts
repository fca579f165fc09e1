/**
 * Ack-latency benchmark: signed `/rollback` slash commands over HTTP to rollbot's Bolt receiver, beside a
 * bare Bolt app whose listener only calls ack(); same machine, same run, same fake Slack, same driver.
 * rollbot gets a realistic mix (help, status, and a prefilled request that acks and then opens the modal
 * via views.open). Batches of the two apps alternate (A B B A …) so neither gets the warmer machine.
 * Prints p50/p90/p99/max of the time to the HTTP response and rollbot p99 / bare p99 (target ≤ 1.5×).
 * Each app runs in its own process (bench/ack-app.ts); the driver and the fake Slack run here. What
 * rollbot does after its ack (building the modal, calling views.open) competes with its own acks
 * still in flight, as it would on a busy bot; the bare app does no such work.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { formatRunbookErrors, loadRunbooks } from '../src/runbooks/load.js';
import { createSlackDriver, type SlackDriver, startFakeSlack } from '../test/support/fake-slack/index.js';
import { BOT_TOKEN, SIGNING_SECRET, USERS } from '../test/support/rollbot-harness.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 25);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 25);
/** Requests per batch; batches of the two apps alternate A B B A A B … */
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const TARGET = 1.5;

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
  p90: number;
  p99: number;
  max: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

interface Target {
  name: string;
  driver: SlackDriver;
  text(i: number): string;
  samples: number[];
  sent: number;
}

/** Sends `count` slash commands to `target`, `CONCURRENCY` in flight; records each ack's latency. */
async function batch(target: Target, channel: string, count: number, record: boolean): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const i = target.sent++;
      const res = await target.driver.slashCommand({
        user_id: 'U0ALICE',
        channel_id: channel,
        text: target.text(i),
      });
      if (res.status !== 200) throw new Error(`${target.name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      if (record) target.samples.push(res.ms);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
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

/** BENCH_PROFILE=<dir> writes V8 CPU profiles of each app process (one per thread) under <dir>/<app>/ (open in Chrome DevTools). */
function profileArgs(which: string): string[] {
  const dir = process.env.BENCH_PROFILE;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, which)}`] : [];
}

function spawnApp(which: string, apiUrl: string, runbooks: string, db: string) {
  const child = spawn(
    process.execPath,
    [...profileArgs(which), '--import', 'tsx', join('bench', 'ack-app.ts'), which, apiUrl, runbooks, db],
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

  // Each app runs in its own process, the driver and the fake Slack in this one: the apps' work
  // after an ack competes with their own acks, not with Slack's side of the conversation.
  const rollbotApp = await spawnApp('rollbot', slack.apiUrl, runbooks, join(dir, 'data', 'rollbot.db'));
  const bareApp = await spawnApp('bare', slack.apiUrl, runbooks, '');
  const rollbotPort = rollbotApp.port;
  const barePort = bareApp.port;

  try {
    const driverFor = (port: number) =>
      createSlackDriver({
        signingSecret: SIGNING_SECRET,
        url: `http://127.0.0.1:${port}/slack/events`,
        slack,
      });
    const rb: Target = {
      name: 'rollbot',
      driver: driverFor(rollbotPort),
      text: (i) => ROLLBOT_TEXTS[i % ROLLBOT_TEXTS.length]!,
      samples: [],
      sent: 0,
    };
    const bb: Target = {
      name: 'bare Bolt',
      driver: driverFor(barePort),
      text: () => '',
      samples: [],
      sent: 0,
    };

    // Warm-up (not measured): JIT, sockets, Bolt's auth.test, SQLite statements.
    await batch(bb, channel, WARMUP, false);
    await batch(rb, channel, WARMUP, false);

    const opensBefore = slack.callsTo('views.open').length;
    const cpuBefore = { rollbot: cpuMs(rollbotApp.pid), bare: cpuMs(bareApp.pid) };
    let remaining = REQUESTS;
    for (let round = 0; remaining > 0; round++) {
      const n = Math.min(BATCH, remaining);
      const order = round % 2 === 0 ? [rb, bb] : [bb, rb];
      for (const target of order) await batch(target, channel, n, true);
      remaining -= n;
    }
    // The modal opens after the ack; let the last views.open calls land before counting them.
    await new Promise((r) => setTimeout(r, 200));
    const opens = slack.callsTo('views.open').slice(opensBefore);
    const opened = opens.filter((c) => c.ok).length;
    const cpuPerRequest = {
      rollbot: (cpuMs(rollbotApp.pid) - cpuBefore.rollbot) / REQUESTS,
      bare: (cpuMs(bareApp.pid) - cpuBefore.bare) / REQUESTS,
    };

    const r = stats(rb.samples);
    const b = stats(bb.samples);
    const ms = (x: number) => `${x.toFixed(2).padStart(8)} ms`;
    const row = (name: string, s: Stats) =>
      `${name.padEnd(10)} ${String(s.n).padStart(5)} ${ms(s.p50)} ${ms(s.p90)} ${ms(s.p99)} ${ms(s.max)}`;
    const ratio = r.p99 / b.p99;
    console.log(
      [
        `ack latency: ${REQUESTS} signed /rollback commands per app over HTTP, ${CONCURRENCY} concurrent, ` +
          `batches of ${BATCH} alternating, ${WARMUP} warm-up each; each app in its own process`,
        `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
        `rollbot mix: ${ROLLBOT_TEXTS.map((t) => `"/rollback ${t}"`).join(', ')} (views.open ok: ${opened}/${opens.length})`,
        '',
        `${'app'.padEnd(10)} ${'reqs'.padStart(5)} ${'p50'.padStart(11)} ${'p90'.padStart(11)} ${'p99'.padStart(11)} ${'max'.padStart(11)}`,
        row('rollbot', r),
        row('bare Bolt', b),
        '',
        `rollbot p99 / bare p99   ${ratio.toFixed(2)}×  (target ≤ ${TARGET}×: ${ratio <= TARGET ? 'met' : 'NOT met'})`,
        `rollbot p50 / bare p50   ${(r.p50 / b.p50).toFixed(2)}×`,
        `CPU per request          rollbot ${cpuPerRequest.rollbot.toFixed(2)} ms, bare ${cpuPerRequest.bare.toFixed(2)} ms ` +
          `(${(cpuPerRequest.rollbot / cpuPerRequest.bare).toFixed(2)}×; the app process, ack and all work after it)`,
      ].join('\n'),
    );
  } finally {
    await Promise.all([rollbotApp.stop(), bareApp.stop()]);
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
