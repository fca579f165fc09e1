import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/services/ports.js';
import { createStore } from '../../src/store/store.js';
import type { OpenRunResult } from '../../src/store/types.js';
import { instance } from '../support/temp-store.js';

const STORE_URL = pathToFileURL(resolve(import.meta.dirname, '../../src/store/store.ts')).href;
const APPENDS = 40;

// Each child opens the same (possibly brand-new) file, says ready, waits for "go", then races.
const CHILD = `
import { createStore } from ${JSON.stringify(STORE_URL)};
import { systemClock } from ${JSON.stringify(STORE_URL.replace('store/store.ts', 'services/ports.ts'))};
const [file, who] = process.argv.slice(1);
const self = { id: who, token: who, host: 'test', pid: process.pid };
const store = await createStore({ file, clock: systemClock, self });
process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  const plan = { service: 'mimo', env: 'production', level: 2, levelName: 'x', targetMs: 1000, hosts: [],
    strategy: { canary: 0, parallel: 1 }, params: {}, steps: [], hash: 'h-' + who, secrets: [] };
  const result = await store.openRun({
    incident: { kind: 'incident', service: 'mimo', env: 'production', severity: 'critical', level: 2,
      reason: 'race', requestedBy: who },
    level: 2, requestedBy: who, approvalsRequired: 0, drill: false, render: () => plan,
  });
  for (let i = 0; i < ${APPENDS}; i++) {
    await store.appendTimeline({ type: 'note.added', actor: who, data: { i } });
  }
  await store.close();
  process.stdout.write(JSON.stringify(result) + '\\n');
  process.exit(0);
});
`;

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function startChild(file: string, who: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, file, who], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    let nl = out.indexOf('\n');
    while (nl >= 0) {
      lines.push(out.slice(0, nl));
      out = out.slice(nl + 1);
      nl = out.indexOf('\n');
    }
    for (const w of waiters.splice(0)) w();
  });
  const line = (n: number) =>
    new Promise<string>((ok, fail) => {
      const check = () => {
        if (lines.length > n) return ok(lines[n]!);
        if (child.exitCode !== null) return fail(new Error(`child ${who} exited ${child.exitCode}: ${err}`));
        waiters.push(check);
      };
      child.once('exit', check);
      check();
    });
  return { child, line };
}

describe('two processes on one file', () => {
  it('lets exactly one of several racing processes take the lock, and keeps one hash chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-race-'));
    dirs.push(dir);
    const file = join(dir, 'data', 'rollbot.db');
    const who = ['cli:alice', 'cli:bob', 'cli:carol', 'cli:dave'];
    const racers = who.map((w) => startChild(file, w));

    await Promise.all(racers.map((r) => r.line(0)));
    for (const r of racers) r.child.stdin?.write('go\n');
    const results = (await Promise.all(racers.map((r) => r.line(1)))).map(
      (l) => JSON.parse(l) as OpenRunResult,
    );

    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    if (!winner.ok) throw new Error('unreachable');
    for (const loser of results.filter((r) => !r.ok)) {
      expect(loser).toMatchObject({ code: 'locked', holder: { runId: winner.run.id, state: 'approved' } });
    }

    const store = await createStore({ file, clock: systemClock, self: instance() });
    try {
      // The losers left no incident behind, and every append landed on a single consistent chain.
      expect(winner.incident.id).toMatch(/^INC-\d{4}-0001$/);
      expect(await store.getIncident(winner.incident.id.replace(/0001$/, '0002'))).toBeUndefined();
      expect((await store.activeRuns()).map((r) => r.id)).toEqual([winner.run.id]);
      expect(await store.verifyTimeline()).toMatchObject({ ok: true, count: who.length * APPENDS + 2 });
    } finally {
      await store.close();
    }
  });
});
