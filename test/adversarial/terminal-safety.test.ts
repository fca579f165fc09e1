/**
 * Issue 10 at the terminal: a drill is a rehearsal only on a drill environment, and a secret in a
 * check URL never reaches the store, the timeline, the terminal or the RCA, in any encoding.
 */

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/domain/quote.js';
import { rollbotCli } from '../support/bot-process.js';

const TOKEN = "tok/en+S3cret'42";
const FORMS = [
  TOKEN,
  encodeURIComponent(TOKEN),
  shellQuote(TOKEN),
  JSON.stringify(TOKEN).slice(1, -1),
  'S3cret',
];

let health: Server;
let healthUrl = '';
let dir = '';
const seenQueries: string[] = [];

const runbook = (marker: string) => `service: rehearse
approvers: [U0LEAD]
environments:
  production:
    hosts: [ { name: prod-1, local: true } ]
  staging:
    hosts: [ { name: stg-1, local: true } ]
    drill: true
params:
  token: { pattern: '^.+$', secret: true, from: 'env:REHEARSE_TOKEN' }
levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: 1
    steps:
      - name: Touch {{env}}
        run: touch ${marker}-{{env}}
  2:
    name: Probe with the token
    target: 2m
    approvals: 1
    steps:
      - name: Probe
        check: { url: "${healthUrl}/health?t={{token}}", expect: { status: 200 } }
        timeout: 3s
`;

function workspace() {
  const ws = mkdtempSync(join(dir, 'ws-'));
  mkdirSync(join(ws, 'runbooks'));
  const marker = join(ws, 'touched');
  writeFileSync(join(ws, 'runbooks', 'rehearse.yml'), runbook(marker));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
    HOME: process.env.HOME,
    ROLLBOT_RUNBOOKS: join(ws, 'runbooks'),
    ROLLBOT_DB: join(ws, 'data', 'rollbot.db'),
    REHEARSE_TOKEN: TOKEN,
  };
  return { ws, env, marker };
}

const touched = (ws: string) => readdirSync(ws).filter((f) => f.startsWith('touched-'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollbot-terminal-safety-'));
  health = createServer((req, res) => {
    seenQueries.push(req.url ?? '');
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'down', echo: req.url }));
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  const address = health.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  healthUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise((resolve) => health?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('drills at the terminal', () => {
  it('run unconfirmed only on a drill environment', async () => {
    const { ws, env } = workspace();
    const drill = await rollbotCli(['drill', 'rehearse', '--level', '1'], env);
    expect(drill.code, drill.stderr).toBe(0);
    expect(touched(ws)).toEqual(['touched-staging']);
  });

  it('on any other environment ask the typed confirmation a run asks, and run nothing without it', async () => {
    const { ws, env } = workspace();
    const refused = await rollbotCli(['drill', 'rehearse', '--level', '1', '--env', 'production'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Refusing to run without confirmation');
    expect(touched(ws)).toEqual([]);
    const history = await rollbotCli(['history', '--json'], env);
    expect(JSON.parse(history.stdout).drills).toEqual([]);
    // --yes is the operator's confirmation, recorded as the approval.
    const confirmed = await rollbotCli(
      ['drill', 'rehearse', '--level', '1', '--env', 'production', '--yes'],
      env,
    );
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(touched(ws)).toEqual(['touched-production']);
    const id = /DRL-\d{4}-\d{4}/.exec(confirmed.stdout)![0];
    const timeline = await rollbotCli(['timeline', id, '--json'], env);
    expect(JSON.parse(timeline.stdout)).toContainEqual(
      expect.objectContaining({
        type: 'approval.granted',
        data: expect.objectContaining({ via: 'terminal' }),
      }),
    );
  });
});

describe('a secret in a check URL', () => {
  it('reaches the health endpoint, and nothing rollbot stores or prints, in any encoding', async () => {
    const { ws, env } = workspace();
    const run = await rollbotCli(
      ['run', 'rehearse', '--level', '2', '--severity', 'major', '--reason', 'probe', '--yes'],
      env,
    );
    expect(run.code).toBe(1);
    // Positive control: the endpoint did receive the real value, URL-encoded.
    expect(seenQueries.some((q) => q.includes('t=tok%2Fen%2BS3cret'))).toBe(true);
    const id = /INC-\d{4}-\d{4}/.exec(run.stdout)![0];
    const outputs = [
      run.stdout,
      run.stderr,
      (await rollbotCli(['timeline', id], env)).stdout,
      (await rollbotCli(['timeline', id, '--json'], env)).stdout,
      (await rollbotCli(['rca', id], env)).stdout,
      (await rollbotCli(['history', '--json'], env)).stdout,
    ];
    expect(outputs.join('\n')).toContain('health?t=••••••');
    const files = readdirSync(join(ws, 'data'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), 'latin1'));
    for (const text of [...outputs, ...files]) {
      for (const form of FORMS) expect(text).not.toContain(form);
    }
  });
});
