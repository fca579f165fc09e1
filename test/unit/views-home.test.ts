import { describe, expect, it } from 'vitest';
import type { HistoryRow, Incident, Run } from '../../src/domain/records.js';
import { HOME_BLOCKS_MAX, type HomeData, type HomeService, homeView } from '../../views/home.js';
import { checkView } from '../support/fake-slack/limits.js';

const T0 = Date.UTC(2026, 2, 1, 14, 0);

function incident(n: number, over: Partial<Incident> = {}): Incident {
  return {
    id: `INC-2026-${String(n).padStart(4, '0')}`,
    kind: 'incident',
    service: 'shop',
    env: 'production',
    severity: 'critical',
    level: 2,
    reason: 'checkout 500s',
    requestedBy: 'U0ALICE',
    status: 'open',
    openedAt: T0 - 5 * 60_000,
    resolvedAt: null,
    slackChannel: 'C0INCIDENTS',
    slackTs: '1772373600.000100',
    ...over,
  };
}

function run(inc: Incident, over: Partial<Run> = {}): Run {
  return {
    id: `${inc.id}-r1`,
    incidentId: inc.id,
    service: inc.service,
    env: inc.env,
    level: 2,
    drill: false,
    state: 'pending_approval',
    planHash: 'a'.repeat(64),
    planJson: '{}',
    paramsJson: '{}',
    requestedBy: inc.requestedBy,
    createdAt: T0 - 5 * 60_000,
    startedAt: null,
    finishedAt: null,
    targetMs: 900_000,
    error: null,
    escalatedFrom: null,
    ...over,
  };
}

function row(over: Partial<HistoryRow> = {}): HistoryRow {
  return {
    runId: 'INC-2026-0001-r1',
    incidentId: 'INC-2026-0001',
    service: 'shop',
    env: 'production',
    level: 1,
    drill: false,
    requestedBy: 'U0ALICE',
    state: 'succeeded',
    createdAt: T0 - 86_400_000,
    startedAt: T0 - 86_400_000,
    finishedAt: T0 - 86_400_000 + 42_000,
    durationMs: 42_000,
    targetMs: 120_000,
    ...over,
  };
}

function service(name: string, over: Partial<HomeService> = {}): HomeService {
  return {
    service: name,
    description: 'Shop API',
    envs: ['production', 'staging'],
    levels: [
      { level: 1, name: 'Feature toggle', targetMs: 120_000, approvals: { critical: 0, major: 1, minor: 1 } },
      { level: 2, name: 'Code rollback', targetMs: 900_000, approvals: 1 },
      { level: 3, name: 'Full restore', targetMs: 2_700_000, approvals: 2 },
    ],
    approver: false,
    recent: [],
    ...over,
  };
}

const text = (data: HomeData) => JSON.stringify(homeView(data).blocks);

describe('App Home view', () => {
  it('shows open incidents with state and thread link, services with levels, and the last rollbacks', () => {
    const open = incident(7);
    const data: HomeData = {
      user: 'U0BOB',
      open: [
        {
          incident: open,
          run: run(open),
          threadUrl: 'https://acme.slack.com/archives/C0INCIDENTS/p1772373600000100',
        },
      ],
      services: [service('shop', { approver: true, recent: [row()] }), service('cart')],
      now: T0,
    };
    const view = homeView(data);
    expect(view.type).toBe('home');
    expect(checkView(view)).toBeUndefined();
    const all = text(data);
    expect(all).toContain('<https://acme.slack.com/archives/C0INCIDENTS/p1772373600000100|INC-2026-0007>');
    expect(all).toContain('⏳ Awaiting approval');
    expect(all).toContain('open 5m');
    expect(all).toContain('Level 2 · Code rollback · target 15m · 1 approval');
    expect(all).toContain('approvals: critical 0, major 1, minor 1');
    expect(all).toContain('You are an approver for this service.');
    expect(all.match(/You are an approver/g)).toHaveLength(1);
    expect(all).toContain('✅ level 1 on production, 2026-02-28 14:00 UTC in 42s (INC-2026-0001)');
    expect(all).toContain('No rollbacks yet.');
  });

  it('says when nothing is open, and shows a notice first', () => {
    const view = homeView({
      user: 'U1',
      open: [],
      services: [],
      notice: 'rollbot is not a member <#x>',
      now: T0,
    });
    expect(JSON.stringify(view.blocks[2])).toContain('⚠️ rollbot is not a member &lt;#x&gt;');
    expect(JSON.stringify(view.blocks)).toContain('No open incidents.');
  });

  it('never links anything but an https URL, and escapes what people typed', () => {
    const inc = incident(1, { service: '<!channel>' });
    const all = text({
      user: 'U1',
      open: [{ incident: inc, threadUrl: 'javascript:alert(1)|x' }],
      services: [service('shop', { description: '<@U0EVIL> & co' })],
      now: T0,
    });
    expect(all).not.toContain('javascript:');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U0EVIL>');
  });

  it("stays within Slack's 100 blocks with 500 open incidents and 150 services, and says what it left out", () => {
    const open = Array.from({ length: 500 }, (_, i) => {
      const inc = incident(i + 1, { reason: 'r'.repeat(500) });
      return { incident: inc, run: run(inc), threadUrl: `https://acme.slack.com/archives/C1/p${i}` };
    });
    const services = Array.from({ length: 150 }, (_, i) =>
      service(`svc-${i}`, { description: 'd'.repeat(400), recent: [row(), row(), row()] }),
    );
    const view = homeView({ user: 'U1', open, services, now: T0 });
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_BLOCKS_MAX);
    expect(checkView(view)).toBeUndefined();
    const all = JSON.stringify(view.blocks);
    expect(all).toMatch(/… and \d+ more not shown/);
    expect(all).toMatch(/… and \d+ more services: /);
    expect(all).toContain('svc-149');
  });
});
