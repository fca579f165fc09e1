/**
 * Issue 11's messages, read as Slack renders them, through `rollbot serve`, the fake Slack and a
 * real sshd: the incident root and approval carry seed 002's fields, the plan shows each step once,
 * a failure is reported once (in the progress message, with its buttons), a retry's progress adds
 * up, a resolved root drops the 🚨 header and the ETA, and history and the RCA give the same time
 * to restore. The same incident's lifecycle is in the log, one JSON line per change, with its ids.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILED_ACTION } from '../../src/slack/presenter.js';
import * as ids from '../../views/ids.js';
import { type Json, type StoredMessage, stateValues, viewSubmission } from '../support/fake-slack/index.js';
import {
  click,
  type Harness,
  hasButton,
  INCIDENT_CHANNEL,
  resolveVia,
  startHarness,
  waitFor,
  waitForButton,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;
let h: Harness;
let log = '';

/** Step 2 fails once (a lock that clears; both hosts share the test user's home), so the first run fails on the canary and a retry succeeds. */
function flakyRunbook(dir: string): string {
  const hosts = sshd.addresses
    .map((a, i) => `      - { name: fl-${i + 1}, address: ${a}, port: ${sshd.port}, user: ${sshd.user} }`)
    .join('\n');
  return `service: flaky
approvers: [U0BOB, S0LEADS]
environments:
  production:
    hosts:
${hosts}
    strategy: { canary: 1, parallel: 5 }
params:
  version: { description: Release, pattern: '^v\\d+\\.\\d+\\.\\d+$', default: v1.0.0 }
levels:
  2:
    name: Code rollback
    target: 15m
    approvals: 1
    steps:
      - name: Check out {{version}}
        run: mkdir -p ${dir} && echo {{version}} > ${dir}/{{host.name}}.release
      - name: Migrate
        run: test -f ${dir}/migrate.ok || { touch ${dir}/migrate.ok; echo 'migration lock held' >&2; exit 3; }
      - name: Reload
        run: echo reloaded
`;
}

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.73', '127.0.0.74'] });
  const dir = `${sshd.home}/messages-${process.pid}`;
  const logTo = new Writable({
    write(chunk, _encoding, done) {
      log += String(chunk);
      done();
    },
  });
  h = await startHarness({
    mode: 'http',
    sshd,
    runbooks: { 'flaky.yml': flakyRunbook(dir) },
    env: { LOG_LEVEL: 'info' },
    logTo,
  });
});
afterAll(async () => {
  await h?.stop();
  await sshd?.stop();
});

const all = (m: StoredMessage | undefined) => JSON.stringify(m?.blocks ?? []) + (m?.text ?? '');
const thread = (root: StoredMessage) =>
  h.slack.thread(INCIDENT_CHANNEL, root.ts).filter((m) => m.ts !== root.ts);
const rootNow = (root: StoredMessage) => h.slack.messages(INCIDENT_CHANNEL).find((m) => m.ts === root.ts)!;

describe('the incident thread as the seeds describe it', () => {
  it('carries seed 002’s fields, reports a failure once, adds up after a retry, and agrees on its figures', async () => {
    const before = h.slack.views.size;
    await h.slash('U0ALICE', 'flaky level=2 severity=major impact="EU customers cannot check out"');
    const form = await waitFor(
      'the form',
      () => h.slack.views.size > before && [...h.slack.views.values()].at(-1),
    );
    const impactField = (form.blocks as Json[]).find((b) => b.block_id === ids.IMPACT_BLOCK);
    expect(JSON.stringify(impactField)).toContain('EU customers cannot check out');
    await h.interact(
      viewSubmission(
        {
          user: 'U0ALICE',
          view: form,
          state: stateValues({
            [ids.SERVICE_BLOCK]: {
              [ids.SERVICE_SELECT]: { type: 'static_select', selected_option: { value: 'flaky' } },
            },
            [ids.ENV_BLOCK]: {
              [ids.ENV_SELECT]: { type: 'static_select', selected_option: { value: 'production' } },
            },
            [ids.SEVERITY_BLOCK]: {
              [ids.SEVERITY_RADIO]: { type: 'radio_buttons', selected_option: { value: 'major' } },
            },
            [ids.LEVEL_BLOCK]: {
              [ids.LEVEL_RADIO]: { type: 'radio_buttons', selected_option: { value: '2' } },
            },
            [ids.REASON_BLOCK]: { [ids.REASON_INPUT]: 'checkout 500s since v1.1.0' },
            [ids.IMPACT_BLOCK]: { [ids.IMPACT_INPUT]: 'EU customers cannot check out' },
            'param:version': { value: 'v1.0.0' },
          }),
        },
        h.slack,
      ),
    );
    const root = await waitFor('the incident root', () =>
      h.slack.messages(INCIDENT_CHANNEL).find((m) => !m.thread_ts && m.text.includes('INCIDENT: flaky')),
    );
    const incidentId = /INC-\d{4}-\d{4}/.exec(root.text)![0];

    // Root: seed 002's data loss, affected users, owner, and a computed ETA.
    const first = all(root);
    expect(first).toContain('*Data loss*\\nNone expected');
    expect(first).toContain('*Affected users / features*\\nEU customers cannot check out');
    expect(first).toContain('*Issue*\\ncheckout 500s since v1.1.0');
    expect(first).toContain('*Owner*\\n<@U0ALICE> (requested it)');
    expect(first).not.toContain('(level target)');

    // Ownership changes hands on the root, by someone who may operate the run; not by anyone else.
    const mine = (user: string, since: number) =>
      waitFor(`an answer to ${user}`, () => h.slack.ephemerals.slice(since).find((e) => e.user === user));
    let since = h.slack.ephemerals.length;
    await click(h, 'U0MALLORY', root, ids.TAKE_OWNERSHIP);
    expect((await mine('U0MALLORY', since)).text).toContain('Only the requester or an approver');
    expect((await h.server.core.store.getIncident(incidentId))?.owner).toBe('U0ALICE');
    since = h.slack.ephemerals.length;
    await click(h, 'U0BOB', root, ids.TAKE_OWNERSHIP);
    expect((await mine('U0BOB', since)).text).toBe(`You own ${incidentId} now.`);
    const taken = await waitFor('the root to show its new owner', () =>
      all(rootNow(root)).includes('*Owner*\\n<@U0BOB> · requested by <@U0ALICE>') ? rootNow(root) : undefined,
    );
    expect(all(taken)).toContain('*Current action*\\nWaiting for 1 approval(s)');
    await waitFor('the thread to say who took it', () =>
      thread(root).find((m) => m.text === `🙋 <@U0BOB> took ownership of ${incidentId} from <@U0ALICE>.`),
    );
    const owned = (await h.server.core.store.timeline(incidentId)).filter(
      (e) => e.type === 'incident.owner_changed',
    );
    expect(owned.map((e) => [e.actor, e.data])).toEqual([['U0BOB', { from: 'U0ALICE', to: 'U0BOB' }]]);

    // Plan: each step once, on all hosts; the host's own part as a placeholder.
    const plan = await waitFor('the plan', () =>
      thread(root).find((m) => m.text.startsWith('Plan for flaky')),
    );
    expect(all(plan).split('on all 2 hosts').length - 1).toBe(3);
    expect(all(plan)).toContain('{{host.name}}.release');

    // Approval: decided from the message itself.
    const approval = await waitForButton(h, root, ids.APPROVE);
    const asked = all(approval);
    for (const part of [
      '*Severity*\\n🟡 MAJOR',
      '*Target version*\\n`v1.0.0`',
      '*Data loss risk*\\nNone expected',
      '*Impact:* EU customers cannot check out',
    ])
      expect(asked).toContain(part);

    // The canary fails step 2: reported once, in the progress message, with its buttons there.
    await click(h, 'U0BOB', approval, ids.APPROVE);
    const failed = await waitForButton(h, root, ids.RETRY_STEP);
    expect(failed.text).toContain('1 of 6 done (3 steps × 2 hosts) · 1 failed · 4 not started');
    expect(all(failed)).toContain('fl-2 ▫️');
    for (const id of [ids.RETRY_STEP, ids.ESCALATE, ids.ABORT]) expect(hasButton(failed, id)).toBe(true);
    await waitFor('the root to show the failure status', () => all(rootNow(root)).includes(FAILED_ACTION));
    expect(all(rootNow(root))).toContain('❌ Failed');
    // The failure itself (host, exit code, output) is in the progress message only.
    expect(all(failed)).toContain('on `fl-1`: exit code 3');
    expect(all(rootNow(root))).not.toContain('exit code 3');
    expect(thread(root).filter((m) => all(m).includes('exit code 3'))).toEqual([failed]);
    expect(thread(root).some((m) => m.text.includes('ROLLBACK FAILED'))).toBe(false);

    // Retry: a new run, approved by someone else, skipping what the first run did; it adds up.
    await click(h, 'U0ALICE', failed, ids.RETRY_STEP);
    const again = await waitFor('the retry’s approval', () =>
      thread(root).find((m) => m.ts !== approval.ts && hasButton(m, ids.APPROVE)),
    );
    await click(h, 'U0CAROL', again, ids.APPROVE);
    const done = await waitForButton(h, root, ids.RESOLVED, 30_000);
    expect(done.text).toContain('6 of 6 done (3 steps × 2 hosts)');
    expect(all(done)).toContain('fl-1 ☑️');
    expect(all(done)).not.toContain('⏳');

    // Resolved: the root reads as resolved, without the 🚨 header or an ETA.
    await resolveVia(h, 'U0ALICE', done);
    const resolved = await waitFor('the resolved root', () =>
      rootNow(root).text.startsWith('✅ RESOLVED') ? rootNow(root) : undefined,
    );
    expect(all(resolved)).not.toContain('🚨');
    expect(all(resolved)).not.toContain('*ETA*');
    expect(hasButton(resolved, ids.TAKE_OWNERSHIP)).toBe(false);
    expect(all(resolved)).toContain('*Owner*\\n<@U0BOB> · requested by <@U0ALICE>');

    // The same time to restore in /rollback history and in the RCA.
    const rca = (await h.server.core.services.draftRca(incidentId))!.markdown;
    const restore = /\| Time to restore \| (.+?) \(request → run r2 succeeded\) \|/.exec(rca)?.[1];
    expect(restore).toBeDefined();
    expect(rca).toMatch(/\| r1 \| 2 · Code rollback \| failed \| 15m \| .+ \| not a restore \|/);
    const ephemerals = h.slack.ephemerals.length;
    await h.slash('U0BOB', 'history flaky');
    const history = await waitFor('the history', () => h.slack.ephemerals.slice(ephemerals).at(0));
    expect(JSON.stringify(history)).toContain(`flaky ${restore} (1 incident)`);

    // The log tells the same story, one JSON line per change, each with the incident's ids.
    const lines = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.incidentId === incidentId);
    const story = lines.map((l) => [l.msg, l.runId, l.state ?? l.ending ?? l.host ?? '']);
    const r1 = `${incidentId}-r1`;
    const r2 = `${incidentId}-r2`;
    expect(story).toEqual([
      ['rollback requested', r1, ''],
      ['waiting for approval', r1, ''],
      ['incident owner changed', r1, ''],
      ['run approved', r1, ''],
      ['run started', r1, ''],
      ['step failed', r1, 'fl-1'],
      ['run finished', r1, 'failed'],
      ['run failed', r1, 'failed'],
      ['rollback requested again', r2, ''],
      ['waiting for approval', r2, ''],
      ['run approved', r2, ''],
      ['run started', r2, ''],
      ['run finished', r2, 'succeeded'],
      ['incident resolved', r2, ''],
    ]);
    for (const line of lines) {
      // `level` stays pino's (30 info, 40 warn): the rollback's level has its own name.
      expect(line).toMatchObject({ service: 'flaky', env: 'production', rollbackLevel: 2 });
      expect([30, 40]).toContain(line.level);
    }
    expect(lines.find((l) => l.msg === 'step failed')).toMatchObject({ step: 'Migrate', exitCode: 3 });
    expect(lines.find((l) => l.msg === 'run approved' && l.runId === r2)).toMatchObject({
      approvedBy: ['U0CAROL'],
    });
    expect(lines.at(-1)?.auditHead).toMatch(/^[0-9a-f]{64}$/);
  });
});
