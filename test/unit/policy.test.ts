import { describe, expect, it } from 'vitest';
import { APPROVAL_TTL_MS, checkApproval, checkOperator } from '../../src/domain/policy.js';
import type { Run } from '../../src/domain/records.js';
import { testPlan } from '../support/records.js';

const run: Run = {
  id: 'INC-2026-0001-r1',
  incidentId: 'INC-2026-0001',
  service: 'mimo',
  env: 'production',
  level: 2,
  drill: false,
  state: 'pending_approval',
  planHash: 'a'.repeat(64),
  plan: testPlan(),
  executable: true,
  approvalsRequired: 1,
  owner: null,
  requestedBy: 'U0ALICE',
  createdAt: 1_000_000,
  startedAt: null,
  finishedAt: null,
  targetMs: 900_000,
  error: null,
  escalatedFrom: null,
};
const approvers = { members: new Set(['U0ALICE', 'U0BOB']) };
const ctx = { approvers, teamId: 'T0OURS' };
const click = { user: 'U0BOB', teamId: 'T0OURS', planHash: run.planHash, now: run.createdAt + 1000 };

describe('approval policy', () => {
  it('accepts an approver other than the requester, from this workspace, for the plan shown, in time', () => {
    expect(checkApproval(run, click, ctx)).toEqual({ ok: true });
  });

  it.each([
    ['another workspace', { ...click, teamId: 'T0OTHER' }, run, 'not_authorized'],
    [
      'the requester, even though listed as an approver',
      { ...click, user: 'U0ALICE' },
      run,
      'not_authorized',
    ],
    ['someone who is not an approver', { ...click, user: 'U0MALLORY' }, run, 'not_authorized'],
    ['a request no longer pending', click, { ...run, state: 'approved' as const }, 'already_decided'],
    ['an older plan hash', { ...click, planHash: 'b'.repeat(64) }, run, 'plan_changed'],
    ['an expired request', { ...click, now: run.createdAt + APPROVAL_TTL_MS + 1 }, run, 'expired'],
  ])('refuses %s', (_what, c, r, code) => {
    expect(checkApproval(r, c, ctx)).toMatchObject({ ok: false, code });
  });

  it('lets the requester or an approver operate a run, from this workspace only', () => {
    expect(checkOperator(run, { user: 'U0ALICE' }, ctx)).toEqual({ ok: true });
    expect(checkOperator(run, { user: 'U0BOB', teamId: 'T0OURS' }, ctx)).toEqual({ ok: true });
    expect(checkOperator(run, { user: 'U0MALLORY' }, ctx)).toMatchObject({
      ok: false,
      code: 'not_authorized',
    });
    expect(checkOperator(run, { user: 'U0ALICE', teamId: 'T0OTHER' }, ctx)).toMatchObject({
      ok: false,
      message: 'Buttons must be used from this workspace.',
    });
  });
});
