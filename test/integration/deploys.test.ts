/**
 * Issue 14's deploy loop, through the real HTTP endpoints, Slack (fake) and the CLI: a pipeline
 * reports deploys (bearer token); the form proposes the last known good version and says where it
 * came from; the incident and the RCA name the deploy being rolled back; resolving blocks it, and
 * the gate (`GET /blocked/<service>/<version>`, `rollbot check-deploy`) refuses it.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import { rollbotCli } from '../support/bot-process.js';
import {
  click,
  type Harness,
  INCIDENT_CHANNEL,
  resolveVia,
  startHarness,
  submitModal,
  waitFor,
  waitForButton,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

const TOKEN = 'deploy-token-0123456789abcdef';

let sshd: SshdHandle;
let h: Harness;

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.91', '127.0.0.92'] });
  h = await startHarness({
    mode: 'http',
    sshd,
    releaseDir: `${sshd.home}/deploys-${process.pid}`,
    env: { ROLLBOT_DEPLOY_TOKEN: TOKEN },
  });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await sshd?.stop();
});

const url = (path: string) => `http://127.0.0.1:${h.port}${path}`;

function postDeploy(body: unknown, headers: Record<string, string> = {}) {
  return fetch(url('/deploys'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function cliEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
    HOME: process.env.HOME,
    ROLLBOT_RUNBOOKS: `${h.dir}/runbooks`,
    ROLLBOT_DB: `${h.dir}/data/rollbot.db`,
    LOG_LEVEL: 'silent',
  };
}

describe('POST /deploys', () => {
  it('records nothing without the right bearer token, or from a body it cannot take', async () => {
    const good = { service: 'shop', version: 'v1.4.0' };
    const refused = [
      await postDeploy(good, { authorization: '' }),
      await postDeploy(good, { authorization: 'Bearer wrong-token-0123456789abcdef' }),
      await postDeploy(good, { authorization: `Basic ${TOKEN}` }),
      await postDeploy(good, { 'content-type': 'text/plain' }),
      await postDeploy('{"service": "shop",'),
      await postDeploy({ ...good, extra: 'field' }),
      await postDeploy({ ...good, version: 'v1.4.0; rm -rf /' }),
      await postDeploy({ ...good, commit: 'not-hex' }),
      await postDeploy({ service: 'nope', version: 'v1.4.0' }),
      await postDeploy({ ...good, env: 'nowhere' }),
      await postDeploy({ ...good, url: 'https://ci:hunter2@ci.example.com/p/1' }),
      await postDeploy({ ...good, url: `https://ci.example.com/${'x'.repeat(64 * 1024)}` }),
    ];
    expect(refused.map((r) => r.status)).toEqual([
      401, 401, 401, 415, 400, 400, 400, 400, 404, 404, 400, 413,
    ]);
    for (const r of refused) expect(await r.json()).toHaveProperty('error');
    expect(await h.server.core.store.deploys()).toEqual([]);
  });

  it('records a report, with a timeline event, and lists it in `rollbot deploys`', async () => {
    const res = await postDeploy({
      service: 'shop',
      version: 'v1.4.1',
      commit: 'a1b2c3d4e5f6',
      url: 'https://ci.example.com/p/1',
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { recorded: unknown }).recorded).toMatchObject({
      service: 'shop',
      env: 'production',
      version: 'v1.4.1',
    });
    const db = new Database(`${h.dir}/data/rollbot.db`, { readonly: true });
    const event = db
      .prepare(
        "SELECT actor, data_json AS data FROM timeline WHERE type = 'deploy.recorded' ORDER BY seq DESC LIMIT 1",
      )
      .get() as { actor: string; data: string } | undefined;
    db.close();
    expect(event?.actor).toBe('pipeline');
    expect(JSON.parse(event?.data ?? '{}')).toMatchObject({ service: 'shop', version: 'v1.4.1' });
    const listed = await rollbotCli(['deploys', 'shop'], cliEnv());
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/shop production v1\.4\.1 {2}by pipeline {2}commit a1b2c3d4e5f6/);
  });
});

describe('the deploy loop', () => {
  it('proposes the last known good version, names the deploy in the incident and RCA, and blocks it on resolve', async () => {
    expect((await postDeploy({ service: 'shop', version: 'v1.4.1' })).status).toBe(201);
    // The bad release goes out after the good one; the CLI records it as a person would by hand.
    const recorded = await rollbotCli(
      ['deploys', 'record', 'shop', 'v1.4.2', '--commit', 'ffee0011'],
      cliEnv(),
    );
    expect(recorded.code, recorded.stderr).toBe(0);
    const refused = await rollbotCli(['deploys', 'record', 'shop', '-bad version'], cliEnv());
    expect(refused.code).toBe(2);
    expect(await rollbotCli(['check-deploy', 'shop', 'v1.4.2'], cliEnv())).toMatchObject({ code: 0 });
    expect((await fetch(url('/blocked/shop/v1.4.2'))).status).toBe(200);

    const viewsBefore = h.slack.views.size;
    await h.slash('U0ALICE', 'shop level=2 severity=major');
    await waitFor('the form', () => h.slack.views.size > viewsBefore);
    const form = JSON.stringify([...h.slack.views.values()].at(-1));
    // Prefilled with the last known good version, and the form says where it came from.
    expect(form).toMatch(/"initial_value":"v1\.4\.1"/);
    expect(form).toMatch(/Last known good: deployed [^"]* UTC, before v1\.4\.2 \(deployed now\)/);

    const before = new Set(h.slack.messages(INCIDENT_CHANNEL).map((m) => m.ts));
    // What a real Slack submits: the prefilled value, unless the requester changed it.
    await submitModal(h, 'U0ALICE', {
      service: 'shop',
      severity: 'major',
      level: '2',
      reason: 'Checkout errors after v1.4.2',
      'param:version': 'v1.4.1',
    });
    const root = await waitFor('the incident', () =>
      h.slack
        .messages(INCIDENT_CHANNEL)
        .find((m) => !before.has(m.ts) && !m.thread_ts && /INCIDENT/.test(m.text)),
    );
    const incidentId = /INC-\d{4}-\d{4}/.exec(root.text)![0];
    expect(JSON.stringify(root.blocks)).toMatch(/\*Deployed\*\\n`v1\.4\.2`, \S+ before the request/);

    const approval = await waitForButton(h, root, ids.APPROVE);
    await click(h, 'U0BOB', approval, ids.APPROVE);
    const done = await waitForButton(h, root, ids.RESOLVED, 60_000);
    // Someone who may not operate the run gets no form.
    const [views, ephemerals] = [h.slack.views.size, h.slack.ephemerals.length];
    await click(h, 'U0MALLORY', done, ids.RESOLVED);
    await waitFor('the refusal', () => h.slack.ephemerals.length > ephemerals);
    expect(h.slack.views.size).toBe(views);
    // The form starts from what rollbot knows; a control character is refused in the field.
    const escaped = await resolveVia(h, 'U0ALICE', done, { root_cause: 'clears the screen \u001b[2J' });
    expect(JSON.stringify(escaped)).toMatch(/"response_action":"errors".*"root_cause"/);
    // The error lands on the field that holds the problem: the impact's on the impact.
    const longImpact = await resolveVia(h, 'U0ALICE', done, { resolve_impact: 'x'.repeat(1501) });
    expect(JSON.stringify(longImpact)).toMatch(/"errors":\{"resolve_impact":"The impact is too long/);
    const escapedImpact = await resolveVia(h, 'U0ALICE', done, { resolve_impact: 'EU \u001b]0;x\u0007' });
    expect(JSON.stringify(escapedImpact)).toMatch(/"errors":\{"resolve_impact":"The impact contains control/);
    const resolveForm = [...h.slack.views.values()].at(-1)!;
    expect(JSON.stringify(resolveForm.blocks)).toContain(
      '"initial_value":"A regression in v1.4.2, the version rolled back from (to v1.4.1)."',
    );
    expect(JSON.stringify(resolveForm.blocks)).toContain('"initial_value":"Checkout errors after v1.4.2"');
    await resolveVia(h, 'U0ALICE', done, {
      root_cause: 'v1.4.2 opened a DB connection per request; the pool ran out.',
      resolve_impact: 'EU checkout failed for 12 minutes.',
    });
    await waitFor('the version blocked', async () =>
      (await h.server.core.store.blockedVersions('shop')).some((b) => b.version === 'v1.4.2'),
    );

    const gate = await fetch(url('/blocked/shop/v1.4.2'));
    expect(gate.status).toBe(409);
    expect(await gate.json()).toMatchObject({ blocked: true, incident: incidentId, by: 'U0ALICE' });
    expect((await fetch(url('/blocked/shop/v1.4.1'))).status).toBe(200);
    expect((await fetch(url('/blocked/shop/v1.4.2%2F..'))).status).toBe(200);
    expect((await fetch(url('/blocked/Shop!/v1'))).status).toBe(400);
    const cli = await rollbotCli(['check-deploy', 'shop', 'v1.4.2'], cliEnv());
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`BLOCKED by ${incidentId}`);

    const rca = await waitFor('the RCA draft', () =>
      [...h.slack.files.values()].find((f) => f.filename === `RCA-${incidentId}.md`),
    );
    expect(Buffer.from(rca.bytes).toString()).toMatch(
      /^- \*\*Deploy\*\*: v1\.4\.2 at .* \(commit ffee0011\), \S+ before the incident was opened$/m,
    );

    // The resolution message and the RCA say what the form said.
    const resolution = await waitFor('the resolution message', () =>
      h.slack
        .messages(INCIDENT_CHANNEL)
        .find((m) => !m.thread_ts && m.ts !== root.ts && m.text.includes('RESOLVED')),
    );
    expect(JSON.stringify(resolution.blocks)).toContain(
      '*Root cause:* v1.4.2 opened a DB connection per request',
    );
    expect(JSON.stringify(resolution.blocks)).toContain('EU checkout failed for 12 minutes.');
    const markdown = Buffer.from(rca.bytes).toString();
    expect(markdown).toContain('- **Impact**: EU checkout failed for 12 minutes.');
    expect(markdown).toContain('- Summary (at resolution): v1.4.2 opened a DB connection per request');

    // The next form proposes v1.4.1 still: v1.4.2 is both current and blocked.
    const known = await h.server.core.services.lastKnownGood('shop', 'production');
    expect(known).toMatchObject({ version: 'v1.4.1', current: 'v1.4.2' });
  }, 180_000);
});
