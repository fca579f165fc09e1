import { describe, expect, it } from 'vitest';
import type { ListenerDeps } from '../../commands/deps.js';
import { previewOf, requestForm } from '../../commands/modal-view.js';
import { approvalsNeeded } from '../../src/runbooks/approvals.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import { type Runbook, runbookSchema } from '../../src/runbooks/schema.js';
import { SUBMIT_APPROVAL, SUBMIT_NOW } from '../../views/modal-plan.js';

const SECRET = 'tok_Zq81xVv93kLm';

const runbook: Runbook = runbookSchema.parse({
  service: 'vault',
  approvers: ['U0LEAD'],
  environments: {
    production: { hosts: [{ name: 'v-1', address: '10.0.0.1' }] },
    staging: { hosts: [{ name: 'v-stg', address: '10.0.1.1' }] },
  },
  params: { token: { pattern: '^[A-Za-z0-9_]{8,64}$', secret: true, from: 'env:VAULT_TOKEN' } },
  levels: {
    1: {
      name: 'Toggle',
      target: '2m',
      approvals: { critical: 0, major: 1, minor: 1 },
      steps: [
        { name: 'Flag off', local: ['curl', '-H', 'Authorization: Bearer {{token}}', 'http://flags/off'] },
        { name: 'Check', check: { url: 'http://{{host.address}}/health?t={{token}}' } },
      ],
    },
  },
});

/** The listeners' deps as serve.ts wires them, over the real renderer and approvals function. */
const deps = {
  catalog: { get: () => runbook, names: () => ['vault'] },
  preview: (input: Parameters<ListenerDeps['preview']>[0]) =>
    renderPlan(runbook, { ...input, runId: 'RUN-ID', incidentId: 'INCIDENT-ID' }),
  approvalsNeeded,
} as unknown as ListenerDeps;

describe('request form preview', () => {
  it('shows where a secret comes from, never asks for it, and never sends a forged one back to Slack', () => {
    const prefill = { service: 'vault', level: 1, severity: 'critical' as const, params: {} };
    const preview = previewOf(deps, runbook, prefill);
    expect(preview).toMatchObject({ ok: true, approvals: 0 });
    const form = JSON.stringify(requestForm(deps, runbook, prefill, '{}'));
    expect(form).toContain('Authorization: Bearer ••••••');
    expect(form).toContain('token (env:VAULT_TOKEN)');
    // A submission forged with the secret's value: refused, and the value is not echoed.
    const forged = { ...prefill, params: { token: SECRET } };
    expect(previewOf(deps, runbook, forged)).toMatchObject({ ok: false });
    expect(JSON.stringify(requestForm(deps, runbook, forged, '{}'))).not.toContain(SECRET);
  });

  it('asks the approvals function with the environment the form shows and the severity picked', () => {
    const prefill = { service: 'vault', level: 1, params: {} };
    expect(requestForm(deps, runbook, { ...prefill, severity: 'critical' }, '{}').submit?.text).toBe(
      SUBMIT_NOW,
    );
    expect(requestForm(deps, runbook, { ...prefill, severity: 'major' }, '{}').submit?.text).toBe(
      SUBMIT_APPROVAL,
    );
    expect(previewOf(deps, runbook, { ...prefill, env: 'staging' })).toMatchObject({
      ok: true,
      approvals: undefined,
      plan: { env: 'staging' },
    });
    expect(previewOf(deps, runbook, { service: 'vault', params: {} })).toBeUndefined();
    expect(previewOf(deps, runbook, { service: 'vault', level: 1, params: {}, hosts: ['v-9'] })).toMatchObject({
      ok: false,
    });
  });
});

describe('request form preview of a submission', () => {
  it('previews exactly the environment submitted, so an unknown one is refused, not replaced', () => {
    const prefill = { service: 'vault', level: 1, severity: 'critical' as const, params: {} };
    expect(previewOf(deps, runbook, { ...prefill, env: ' ' }, 'submit')).toMatchObject({ ok: false });
    expect(previewOf(deps, runbook, { ...prefill, env: ' ' })).toMatchObject({
      ok: true,
      plan: { env: 'production' },
    });
  });
});
