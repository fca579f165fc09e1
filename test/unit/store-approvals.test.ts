import { describe, expect, it } from 'vitest';
import { BACKENDS, testPlan, useTempStores } from '../support/temp-store.js';

describe.each(BACKENDS)('store on %s', (backend) => {
  const tempStore = useTempStores(backend);

  async function setup() {
    const clock = { t: Date.UTC(2026, 2, 14, 9, 30), now: () => clock.t };
    const { store } = await tempStore(clock);
    const result = await store.openRun({
      incident: {
        kind: 'incident',
        service: 'mimo',
        env: 'production',
        severity: 'critical',
        level: 3,
        reason: 'data corruption',
        requestedBy: 'U0ALICE',
      },
      level: 3,
      requestedBy: 'U0ALICE',
      approvalsRequired: 2,
      drill: false,
      render: () => testPlan({ hash: 'plan-a', level: 3 }),
    });
    if (!result.ok) throw new Error(result.message);
    return { store, run: result.run };
  }

  describe('recordApproval', () => {
    it('counts each approver once, however often they click', async () => {
      const { store, run } = await setup();
      expect(await store.recordApproval(run.id, 'U0BOB', 'plan-a', 'approve')).toEqual({
        ok: true,
        count: 1,
      });
      expect(await store.recordApproval(run.id, 'U0BOB', 'plan-a', 'approve')).toMatchObject({
        ok: false,
        code: 'already_decided',
      });
      expect(await store.recordApproval(run.id, 'U0CAROL', 'plan-a', 'approve')).toEqual({
        ok: true,
        count: 2,
      });
      const granted = (await store.timeline(run.incidentId)).filter((e) => e.type === 'approval.granted');
      expect(granted.map((e) => [e.actor, e.data?.count])).toEqual([
        ['U0BOB', 1],
        ['U0CAROL', 2],
      ]);
    });

    it('refuses an approval of a plan other than the pending one', async () => {
      const { store, run } = await setup();
      expect(await store.recordApproval(run.id, 'U0BOB', 'plan-b', 'approve')).toMatchObject({
        ok: false,
        code: 'plan_changed',
      });
      // The refused click did not use up the approver's one decision.
      expect(await store.recordApproval(run.id, 'U0BOB', 'plan-a', 'approve')).toEqual({
        ok: true,
        count: 1,
      });
    });

    it('refuses decisions on a run that is no longer pending, or does not exist', async () => {
      const { store, run } = await setup();
      await store.transitionRun(run.id, ['pending_approval'], 'approved', {
        type: 'approval.granted',
        actor: 'U0BOB',
      });
      expect(await store.recordApproval(run.id, 'U0CAROL', 'plan-a', 'approve')).toMatchObject({
        ok: false,
        code: 'not_pending',
      });
      expect(await store.recordApproval('INC-2026-0009-r1', 'U0CAROL', 'plan-a', 'approve')).toMatchObject({
        ok: false,
        code: 'not_found',
      });
    });

    it('records a denial without counting it as an approval', async () => {
      const { store, run } = await setup();
      expect(await store.recordApproval(run.id, 'U0BOB', 'plan-a', 'deny')).toEqual({ ok: true, count: 0 });
      expect(await store.recordApproval(run.id, 'U0BOB', 'plan-a', 'approve')).toMatchObject({
        code: 'already_decided',
      });
      expect((await store.timeline(run.incidentId)).at(-1)).toMatchObject({
        type: 'approval.denied',
        actor: 'U0BOB',
      });
    });
  });
});
