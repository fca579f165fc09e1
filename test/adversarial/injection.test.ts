/**
 * Shell-metacharacter and Unicode payloads in every field a person can type into (slash text, modal
 * params, reason, hosts, notes, thread replies) and in `rollbot run --set`: a canary file on the
 * host is never created, accepted values reach the host byte for byte, refused ones run nothing.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/store.js';
import * as ids from '../../views/ids.js';
import { stateValues, viewSubmission } from '../support/fake-slack/index.js';
import { runAsTestUser, sh } from '../support/host-user.js';
import { type Harness, startHarness, submitModal, waitFor } from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';
import { instance } from '../support/temp-store.js';

const exec = promisify(execFile);
const ADDRESSES = ['127.0.0.30', '127.0.0.31'];

let sshd: SshdHandle;
let h: Harness;
let base: string;
let canary: string;

/** The corpus, built once `canary` (a path in the test user's home) is known. */
function corpus() {
  const touch = `touch ${canary}`;
  return {
    subst: `$(${touch})`,
    backticks: `\`${touch}\``,
    semicolon: `x; ${touch}`,
    and: `x && ${touch}`,
    or: `x || ${touch}`,
    pipe: `x | ${touch}`,
    redirect: `> ${canary}`,
    append: `x >> ${canary}`,
    background: `x & ${touch} &`,
    single: `it's '; ${touch}; '`,
    double: `"$(${touch})" "\`${touch}\`"`,
    backslash: `\\'; ${touch}; echo \\`,
    trailingBackslash: 'ends with \\',
    glob: '* ? [a-z]* ~ ~root {a,b} .*',
    dollar: `$HOME \${IFS} $1 $$ $((6*7)) $PATH`,
    option: '--option=1',
    dash: '-n',
    dashE: '-e \\x41\\n%s',
    percent: '%s%n%d%%',
    template: '{{v0}} {{run.id}} {{host.name}}',
    spaces: '  two  leading and trailing  ',
    rtl: 'invoice\u202Egpj.exe\u202C',
    zeroWidth: 'a\u200Bb\u200Cc\u200Dd\uFEFFe',
    emoji: '👩‍💻🚀🔥 rollback',
    astral: '𝕏𝔸𝔹 𠜎𠜱 🀄',
    combining: 'é e\u0301 Z̤̈',
    mentions: '<!channel> <@U0BOB> <#C0INCIDENTS> &amp; &lt;',
  };
}

/** Payloads the slash grammar can carry (typographic quotes are quote marks there by design). */
function modalOnly() {
  return {
    typographic: '‘single’ “double” „low“',
    tab: 'a\tb',
    // Under the modal's 3000-character limit.
    long: '$(x) `y` \'z\' "w" 🚀 é; '.repeat(120),
  };
}

/** A runbook that writes each param to its own file with `printf '%s'`, on two hosts. */
function injRunbook(names: readonly string[]): string {
  const hosts = ADDRESSES.map(
    (a, i) => `      - { name: inj-${i + 1}, address: ${a}, port: ${sshd.port}, user: ${sshd.user} }`,
  );
  const params = names.map((n) => `  ${n}: { description: anything, pattern: '[\\s\\S]*', default: unset }`);
  const writes = names.map((n) => `printf '%s' {{${n}}} > ${n}`).join(' && ');
  return `service: inj
approvers: [U0BOB]
environments:
  production:
    hosts:
${hosts.join('\n')}
    strategy: { canary: 1, parallel: 5 }
params:
${params.join('\n')}
levels:
  1:
    name: Write values
    target: 2m
    approvals: 0
    steps:
      - name: Write every value
        run: mkdir -p ${base}/{{run.id}}/{{host.name}} && cd ${base}/{{run.id}}/{{host.name}} && ${writes}
`;
}

const NAMES = Array.from({ length: 32 }, (_, i) => `v${i}`);

beforeAll(async () => {
  sshd = await startSshd({ addresses: ADDRESSES });
  base = `${sshd.home}/adv-inj-${process.pid}`;
  canary = `${base}/CANARY`;
  await runAsTestUser(`mkdir -p ${base}`);
  h = await startHarness({ mode: 'http', sshd, runbooks: { 'inj.yml': injRunbook(NAMES) } });
  db = await createStore({
    file: join(h.dir, 'data', 'rollbot.db'),
    clock: { now: () => Date.now() },
    self: instance('injection-test'),
  });
});

afterAll(async () => {
  await db?.close();
  await h?.stop();
  await sshd?.stop();
  await sh('rm', ['-rf', base]);
});

async function canaryExists(): Promise<boolean> {
  return (await runAsTestUser(`test -e ${canary}`)).code === 0;
}

/** A second connection to the bot's SQLite file (WAL): what another process sees. */
let db: Store;
const store = () => db;
const injRuns = () => db.history({ service: 'inj', limit: 1000 });

/** Waits for the one inj run started after `count` earlier ones to end, and returns it. */
async function finishedRun(count: number) {
  return waitFor('the inj run to finish', async () => {
    const rows = await injRuns();
    if (rows.length !== count) return undefined;
    const newest = [...rows].sort((a, b) => b.createdAt - a.createdAt || (b.runId > a.runId ? 1 : -1))[0];
    return newest?.finishedAt !== null ? newest : undefined;
  });
}

/** What each host wrote, file by file; nothing else may exist in the run's folders. */
function expectArrived(runId: string, values: Record<string, string>): void {
  for (const host of ['inj-1', 'inj-2']) {
    const dir = join(base, runId, host);
    expect(readdirSync(dir).sort()).toEqual([...NAMES].sort());
    for (const [name, value] of Object.entries(values)) {
      const bytes = readFileSync(join(dir, name));
      expect({ name, bytes: bytes.toString('hex') }).toEqual({
        name,
        bytes: Buffer.from(value, 'utf8').toString('hex'),
      });
    }
  }
}

/** Assigns payloads to params v0, v1, ... */
function assign(payloads: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.values(payloads).map((value, i) => [NAMES[i]!, value]));
}

/** Slack escapes &, < and > in slash command text. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One slash-text word `key=value` that the grammar reads back as exactly `value`. */
function slashWord(key: string, value: string): string {
  let out = `${key}=`;
  for (const ch of value) {
    if (ch === "'") out += `"'"`;
    else if (ch === '"') out += `'"'`;
    else if (/\s/.test(ch)) out += `'${ch}'`;
    else out += ch;
  }
  return out;
}

function lastView() {
  const view = [...h.slack.views.values()].at(-1);
  if (!view) throw new Error('no modal');
  return view;
}

function initialValue(blockId: string): string | undefined {
  const block = (lastView().blocks as { block_id?: string; element?: { initial_value?: string } }[]).find(
    (b) => b.block_id === blockId,
  );
  return block?.element?.initial_value;
}

/** Submits the last modal with `state` and returns the ack body (field errors, if any). */
async function submitRaw(user: string, spec: Record<string, Record<string, unknown>>) {
  const res = await h.driver.interaction(
    viewSubmission({ user, view: lastView(), state: stateValues(spec as never) }, h.slack),
  );
  expect(res.status).toBe(200);
  return res.json as { response_action?: string; errors?: Record<string, string> } | null;
}

function baseFields(reason = 'injection corpus') {
  return {
    service: { service_select: { type: 'static_select', selected_option: { value: 'inj' } } },
    env: { env_select: { type: 'static_select', selected_option: { value: 'production' } } },
    severity: { severity_radio: { type: 'radio_buttons', selected_option: { value: 'critical' } } },
    level: { level_radio: { type: 'radio_buttons', selected_option: { value: '1' } } },
    reason: { reason_input: reason },
  };
}

async function openModal(text: string): Promise<void> {
  const before = h.slack.views.size;
  await h.slash('U0ALICE', text);
  await waitFor('the modal', () => h.slack.views.size > before);
}

describe('injection through Slack', () => {
  it('modal params: every payload reaches both hosts byte for byte and nothing else runs', async () => {
    const payloads = { ...corpus(), ...modalOnly() };
    const values = assign(payloads);
    await openModal('inj level=1 severity=critical');
    const c = corpus();
    const reason = [c.subst, c.single, c.double, c.mentions, c.rtl, c.astral, c.zeroWidth].join(' ');
    expect(reason.length).toBeLessThanOrEqual(500);
    expect(modalOnly().long.length).toBeLessThanOrEqual(3000);
    const count = (await injRuns()).length;
    await submitModal(h, 'U0ALICE', {
      service: 'inj',
      severity: 'critical',
      level: '1',
      reason,
      ...Object.fromEntries(Object.entries(values).map(([k, v]) => [`param:${k}`, v])),
    });
    const run = await finishedRun(count + 1);
    expect(run.state).toBe('succeeded');
    expectArrived(run.runId, values);
    expect((await store().getIncident(run.incidentId))?.reason).toBe(reason.trim());
    expect(await canaryExists()).toBe(false);
    // Slack mentions typed by a requester never reach a message as live mentions.
    const posted = JSON.stringify(h.slack.callsTo('chat.postMessage').map((c) => c.args));
    expect(posted).not.toContain('<!channel>');
  });

  it('slash text params and reason prefill the modal exactly, and run byte for byte', async () => {
    const payloads = corpus();
    const values = assign(payloads);
    const reason = `${payloads.subst} ${payloads.single} ${payloads.emoji}`;
    const words = Object.entries(values).map(([k, v]) => slashWord(k, v));
    const text = slackEscape(
      ['inj', 'level=1', 'severity=critical', ...words, slashWord('reason', reason)].join(' '),
    );
    expect(text.length).toBeLessThanOrEqual(2000);
    await openModal(text);
    for (const [name, value] of Object.entries(values)) {
      expect({ name, value: initialValue(ids.paramBlockId(name)) }).toEqual({ name, value });
    }
    expect(initialValue(ids.REASON_BLOCK)).toBe(reason);
    const count = (await injRuns()).length;
    await submitModal(h, 'U0ALICE', {
      service: 'inj',
      severity: 'critical',
      level: '1',
      reason: initialValue(ids.REASON_BLOCK)!,
      ...Object.fromEntries(NAMES.map((n) => [`param:${n}`, initialValue(ids.paramBlockId(n))!])),
    });
    const run = await finishedRun(count + 1);
    expect(run.state).toBe('succeeded');
    expectArrived(run.runId, values);
    expect((await store().getIncident(run.incidentId))?.reason).toBe(reason);
    expect(await canaryExists()).toBe(false);
  });

  it('refused modal values (newline, CR, NUL, lone surrogate, unknown host) get a field error and run nothing', async () => {
    const count = (await injRuns()).length;
    const cases: [string, Record<string, Record<string, unknown>>, string, RegExp][] = [
      ['newline', { 'param:v0': { value: `a\n${canary}` } }, 'param:v0', /v0.*newline/],
      ['carriage return', { 'param:v1': { value: 'a\r; touch x' } }, 'param:v1', /v1.*newline/],
      ['NUL', { 'param:v2': { value: 'a\u0000b' } }, 'param:v2', /v2.*NUL/],
      ['lone surrogate', { 'param:v3': { value: 'a\uD800b' } }, 'param:v3', /v3.*surrogate/],
      [
        'unknown host',
        {
          'hosts:production': {
            hosts_select: {
              type: 'multi_static_select',
              selected_options: [{ value: 'inj-1' }, { value: `$(touch ${canary})` }],
            },
          },
        },
        'hosts:production',
        /unknown host/,
      ],
      [
        // Each field is within Slack's 3000 characters, but quoted together they are too much to send.
        'too long to send',
        Object.fromEntries(NAMES.map((n) => [`param:${n}`, { value: "'".repeat(3000) }])),
        'service',
        /bytes once the values are filled in; at most 32000/,
      ],
    ];
    for (const [what, fields, block, message] of cases) {
      await openModal('inj');
      const ack = await submitRaw('U0ALICE', { ...baseFields(), ...fields });
      expect({ what, action: ack?.response_action }).toEqual({ what, action: 'errors' });
      expect(ack?.errors?.[block], what).toMatch(message);
    }
    expect((await injRuns()).length).toBe(count);
    expect(await canaryExists()).toBe(false);
  });

  it('a newline typed in slash text is refused when the prefilled form is submitted', async () => {
    const count = (await injRuns()).length;
    await openModal(`inj level=1 severity=critical v0='a\ntouch ${canary}' reason=x`);
    const prefilled = initialValue(ids.paramBlockId('v0'));
    const ack = await submitRaw('U0ALICE', { ...baseFields(), 'param:v0': { value: prefilled } });
    expect(ack?.errors?.['param:v0']).toMatch(/v0 contains a newline, which is refused/);
    expect((await injRuns()).length).toBe(count);
    expect(await canaryExists()).toBe(false);
  });

  it('refused slash text (control characters, bad hosts, too long) answers clearly and opens nothing', async () => {
    const views = h.slack.views.size;
    const count = (await injRuns()).length;
    const cases: [string, RegExp][] = [
      [`inj v0=a\u0007b`, /control characters/],
      [`inj hosts=inj-1,${slackEscape(`$(touch\${IFS}${canary})`)}`, /hosts must be a comma-separated list/],
      [`inj hosts='inj-1;touch ${canary}'`, /hosts must be a comma-separated list/],
      [`inj v0=${'x'.repeat(2100)}`, /longer than 2000/],
    ];
    for (const [text, message] of cases) {
      const before = h.slack.ephemerals.length;
      await h.slash('U0ALICE', text);
      const reply = await waitFor('the refusal', () => h.slack.ephemerals.slice(before)[0]);
      expect(reply.text).toMatch(message);
    }
    expect(h.slack.views.size).toBe(views);
    expect((await injRuns()).length).toBe(count);
    expect(await canaryExists()).toBe(false);
  });

  it('notes and thread replies join the timeline byte for byte', async () => {
    const incidentId = (await injRuns())[0]!.incidentId;
    const incident = await waitFor('the incident thread', async () => {
      const found = await store().getIncident(incidentId);
      return found?.slackTs ? found : undefined;
    });
    const notes = [corpus().single, corpus().double, corpus().backslash, corpus().mentions, corpus().astral];
    for (const note of notes) {
      const before = h.slack.ephemerals.length;
      await h.slash('U0BOB', slackEscape(`note ${incidentId} ${note}`));
      const reply = await waitFor('the note ack', () => h.slack.ephemerals.slice(before)[0]);
      expect(reply.text).toContain('Noted');
    }
    const replies = [corpus().subst, modalOnly().typographic, corpus().rtl];
    // Typed into the thread as a person would: Slack escapes &, < and > and sends the event.
    for (const text of replies) {
      const sent = await h.slack.userPosts({
        user: 'U0CAROL',
        text,
        channel: incident.slackChannel!,
        thread_ts: incident.slackTs!,
      });
      expect(sent.delivered).toBe(true);
    }
    const stored = await waitFor('every note on the timeline', async () => {
      const texts = (await store().timeline(incidentId))
        .filter((e) => e.type === 'note.added')
        .map((e) => e.data?.text);
      return texts.length === notes.length + replies.length ? texts : undefined;
    });
    expect(stored).toEqual([...notes, ...replies]);
    expect(await canaryExists()).toBe(false);
  });
});

describe('injection through rollbot run --set', () => {
  const workspace = () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-adv-inj-cli-'));
    mkdirSync(join(dir, 'runbooks'));
    writeFileSync(join(dir, 'runbooks', 'inj.yml'), injRunbook(NAMES));
    const env = {
      PATH: process.env.PATH,
      ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
      HOME: process.env.HOME,
      ROLLBOT_RUNBOOKS: join(dir, 'runbooks'),
      ROLLBOT_DB: join(dir, 'data', 'rollbot.db'),
      ROLLBOT_SSH_KEY: sshd.userKeyFile,
      ROLLBOT_KNOWN_HOSTS: sshd.knownHostsFile,
      LOG_LEVEL: 'warn',
    };
    return { dir, env };
  };
  const rollbot = async (args: string[], env: NodeJS.ProcessEnv) => {
    try {
      const { stdout, stderr } = await exec('node', ['bin/rollbot.js', ...args], { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const runArgs = (values: Record<string, string>, reason: string, extra: string[] = []) => [
    'run',
    'inj',
    '--level',
    '1',
    '--severity',
    'critical',
    '--reason',
    reason,
    ...Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    ...extra,
    '--yes',
  ];

  it('every payload (and a 17 kB one) arrives byte for byte', async () => {
    const { dir, env } = workspace();
    const values = assign({
      ...corpus(),
      ...modalOnly(),
      huge: "'$(touch x)`y` é🚀; ".repeat(700),
    });
    const reason = `${corpus().subst} ${corpus().single}`;
    const r = await rollbot(runArgs(values, reason), env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const db = await createStore({
      file: env.ROLLBOT_DB,
      clock: { now: () => Date.now() },
      self: instance(),
    });
    try {
      const [row] = await db.history({ service: 'inj' });
      expect(row?.state).toBe('succeeded');
      expectArrived(row!.runId, values);
      expect((await db.getIncident(row!.incidentId))?.reason).toBe(reason);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await canaryExists()).toBe(false);
  });

  it('refuses newlines, CRs, unknown hosts and values too long to send, with exit 2 and nothing run', async () => {
    const { dir, env } = workspace();
    const attempts: [string[], RegExp][] = [
      [runArgs({ v0: `a\ntouch ${canary}` }, 'newline'), /v0 contains a newline/],
      [runArgs({ v0: `a\r; touch ${canary}` }, 'cr'), /v0 contains a newline/],
      [runArgs({}, 'host', ['--hosts', `inj-1,$(touch ${canary})`]), /unknown host/],
      // Quoted for the SSH wrapper this would be 160 kB, more than a remote shell takes.
      [
        runArgs({ v0: "'".repeat(40_000) }, 'too long'),
        /is \d+ bytes once the values are filled in; at most 32000/,
      ],
    ];
    const results = await Promise.all(attempts.map(([args]) => rollbot(args, env)));
    results.forEach((r, i) => {
      expect({ i, code: r.code }).toEqual({ i, code: 2 });
      expect(r.stderr).toMatch(attempts[i]![1]);
    });
    const db = await createStore({
      file: env.ROLLBOT_DB,
      clock: { now: () => Date.now() },
      self: instance(),
    });
    try {
      expect(await db.history({ service: 'inj' })).toEqual([]);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await canaryExists()).toBe(false);
  });
});
