import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import {
  click,
  type Harness,
  requestRollback,
  resolveVia,
  startHarness,
  waitFor,
  waitForButton,
} from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

let sshd: SshdHandle;
let health: Server;
let h: Harness;
let releaseDir: string;

/** Reports, per host, the release file the rollback writes; v9.9.9 (the bad release) until then. */
function startHealth(): Promise<number> {
  health = createServer((req, res) => {
    const host = new URL(req.url ?? '/', 'http://x').searchParams.get('host') ?? '';
    const file = `${releaseDir}/${host.replace(/[^a-z0-9-]/g, '')}.release`;
    const version = existsSync(file) ? readFileSync(file, 'utf8').trim() : 'v9.9.9';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', version }));
  });
  return new Promise((resolve) =>
    health.listen(0, '127.0.0.1', () => resolve((health.address() as AddressInfo).port)),
  );
}

beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.14', '127.0.0.15'] });
  releaseDir = `${sshd.home}/blocked-${process.pid}`;
  const port = await startHealth();
  h = await startHarness({
    mode: 'http',
    sshd,
    releaseDir,
    healthUrl: `http://127.0.0.1:${port}/health?host={{host.name}}`,
  });
});
afterAll(async () => {
  await h?.stop();
  await new Promise((r) => health?.close(r));
  await sshd?.stop();
});

const blocked = async () =>
  ((await (await fetch(`http://127.0.0.1:${h.port}/blocked/shop`)).json()) as { blocked: string[] }).blocked;

describe('blocked versions', () => {
  it('a resolved rollback blocks the version the hosts ran before it; an approver can unblock it', async () => {
    const { root, incidentId } = await requestRollback(h, 'U0ALICE', {
      level: 2,
      severity: 'critical',
      reason: 'v9.9.9 corrupts carts',
      params: { version: 'v1.2.0' },
    });
    const approval = await waitForButton(h, root, ids.APPROVE);
    await click(h, 'U0BOB', approval, ids.APPROVE);
    const done = await waitForButton(h, root, ids.RESOLVED);
    expect(await blocked()).toEqual([]);
    await resolveVia(h, 'U0ALICE', done);
    await waitFor('the block', async () => (await blocked()).length > 0);
    expect(await blocked()).toEqual(['v9.9.9']);

    // Unblocking is for approvers, and both attempts are on the record.
    await h.slash('U0MALLORY', 'unblock shop v9.9.9');
    await waitFor('the refusal', () =>
      h.slack.responses.some((r) => JSON.stringify(r).includes('Only an approver')),
    );
    expect(await blocked()).toEqual(['v9.9.9']);
    await h.slash('U0BOB', 'unblock shop v9.9.9');
    await waitFor('the unblock', async () => (await blocked()).length === 0);
    const types = (await h.server.core.store.timeline(incidentId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['run.observed', 'version.blocked', 'version.unblocked']));
  });
});
