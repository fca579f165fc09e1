import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import { manifestInstallation } from '../support/fake-slack/index.js';
import {
  type Harness,
  INCIDENT_CHANNEL,
  requestRollback,
  resolveVia,
  SHOP_FLAG_TOKEN,
  startHarness,
  waitFor,
  waitForButton,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

// The shop runbook's secret `token` is read by the bot from env:SHOP_FLAG_TOKEN; Slack never sees it.
const SECRET = SHOP_FLAG_TOKEN;
let sshd: SshdHandle;
let h: Harness;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.16'] });
  h = await startHarness({ mode: 'http', sshd });
});
afterAll(async () => {
  await h?.stop();
  await sshd?.stop();
});

describe('RCA draft in Slack', () => {
  it('is uploaded into the thread on resolution and on /rollback rca, and never contains a secret param', async () => {
    // Critical level 1 needs no approval: it runs at once.
    const { root, incidentId } = await requestRollback(h, 'U0ALICE', {
      level: 1,
      severity: 'critical',
      reason: 'flag service meltdown',
    });
    const done = await waitForButton(h, root, ids.RESOLVED);
    await resolveVia(h, 'U0ALICE', done);
    const file = await waitFor('the RCA upload', () =>
      [...h.slack.files.values()].find((f) => f.filename.startsWith('RCA-')),
    );
    expect(file.filename).toBe(`RCA-${incidentId}.md`);
    expect(file.thread_ts).toBe(root.ts);
    const markdown = Buffer.from(file.bytes).toString('utf8');
    expect(markdown).toContain(`# Root Cause Analysis`);
    expect(markdown).toContain('## Timeline');
    expect(markdown).toContain('flag service meltdown');

    await h.slash('U0BOB', `rca ${incidentId}`);
    await waitFor(
      'a second upload',
      () => [...h.slack.files.values()].filter((f) => f.filename.startsWith('RCA-')).length === 2,
    );

    // The secret reached the host (the step echoed it, and the engine masked the echo) but no
    // Slack call, file or stored row.
    const everything =
      JSON.stringify(h.slack.calls) +
      [...h.slack.files.values()].map((f) => Buffer.from(f.bytes).toString()).join('');
    expect(everything).not.toContain(SECRET);
    const store = h.server.core.store;
    expect(JSON.stringify(await store.timeline(incidentId))).not.toContain(SECRET);
    const run = (await store.runsOfIncident(incidentId))[0]!;
    expect(JSON.stringify(await store.stepResults(run.id))).toContain('••••••');
    expect(JSON.stringify([run, await store.stepResults(run.id)])).not.toContain(SECRET);
  });
});

describe('RCA draft when Slack refuses the upload', () => {
  let old: Harness;
  beforeAll(async () => {
    // Installed from the manifest as it was before files:write: every upload is refused.
    const scopes = manifestInstallation().scopes.filter((s) => s !== 'files:write');
    old = await startHarness({ mode: 'socket', sshd, scopes });
  });
  afterAll(async () => {
    await old?.stop();
  });

  it('says so in the thread, with why, and points to `rollbot rca --out`', async () => {
    const { root, incidentId } = await requestRollback(old, 'U0ALICE', {
      level: 1,
      severity: 'critical',
      reason: 'flag service meltdown',
    });
    const done = await waitForButton(old, root, ids.RESOLVED);
    await resolveVia(old, 'U0ALICE', done);
    const said = await waitFor('the thread told the upload failed', () =>
      old.slack.thread(INCIDENT_CHANNEL, root.ts).find((m) => m.text.includes('could not be uploaded')),
    );
    expect(said.text).toContain('missing_scope (needs files:write)');
    expect(said.text).toContain(`rollbot rca ${incidentId} --out ${incidentId}-rca.md`);
    expect(old.slack.files.size).toBe(0);
    expect(old.slack.callsTo('files.getUploadURLExternal').map((c) => c.error)).toEqual(['missing_scope']);

    // /rollback rca tries again, and fails the same visible way.
    await old.slash('U0BOB', `rca ${incidentId}`);
    await waitFor(
      'a second notice',
      () =>
        old.slack.thread(INCIDENT_CHANNEL, root.ts).filter((m) => m.text.includes('could not be uploaded'))
          .length === 2,
    );
  });
});
