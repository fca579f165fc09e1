/**
 * Issue 10 item 2: "Review plan" ran production changes. A level that needs no approval starts on
 * submit, so the button must say so ("Roll back now"), and the form must show the exact plan before
 * anything runs. A form that showed other words or another plan (a change Slack did not re-render
 * in time) is re-rendered on submit instead of acted on. "Nothing ran" is read from the database
 * and from the hosts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import { SUBMIT_APPROVAL, SUBMIT_NOW } from '../../views/modal-plan.js';
import {
  blockAction,
  type Json,
  type StoredView,
  stateValues,
  viewSubmission,
} from '../support/fake-slack/index.js';
import { runAsTestUser } from '../support/host-user.js';
import { type Harness, INCIDENT_CHANNEL, startHarness, waitFor } from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';
import { openCounts, sleep } from './support.js';

let sshd: SshdHandle;
let h: Harness;
let db: ReturnType<typeof openCounts>;
let dir: string;

/** Level 1 never needs approval; level 2 needs none at CRITICAL (as the shipped runbooks do). */
function toggleRunbook(): string {
  const hosts = sshd.addresses
    .map((a, i) => `      - { name: tg-${i + 1}, address: ${a}, port: ${sshd.port}, user: ${sshd.user} }`)
    .join('\n');
  return `service: toggle
approvers: [U0BOB]
environments:
  production:
    hosts:
${hosts}
    strategy: { canary: 0, parallel: 5 }
levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: 0
    steps:
      - name: Turn the flag off
        run: mkdir -p ${dir} && echo off >> ${dir}/{{host.name}}.flag
  2:
    name: Code rollback
    target: 15m
    approvals: { critical: 0, major: 1, minor: 1 }
    steps:
      - name: Pin the release
        run: mkdir -p ${dir} && echo pinned >> ${dir}/{{host.name}}.pin
`;
}

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.81', '127.0.0.82'] });
  dir = `${sshd.home}/request-form-${process.pid}`;
  h = await startHarness({ mode: 'http', sshd, runbooks: { 'toggle.yml': toggleRunbook() } });
  db = openCounts(h);
});
afterAll(async () => {
  db?.close();
  await h?.stop();
  await sshd?.stop();
});

const blocksOf = (view: StoredView) => view.blocks as Json[];
const submitText = (view: StoredView | Json) => (view.submit as { text?: string } | undefined)?.text;
const hostFiles = async (suffix: string) =>
  (await runAsTestUser(`cat ${dir}/*.${suffix} 2>/dev/null || true`)).stdout.trim();

async function openForm(text: string): Promise<StoredView> {
  const before = h.slack.views.size;
  await h.slash('U0ALICE', text);
  return waitFor('the form', () => h.slack.views.size > before && [...h.slack.views.values()].at(-1));
}

/** The form's fields as Slack sends them on submit. */
function state(level: string, severity: string, hosts?: string[]) {
  return stateValues({
    [ids.SERVICE_BLOCK]: {
      [ids.SERVICE_SELECT]: { type: 'static_select', selected_option: { value: 'toggle' } },
    },
    [ids.ENV_BLOCK]: {
      [ids.ENV_SELECT]: { type: 'static_select', selected_option: { value: 'production' } },
    },
    [ids.SEVERITY_BLOCK]: {
      [ids.SEVERITY_RADIO]: { type: 'radio_buttons', selected_option: { value: severity } },
    },
    [ids.LEVEL_BLOCK]: { [ids.LEVEL_RADIO]: { type: 'radio_buttons', selected_option: { value: level } } },
    [ids.REASON_BLOCK]: { [ids.REASON_INPUT]: 'checkout 500s' },
    ...(hosts
      ? {
          [ids.hostsBlockId('production')]: {
            [ids.HOSTS_SELECT]: {
              type: 'multi_static_select',
              selected_options: hosts.map((value) => ({ value })),
            },
          },
        }
      : {}),
  });
}

async function submit(view: StoredView, fields: ReturnType<typeof state>) {
  const res = await h.driver.interaction(viewSubmission({ user: 'U0ALICE', view, state: fields }, h.slack));
  expect(res.status).toBe(200);
  return res.json as { response_action?: string; view?: Json } | undefined;
}

describe('the request form says what its button does, and shows the plan before anything runs', () => {
  it('a level needing no approval: "Roll back now", the exact plan in the form, and it runs only on submit', async () => {
    const view = await openForm('toggle level=1 severity=major');
    expect(submitText(view)).not.toBe('Review plan');
    expect(submitText(view)).toBe(SUBMIT_NOW);
    const preview = blocksOf(view).find((b) => String(b.block_id).startsWith(ids.PLAN_PREVIEW_PREFIX));
    expect(JSON.stringify(preview)).toContain('Turn the flag off');
    expect(JSON.stringify(preview)).toContain('echo off &gt;&gt;');
    expect(JSON.stringify(blocksOf(view))).toContain('runs this plan on production at once');
    // Opening the form ran nothing.
    expect(db.counts().runs).toBe(0);

    expect(await submit(view, state('1', 'major'))).toBeUndefined();
    await waitFor('the flag on both hosts', async () => (await hostFiles('flag')).split('\n').length === 2);
    expect(db.starts().map((s) => [s.level, s.approvedBefore])).toEqual([[1, 0]]);
  });

  it('follows the severity: "Request approval" at MAJOR, "Roll back now" once CRITICAL is picked', async () => {
    const view = await openForm('toggle level=2 severity=major');
    expect(submitText(view)).toBe(SUBMIT_APPROVAL);
    expect(JSON.stringify(blocksOf(view))).toContain('waits for 1 approval; nothing runs before');
    await h.interact(
      blockAction(
        {
          user: 'U0ALICE',
          actionId: ids.SEVERITY_RADIO,
          type: 'radio_buttons',
          action: { selected_option: { value: 'critical' } },
          view: { ...view, state: state('2', 'critical') },
        },
        h.slack,
      ),
    );
    await waitFor(
      'the form to say Roll back now',
      () => submitText(h.slack.views.get(view.id)!) === SUBMIT_NOW,
    );
  });

  it('a form that promised approval, or showed another plan, is shown again instead of acted on', async () => {
    const runsBefore = db.counts().runs;
    // Shown at MAJOR ("Request approval"), submitted at CRITICAL before Slack re-rendered it.
    const stale = await openForm('toggle level=2 severity=major');
    expect(submitText(stale)).toBe(SUBMIT_APPROVAL);
    const answer = await submit(stale, state('2', 'critical'));
    expect(answer?.response_action).toBe('update');
    expect(submitText(answer!.view!)).toBe(SUBMIT_NOW);
    expect(JSON.stringify(answer!.view!.blocks)).toContain('Pin the release');

    // Shown for both hosts, submitted for one: a different plan than the one on screen.
    const both = await openForm('toggle level=1 severity=critical');
    const narrowed = await submit(both, state('1', 'critical', ['tg-1']));
    expect(narrowed?.response_action).toBe('update');
    expect(JSON.stringify(narrowed!.view!.blocks)).toContain('1 step on 1 host');

    await sleep(300);
    expect(db.counts().runs).toBe(runsBefore);
    expect(await hostFiles('pin')).toBe('');
    expect(h.slack.messages(INCIDENT_CHANNEL).filter((m) => !m.thread_ts)).toHaveLength(1);
  });
});
