/**
 * Generated input through the real listeners over HTTP (fast-check, 1,000 runs each): slash text
 * never crashes the bot, is answered 200 within Slack's 3 s with an ephemeral or a modal, and opens
 * no incident; a modal submission gets inline errors, or closes with exactly one incident only when
 * it is fully valid; and no run ever starts without an approval its policy asks for.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSlash } from '../../src/domain/slash-grammar.js';
import type { Store } from '../../src/store/store.js';
import * as ids from '../../views/ids.js';
import { REASON_MAX } from '../../views/modal.js';
import { SUBMIT_NOW } from '../../views/modal-plan.js';
import { type Json, viewSubmission } from '../support/fake-slack/index.js';
import { type Harness, startHarness } from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';
import { openCounts, sleep } from './support.js';

const RUNS = 1000;
const SLACK_ACK_MS = 3000;
/**
 * The time all 1,000 runs may take, and the test's own timeout above it. Each answer is still held
 * to Slack's 3 s; this only bounds the whole property, which takes 3 to 15 s on an idle machine and
 * several times that when other suites share the two cores.
 */
const PROPERTY_MS = 120_000;
const TEST_MS = PROPERTY_MS + 30_000;

let sshd: SshdHandle;
let h: Harness;
let db: ReturnType<typeof openCounts>;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.53', '127.0.0.54'] });
  h = await startHarness({ mode: 'http', sshd });
  db = openCounts(h);
});
afterAll(async () => {
  // Whatever the generators opened and is still waiting goes away, so stopping does not wait on it.
  const store = h?.server.core.store as Store | undefined;
  for (const run of (await store?.activeRuns()) ?? [])
    await h.server.core.services.abort({ user: run.requestedBy, runId: run.id });
  db?.close();
  await h?.stop();
  await sshd?.stop();
});

/** Polls quickly: most answers are already there. */
async function within<T>(ms: number, probe: () => T | undefined): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(3);
  }
}

const KEYWORDS = [
  'help',
  'status',
  'history',
  'rca',
  'note',
  'unblock',
  'drill',
  'shop',
  'nosuch',
  'SHOP',
  'level=1',
  'level=2',
  'level=3',
  'level=0',
  'level=',
  'severity=critical',
  'severity=major',
  'severity=bogus',
  'env=production',
  'env=staging',
  'env=mars',
  'hosts=shop-1',
  'hosts=shop-1,nosuch',
  'hosts=',
  'reason="disk full"',
  "reason='a b'",
  'reason="unclosed',
  'version=v1.2.0',
  'version=1;rm -rf /',
  'token=abcdefgh12',
  'INC-2026-0001',
  'DRL-2026-0001',
  'v1.0.0',
  '=',
  '==',
  'a=b=c',
  '"',
  "'",
  '“quoted”',
  '&lt;script&gt;',
  '<!channel>',
  '<@U0BOB>',
  '$(id)',
  '`id`',
  '\\',
  '__proto__=x',
  'constructor=x',
];

const slashToken = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYWORDS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('level', 'severity', 'env', 'hosts', 'reason', 'version', 'token', 'x'),
        fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
      )
      .map(([k, v]) => `${k}=${v}`),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 300, maxLength: 2500 }) },
);
const separator = fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '\u3000', '');
const slashText = fc
  .array(fc.tuple(slashToken, separator), { maxLength: 8 })
  .map((parts) => parts.map(([t, s]) => t + s).join(''));

describe('fuzzing the slash command', () => {
  it(
    'answers 1,000 generated texts within 3 s with an ephemeral or a modal, and opens no incident',
    async () => {
      const channel = h.slack.channelId('#ops')!;
      const outcomes = { ephemeral: 0, modal: 0, response: 0, drills: 0 };
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(slashText, fc.constantFrom('U0ALICE', 'U0BOB', 'U0MALLORY'), async (text, user) => {
          const incidents = db.counts().incidents;
          const trigger = h.slack.issueTriggerId(user);
          const responseUrl = h.slack.issueResponseUrl(channel, user);
          const res = await h.driver.slashCommand(
            { user_id: user, channel_id: channel, text, trigger_id: trigger, response_url: responseUrl },
            { timeoutMs: SLACK_ACK_MS },
          );
          expect(res.status).toBe(200);
          expect(res.ms).toBeLessThan(SLACK_ACK_MS);
          const parsed = parseSlash(text);
          const drill = parsed.ok && parsed.command.kind === 'drill';
          if (res.body !== '') {
            // Answered in the ack: ephemeral, with text.
            expect(res.json).toMatchObject({ response_type: 'ephemeral', text: expect.any(String) });
            outcomes.ephemeral += 1;
          } else {
            // Answered after the ack: a modal for this trigger, or a reply on this response_url.
            const path = new URL(responseUrl).pathname;
            const answer = await within(2000, () => {
              if (h.slack.callsTo('views.open').some((c) => c.args.trigger_id === trigger && c.ok))
                return 'modal' as const;
              return h.slack.responses.some((r) => r.url === path) ? ('response' as const) : undefined;
            });
            expect(answer, JSON.stringify(text)).toBeDefined();
            outcomes[answer!] += 1;
            if (answer === 'response') {
              const reply = h.slack.responses.find((r) => r.url === path)!;
              expect(reply.body.response_type).toBe('ephemeral');
            }
          }
          // Slash text alone never opens an incident; a drill (the one command that runs) opens its own.
          const after = db.counts().incidents;
          if (drill) outcomes.drills += after - incidents;
          else expect(after, JSON.stringify(text)).toBe(incidents);
        }),
        { numRuns: RUNS, interruptAfterTimeLimit: PROPERTY_MS, markInterruptAsFailure: true },
      );
      // The process is still up and still answers.
      expect((await fetch(`http://127.0.0.1:${h.port}/healthz`)).status).toBe(200);
      expect(outcomes.ephemeral).toBeGreaterThan(RUNS / 2);
      expect(outcomes.modal).toBeGreaterThan(0);
      console.info('slash fuzz', { ...outcomes, ms: Math.round(performance.now() - started) });
    },
    TEST_MS,
  );
});

// ---- modal submissions ----

const USERS = ['U0ALICE', 'U0BOB', 'U0MALLORY'];
const SEVERITIES = ['critical', 'major', 'minor'];
const HOSTS: Record<string, string[]> = { production: ['shop-1', 'shop-2'], staging: ['shop-stg'] };

interface Fields {
  service?: unknown;
  env?: unknown;
  severity?: unknown;
  level?: unknown;
  reason?: unknown;
  version?: unknown;
  token?: unknown;
  hosts?: unknown;
}

/** A field: mostly a plausible value, sometimes missing, wrong, or not even the right type. */
function field<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<T | string | undefined | { junk: unknown }> {
  return fc.oneof(
    { weight: 16, arbitrary: valid },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((junk) => ({ junk })) },
  );
}

const fieldsArb: fc.Arbitrary<Fields> = fc.record({
  service: field(fc.constant('shop')),
  env: field(fc.constantFrom('production', 'staging')),
  severity: field(fc.constantFrom(...SEVERITIES)),
  level: field(fc.constantFrom('1', '2', '3')),
  reason: field(fc.oneof(fc.constant('checkout is down'), fc.string({ unit: 'grapheme', maxLength: 40 }))),
  version: field(fc.constantFrom('v1.2.0', 'v1.1.0', 'v2.0.0-rc1')),
  // The form has no `token` field (a secret, read from env): mostly absent, as Slack sends it; sometimes forged.
  token: fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: field(fc.constantFrom('abcdefgh12', 'short')) },
  ),
  hosts: field(fc.constantFrom([], ['shop-1'], ['shop-1', 'shop-2'], ['shop-stg'], ['nosuch'])),
});

/** Slack's element shape for a field; a `{ junk }` value replaces the whole element. */
function element(type: string, key: 'selected_option' | 'value' | 'selected_options', value: unknown) {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && 'junk' in value)
    return (value as { junk: unknown }).junk;
  if (key === 'selected_option') return { type, selected_option: { value } };
  if (key === 'selected_options')
    return {
      type,
      selected_options: (Array.isArray(value) ? value : [value]).map((v) => ({ value: v })),
    };
  return { type, value };
}

function stateOf(f: Fields): Record<string, Record<string, unknown>> {
  const env = typeof f.env === 'string' ? f.env : 'production';
  const entries: [string, string, unknown][] = [
    [ids.SERVICE_BLOCK, ids.SERVICE_SELECT, element('static_select', 'selected_option', f.service)],
    [ids.ENV_BLOCK, ids.ENV_SELECT, element('static_select', 'selected_option', f.env)],
    [ids.SEVERITY_BLOCK, ids.SEVERITY_RADIO, element('radio_buttons', 'selected_option', f.severity)],
    [ids.LEVEL_BLOCK, ids.LEVEL_RADIO, element('radio_buttons', 'selected_option', f.level)],
    [ids.REASON_BLOCK, ids.REASON_INPUT, element('plain_text_input', 'value', f.reason)],
    [ids.paramBlockId('version'), ids.PARAM_ACTION, element('plain_text_input', 'value', f.version)],
    [ids.paramBlockId('token'), ids.PARAM_ACTION, element('plain_text_input', 'value', f.token)],
    [ids.hostsBlockId(env), ids.HOSTS_SELECT, element('multi_static_select', 'selected_options', f.hosts)],
  ];
  const values: Record<string, Record<string, unknown>> = {};
  for (const [block, action, el] of entries) if (el !== undefined) values[block] = { [action]: el };
  return values;
}

const metadataArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('own') },
  { weight: 1, arbitrary: fc.constant('other user') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ minLength: 3001, maxLength: 3500 }) },
);

const submissionArb = fc.record({
  user: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...USERS) },
    fc.constantFrom('u0lower', 'W0', 'U0BOB '),
  ),
  metadata: metadataArb,
  fields: fieldsArb,
  /** Sometimes the whole state is not what Slack sends. */
  brokenState: fc.oneof(
    { weight: 19, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  ),
});

/** Conditions every submission that opens an incident must meet (refusals for other reasons are fine). */
const absent = (v: unknown) => v === undefined || v === '';

type Submission = typeof submissionArb extends fc.Arbitrary<infer T> ? T : never;

function fullyValid(s: Submission): boolean {
  const f = s.fields;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const reason = str(f.reason)?.trim() ?? '';
  const env = str(f.env);
  const hosts = f.hosts;
  return (
    s.brokenState === null &&
    s.metadata === 'own' &&
    /^U0[A-Z]+$/.test(s.user) &&
    f.service === 'shop' &&
    (env === 'production' || env === 'staging') &&
    SEVERITIES.includes(str(f.severity) ?? '') &&
    ['1', '2', '3'].includes(str(f.level) ?? '') &&
    reason.length > 0 &&
    reason.length <= REASON_MAX &&
    // An empty input is no input: the param's default (or its absence) applies.
    (absent(f.version) || /^v\d+\.\d+\.\d+$/.test(str(f.version) ?? '')) &&
    // The form has no field for the secret `token` (read from env:SHOP_FLAG_TOKEN): a forged one is refused.
    absent(f.token) &&
    (hosts === undefined ||
      (Array.isArray(hosts) && hosts.every((x) => typeof x === 'string' && HOSTS[env]!.includes(x))))
  );
}

describe('fuzzing the request modal', () => {
  it(
    'answers 1,000 generated submissions with field errors, one incident when fully valid, or (a level that runs at once) the plan first; nothing runs unapproved',
    async () => {
      const channel = h.slack.channelId('#ops')!;
      const store = h.server.core.store as Store;
      const outcomes = { errors: 0, opened: 0, validButRefused: 0, shownFirst: 0 };
      let n = 0;
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(submissionArb, async (s) => {
          n += 1;
          const other = USERS.find((u) => u !== s.user)!;
          const metadata =
            s.metadata === 'own' || s.metadata === 'other user'
              ? JSON.stringify({ channel, user: s.metadata === 'own' ? s.user : other, at: Date.now() })
              : s.metadata;
          const payload = viewSubmission(
            {
              user: s.user,
              view: { id: `V0FUZZ${n}`, callback_id: ids.REQUEST_MODAL, private_metadata: metadata },
              state: { values: stateOf(s.fields) },
            },
            h.slack,
          );
          if (s.brokenState !== null) (payload.view as Json).state = s.brokenState;
          const before = db.counts().incidents;
          const res = await h.driver.interaction(payload, { timeoutMs: SLACK_ACK_MS });
          expect(res.status).toBe(200);
          expect(res.ms).toBeLessThan(SLACK_ACK_MS);
          const opened = db.counts().incidents - before;
          if (res.body === '') {
            // Closed: exactly one incident, and only for a fully valid submission.
            expect(opened).toBe(1);
            expect(fullyValid(s), JSON.stringify(s)).toBe(true);
            outcomes.opened += 1;
            // Free the service for the next valid submission (one active run per service and env).
            for (const run of (await store.activeRuns()).filter((r) => r.state === 'pending_approval'))
              await h.server.core.services.abort({ user: run.requestedBy, runId: run.id });
          } else if ((res.json as { response_action?: string }).response_action === 'update') {
            // Valid, needs no approval, but the form never showed this plan: it is shown, not run.
            expect(opened).toBe(0);
            expect(fullyValid(s), JSON.stringify(s)).toBe(true);
            expect((res.json as { view?: { submit?: { text?: string } } }).view?.submit?.text).toBe(
              SUBMIT_NOW,
            );
            outcomes.shownFirst += 1;
          } else {
            expect(res.json).toMatchObject({ response_action: 'errors', errors: expect.any(Object) });
            expect(opened).toBe(0);
            outcomes.errors += 1;
            if (fullyValid(s)) outcomes.validButRefused += 1;
          }
        }),
        { numRuns: RUNS, interruptAfterTimeLimit: PROPERTY_MS, markInterruptAsFailure: true },
      );
      await h.server.core.services.idle();
      // Every run that started had its approvals first, or a policy that asks for none (level 1, critical).
      const starts = db.starts();
      for (const s of starts)
        expect(s.approvedBefore === 1 || (s.level === 1 && s.severity === 'critical'), s.runId).toBe(true);
      expect(outcomes.opened).toBeGreaterThan(10);
      expect(outcomes.errors).toBeGreaterThan(RUNS / 2);
      console.info('modal fuzz', {
        ...outcomes,
        started: starts.length,
        ms: Math.round(performance.now() - started),
      });
    },
    TEST_MS,
  );
});
