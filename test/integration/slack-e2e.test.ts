import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_AGENT } from '../../src/slack/web-api.js';
import * as ids from '../../views/ids.js';
import { blockAction } from '../support/fake-slack/index.js';
import { runAsTestUser } from '../support/host-user.js';
import {
  click,
  type Harness,
  hasButton,
  resolveVia,
  startHarness,
  submitModal,
  waitFor,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.8', '127.0.0.9'] });
});
afterAll(async () => {
  await sshd?.stop();
});

describe.each(['http', 'socket'] as const)('end to end over %s', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode, sshd });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('serves /healthz and /blocked on PORT', async () => {
    const health = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const blocked = await fetch(`http://127.0.0.1:${h.port}/blocked/shop`);
    expect(await blocked.json()).toEqual({ service: 'shop', blocked: [] });
    expect((await fetch(`http://127.0.0.1:${h.port}/blocked/Not_A_Service`)).status).toBe(400);
  });

  it('re-renders the form when the service changes, and answers help and status', async () => {
    await h.slash('U0BOB', '');
    const opened = await waitFor('the empty modal', () => [...h.slack.views.values()].at(-1));
    expect(JSON.stringify(opened.blocks)).not.toContain('severity_radio');
    await h.interact(
      blockAction(
        {
          user: 'U0BOB',
          actionId: ids.SERVICE_SELECT,
          type: 'static_select',
          action: { selected_option: { value: 'shop' } },
          view: {
            ...opened,
            state: {
              values: {
                service: { service_select: { type: 'static_select', selected_option: { value: 'shop' } } },
              },
            },
          },
        },
        h.slack,
      ),
    );
    await waitFor("the modal with shop's fields", () =>
      JSON.stringify(h.slack.views.get(opened.id)?.blocks ?? []).includes('severity_radio'),
    );
    await h.slash('U0BOB', 'help');
    await h.slash('U0BOB', 'status');
    await h.slash('U0BOB', 'nosuchservice level=2');
    await waitFor('help, status and the unknown-service answer', () => {
      const texts = h.slack.ephemerals.map((e) => JSON.stringify(e));
      return (
        texts.some((t) => t.includes('/rollback drill')) &&
        texts.some((t) => t.includes('No active incidents or runs')) &&
        texts.some((t) => t.includes('Known services: shop'))
      );
    });
  });

  it('slash command → modal → approval by a second user → run on sshd → resolution, all in one thread', async () => {
    const before = h.slack.views.size;
    await h.slash('U0ALICE', 'shop level=2 severity=major');
    await waitFor('the modal', () => h.slack.views.size > before);

    await submitModal(h, 'U0ALICE', {
      service: 'shop',
      severity: 'major',
      level: '2',
      reason: 'checkout 500s since v1.3.0 <!channel>',
      'param:version': 'v1.2.0',
    });
    const channel = 'engineering-incidents';
    const root = await waitFor('the incident root', () =>
      h.slack.messages(`#${channel}`).find((m) => !m.thread_ts && m.text.includes('INCIDENT')),
    );
    expect(root.text).not.toContain('<!channel>');
    const approval = await waitFor('the approval message', () =>
      h.slack.thread(`#${channel}`, root.ts).find((m) => hasButton(m, ids.APPROVE)),
    );

    // The requester cannot approve their own request; nothing starts.
    await click(h, 'U0ALICE', approval, ids.APPROVE);
    await waitFor('the self-approval refusal', () =>
      h.slack.ephemerals.find((e) => e.text?.includes('cannot approve')),
    );
    // A user in the approvers' group approves: the run starts on the real hosts.
    await click(h, 'U0CAROL', approval, ids.APPROVE);
    const done = await waitFor('the progress message with Resolved', () =>
      h.slack.thread(`#${channel}`, root.ts).find((m) => hasButton(m, ids.RESOLVED)),
    );
    expect(done.edits).toBeGreaterThan(0);
    for (const host of ['shop-1', 'shop-2']) {
      const release = await runAsTestUser(`cat ${sshd.home}/e2e-${process.pid}-${mode}/${host}.release`);
      expect(release.stdout.trim()).toBe('v1.2.0');
    }
    await resolveVia(h, 'U0ALICE', done);
    // The resolution is its own message in the channel (the root is edited to say resolved too).
    const resolution = await waitFor('the resolution message', () =>
      h.slack
        .messages(`#${channel}`)
        .find((m) => m.ts !== root.ts && !m.thread_ts && m.text.includes('RESOLVED')),
    );
    expect(resolution.text).toContain('v1.2.0');
    await waitFor('the root to show Resolved', () =>
      h.slack
        .messages(`#${channel}`)
        .find((m) => m.ts === root.ts && m.text.toLowerCase().includes('resolved')),
    );
    // Everything except the resolution lives in the incident's thread.
    const topLevel = h.slack.messages(`#${channel}`).filter((m) => !m.thread_ts);
    expect(topLevel.map((m) => m.ts).sort()).toEqual([root.ts, resolution.ts].sort());
    const incidentId = /INC-\d{4}-\d{4}/.exec(root.text)?.[0];
    const timeline = (await h.server.core.store.timeline(incidentId!)).map((e) => e.type);
    expect(timeline).toEqual(
      expect.arrayContaining([
        'incident.opened',
        'request.submitted',
        'approval.refused',
        'approval.granted',
        'run.approved',
        'run.started',
        'step.finished',
        'run.finished',
        'incident.resolved',
      ]),
    );
    expect(timeline.filter((t) => t === 'run.started')).toHaveLength(1);

    // A reply in the thread joins the timeline as context for the RCA, delivered as Slack delivers it:
    // only because the bot joined the (public) incident channel at start.
    expect(h.slack.isMember(`#${channel}`)).toBe(true);
    const notes = async () =>
      (await h.server.core.store.timeline(incidentId!))
        .filter((e) => e.type === 'note.added')
        .map((n) => [n.actor, n.data?.text]);
    const reply = await h.slack.userPosts({
      user: 'U0BOB',
      text: 'DB failover at 14:02, p99 > 2s & falling',
      channel: `#${channel}`,
      thread_ts: root.ts,
    });
    expect(reply.delivered).toBe(true);
    // Slack retries the same event (same message ts): it is recorded once.
    if (reply.delivered) await h.slack.resendEvent(reply.body, { retryNum: 1, retryReason: 'http_timeout' });
    // A reply in a thread that is not an incident's joins nothing.
    const other = await h.slack.userPosts({ user: 'U0BOB', text: 'lunch?', channel: `#${channel}` });
    await h.slack.userPosts({
      user: 'U0BOB',
      text: 'unrelated',
      channel: `#${channel}`,
      thread_ts: other.message.ts,
    });
    await h.slack.userPosts({
      user: 'U0CAROL',
      text: 'rollback verified',
      channel: `#${channel}`,
      thread_ts: root.ts,
    });
    await waitFor('the last thread reply on the timeline', async () => (await notes()).length >= 2);
    expect(await notes()).toEqual([
      ['U0BOB', 'DB failover at 14:02, p99 > 2s & falling'],
      ['U0CAROL', 'rollback verified'],
    ]);
    // Every Web API call went through rollbot's one client, with the scopes the manifest grants.
    const botCalls = h.slack.calls.filter((c) => c.method !== 'apps.connections.open');
    expect(botCalls.filter((c) => c.error === 'missing_scope')).toEqual([]);
    expect(new Set(botCalls.map((c) => c.userAgent))).toEqual(new Set([USER_AGENT]));

    // Prometheus series after the run.
    const metrics = await (await fetch(`http://127.0.0.1:${h.port}/metrics`)).text();
    expect(metrics).toMatch(
      /rollbot_rollbacks_total\{service="shop",level="2",outcome="succeeded",kind="incident"\} 1/,
    );
    expect(metrics).toMatch(/rollbot_run_duration_seconds_count\{level="2"\} 1/);
    expect(metrics).toMatch(/rollbot_approval_wait_seconds_count 1/);
    expect(metrics).toMatch(/rollbot_steps_total\{outcome="ok"\} 4/);
    expect(metrics).toMatch(/rollbot_slack_ack_seconds_count\{kind="slash_command"\} \d+/);
    expect(metrics).toContain('rollbot_process_cpu_seconds_total');
  });
});
