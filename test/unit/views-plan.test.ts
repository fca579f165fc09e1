import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import { runbookSchema } from '../../src/runbooks/schema.js';
import type { MessageContent } from '../../views/blocks.js';
import { planMessage, withHostPlaceholders } from '../../views/plan.js';
import { checkMessage } from '../support/fake-slack/limits.js';

/** A shop runbook on `hosts` hosts whose steps name the host (as the e2e fixture does). */
function fleetPlan(hosts: number): Plan {
  const runbook = runbookSchema.parse({
    service: 'shop',
    approvers: ['U0LEAD'],
    environments: {
      production: {
        hosts: Array.from({ length: hosts }, (_, i) => ({
          name: `shop-${i + 1}`,
          address: `10.0.0.${i + 1}`,
        })),
        strategy: { canary: 1, parallel: 10 },
      },
    },
    params: { version: { pattern: '^v\\d+\\.\\d+\\.\\d+$', default: 'v1.2.0' } },
    health: { url: 'http://{{host.address}}:4000/health', expect: { json: { status: 'ok' } } },
    levels: {
      2: {
        name: 'Code rollback',
        target: '15m',
        approvals: 1,
        steps: [
          { name: 'Check out {{version}}', run: "printf '%s\\n' {{version}} > /srv/{{host.name}}.release" },
          { name: 'Reload', run: 'pm2 reload app' },
          { name: 'Verify', check: 'health', expect: { json: { version: '{{version}}' } } },
        ],
      },
    },
  });
  const rendered = renderPlan(runbook, {
    env: 'production',
    level: 2,
    params: {},
    runId: 'R1',
    incidentId: 'I1',
  });
  if (!rendered.ok) throw new Error(rendered.message);
  return rendered.plan;
}

const text = (m: MessageContent) => JSON.stringify(m.blocks);
const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('plan message', () => {
  it('shows each of 50 hosts’ steps once, with the host list, within Slack’s limits', () => {
    const m = planMessage({ plan: fleetPlan(50) });
    const s = text(m);
    expect(checkMessage({ text: m.text, blocks: m.blocks })).toBeUndefined();
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    // Every step once, on all hosts, its command once with the host's own part as a placeholder.
    expect(count(s, '*1. Check out v1.2.0*')).toBe(1);
    expect(count(s, 'on all 50 hosts')).toBe(3);
    expect(count(s, "printf '%s\\\\n' v1.2.0 &gt; /srv/{{host.name}}.release")).toBe(1);
    expect(count(s, 'GET http://{{host.address}}:4000/health')).toBe(1);
    expect(count(s, 'pm2 reload app')).toBe(1);
    // No per-host repetition: host names appear in the summary field only.
    expect(count(s, 'shop-17')).toBe(0);
    expect(count(s, 'shop-2')).toBe(1);
    expect(s).not.toContain('with their own command');
    expect(s).toContain('{{host.name}}` / `{{host.address}}` stand for each host');
  });

  it('shows per-host text only where the hosts’ commands really differ', () => {
    const plan = fleetPlan(6);
    const step = plan.steps[1]!;
    const odd: Plan = {
      ...plan,
      steps: [
        {
          ...step,
          targets: step.targets.map((t, i) =>
            t.kind === 'run' && i >= 4 ? { ...t, script: 'pm2 reload app --legacy' } : t,
          ),
        },
      ],
    };
    const s = text(planMessage({ plan: odd }));
    expect(s).toContain('*2. Reload* · run · timeout 5m · on all 6 hosts');
    expect(s).toContain('on shop-1, shop-2, shop-3, shop-4:');
    expect(s).toContain('on shop-5, shop-6:');
    expect(count(s, 'pm2 reload app --legacy')).toBe(1);
  });

  it('names the hosts of a step limited to some of them', () => {
    const plan = fleetPlan(8);
    const step = plan.steps[1]!;
    const some: Plan = { ...plan, steps: [{ ...step, targets: step.targets.slice(0, 2) }] };
    expect(text(planMessage({ plan: some }))).toContain('on 2 of 8 hosts: shop-1, shop-2');
  });

  it('uses placeholders only for whole host values that substitute back exactly', () => {
    const host = { name: 'shop-1', address: '10.0.0.1' };
    expect(withHostPlaceholders('cat /srv/shop-1.release', host)).toBe('cat /srv/{{host.name}}.release');
    // shop-10 and 10.0.0.12 are other hosts' values, not this one's.
    expect(withHostPlaceholders('ping shop-10 10.0.0.12', host)).toBe('ping shop-10 10.0.0.12');
    expect(withHostPlaceholders('curl http://10.0.0.1:80', host)).toBe('curl http://{{host.address}}:80');
    expect(withHostPlaceholders('echo {{host.name}} shop-1', host)).toBe('echo {{host.name}} shop-1');
  });
});
