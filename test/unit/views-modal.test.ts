import type { InputBlock, ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { SEVERITIES, SEVERITY_INFO } from '../../src/domain/severity.js';
import { loadRunbookFile } from '../../src/runbooks/load.js';
import { renderPlan } from '../../src/runbooks/plan.js';
import { type Runbook, runbookSchema } from '../../src/runbooks/schema.js';
import * as ids from '../../views/ids.js';
import { type ModalPrefill, type ModalPreview, modalErrors, requestModal } from '../../views/modal.js';
import { serviceOptions } from '../../views/modal-fields.js';
import { SUBMIT_APPROVAL, SUBMIT_INCOMPLETE, SUBMIT_NOW } from '../../views/modal-plan.js';
import { escapeMrkdwn } from '../../views/mrkdwn.js';
import { checkView } from '../support/fake-slack/limits.js';

function fixture(name: string): Runbook {
  const { runbook, errors } = loadRunbookFile(`test/fixtures/runbooks/valid/${name}.yml`);
  if (!runbook) throw new Error(JSON.stringify(errors));
  return runbook;
}
const mimo = fixture('mimo');
const ledger = fixture('ledger');
const META = JSON.stringify({ channel: 'C0INCIDENTS', user: 'U0REQ' });

function modal(runbook: Runbook | undefined, prefill: Partial<ModalPrefill> = {}): ModalView {
  return requestModal({
    services: ['ledger', 'mimo'],
    runbook,
    prefill: { params: {}, ...prefill },
    privateMetadata: META,
  });
}
const inputs = (view: ModalView) => view.blocks.filter((b): b is InputBlock => b.type === 'input');
const block = (view: ModalView, id: string) => view.blocks.find((b) => b.block_id === id);
const paramIds = (view: ModalView) =>
  view.blocks.map((b) => b.block_id ?? '').filter((id) => ids.paramNameOf(id) !== undefined);
const json = (b: unknown) => JSON.stringify(b);

describe('request modal', () => {
  it('is a modal with the fixed callback, title, submit, close and private metadata', () => {
    const view = modal(mimo);
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: ids.REQUEST_MODAL,
      title: { type: 'plain_text', text: 'Rollback' },
      submit: { text: 'Submit request' },
      close: { text: 'Cancel' },
      private_metadata: META,
    });
  });

  it('shows only the service select and an explanation before a service is picked', () => {
    const view = modal(undefined);
    expect(inputs(view).map((b) => b.block_id)).toEqual([ids.SERVICE_BLOCK]);
    expect(view.blocks).toHaveLength(2);
    expect(json(view.blocks[1])).toMatch(/Pick the service/);
    const service = inputs(view)[0]!;
    expect(service.dispatch_action).toBe(true);
    expect(service.element).toMatchObject({ type: 'static_select', action_id: ids.SERVICE_SELECT });
  });

  it('shows exactly the params the selected level uses', () => {
    expect(paramIds(modal(mimo, { level: 1 }))).toEqual([]);
    expect(json(modal(mimo, { level: 1 }).blocks)).toMatch(/needs no parameters/);
    expect(paramIds(modal(mimo, { level: 2 }))).toEqual(['param:version']);
    expect(paramIds(modal(mimo, { level: 3 }))).toEqual(['param:backup']);
    expect(paramIds(modal(ledger, { level: 1 }))).toEqual(['param:reason']);
    // The secret token is read by the bot, never asked for.
    expect(paramIds(modal(ledger, { level: 2 }))).toEqual(['param:revision', 'param:region']);
  });

  it('leaves out the params of steps limited to hosts the chosen environment lacks', () => {
    const edited: Runbook = structuredClone(ledger);
    const drain = edited.levels[1]!.steps[0]!;
    drain.hosts = ['ledger-a']; // `reason` is used by this production-only step alone
    expect(paramIds(modal(edited, { level: 1, env: 'production' }))).toEqual(['param:reason']);
    expect(paramIds(modal(edited, { level: 1, env: 'staging' }))).toEqual([]);
  });

  it('shows no params until a level is chosen, and the level radio re-renders the modal', () => {
    const view = modal(mimo);
    expect(paramIds(view)).toEqual([]);
    expect(json(view.blocks)).toMatch(/Pick a level to see the parameters/);
    const level = block(view, ids.LEVEL_BLOCK) as InputBlock;
    expect(level.dispatch_action).toBe(true);
    expect(level.element).toMatchObject({ type: 'radio_buttons', action_id: ids.LEVEL_RADIO });
    const texts = JSON.stringify(level.element);
    expect(texts).toContain('1 · Feature toggle — target 2m');
    expect(texts).toContain('2 · Code rollback — target 15m');
    expect(texts).toContain('3 · Full restore — target 45m');
    expect((block(view, ids.ENV_BLOCK) as InputBlock).dispatch_action).toBe(true);
  });

  it('shows every severity with its urgency and all criteria next to the choice', () => {
    const view = modal(mimo);
    const radio = (block(view, ids.SEVERITY_BLOCK) as InputBlock).element;
    expect(radio.type).toBe('radio_buttons');
    const options = (radio as { options: { value: string; description?: { text: string } }[] }).options;
    expect(options.map((o) => o.value)).toEqual([...SEVERITIES]);
    expect(options.map((o) => o.description?.text)).toEqual(SEVERITIES.map((s) => SEVERITY_INFO[s].urgency));
    const criteria = json(block(view, ids.SEVERITY_CRITERIA_BLOCK));
    for (const s of SEVERITIES) {
      expect(criteria).toContain(SEVERITY_INFO[s].label);
      for (const c of SEVERITY_INFO[s].criteria) expect(criteria).toContain(escapeMrkdwn(c));
    }
    expect(criteria).toContain('Error rate &gt; 5% for &gt; 5 minutes');
  });

  it('renders enums as selects, never asks for a secret (names where it is read), patterns as hints', () => {
    const view = modal(ledger, { level: 2 });
    const region = block(view, 'param:region') as InputBlock;
    expect(region.element).toMatchObject({
      type: 'static_select',
      action_id: ids.PARAM_ACTION,
      initial_option: { value: 'eu' },
    });
    expect(block(view, 'param:token')).toBeUndefined();
    expect(JSON.stringify(view)).toContain('token (env:LEDGER_DEPLOY_TOKEN)');
    // A secret typed in the slash text is never sent back to Slack.
    const typed = modal(ledger, { level: 2, params: { token: 'tok_typed_in_slash_text' } });
    expect(JSON.stringify(typed)).not.toContain('tok_typed_in_slash_text');
    const revision = block(view, 'param:revision') as InputBlock;
    expect(revision.hint?.text).toContain('\\d+');
    expect(revision.element).not.toHaveProperty('initial_value');
  });

  it('prefills from the command and falls back to the runbook default', () => {
    const view = modal(mimo, {
      level: 2,
      severity: 'major',
      env: 'staging',
      params: {},
      reason: 'r'.repeat(800),
    });
    expect((block(view, 'param:version') as InputBlock).element).toMatchObject({ initial_value: 'v2.3.0' });
    const typed = modal(mimo, { level: 2, params: { version: 'v2.2.9' } });
    expect((block(typed, 'param:version') as InputBlock).element).toMatchObject({ initial_value: 'v2.2.9' });
    expect((block(view, ids.SEVERITY_BLOCK) as InputBlock).element).toMatchObject({
      initial_option: { value: 'major' },
    });
    expect((block(view, ids.ENV_BLOCK) as InputBlock).element).toMatchObject({
      initial_option: { value: 'staging' },
    });
    const reason = (block(view, ids.REASON_BLOCK) as InputBlock).element as {
      initial_value: string;
      max_length: number;
    };
    expect(reason).toMatchObject({ multiline: true, max_length: 500 });
    expect(reason.initial_value).toHaveLength(500);
    expect((block(view, ids.REASON_BLOCK) as InputBlock).optional).toBeFalsy();
  });

  it('selects all hosts of the environment by default, or the prefilled subset', () => {
    const all = block(modal(ledger, { level: 2 }), ids.hostsBlockId('production')) as InputBlock;
    expect(all.optional).toBe(true);
    const selected = (el: InputBlock) =>
      (el.element as { initial_options: { value: string }[] }).initial_options.map((o) => o.value);
    expect(all.element).toMatchObject({ type: 'multi_static_select', action_id: ids.HOSTS_SELECT });
    expect(selected(all)).toEqual(['ledger-a', 'ledger-b', 'ledger-c']);
    const some = block(
      modal(ledger, { level: 2, hosts: ['ledger-c', 'nope'] }),
      ids.hostsBlockId('production'),
    );
    expect(selected(some as InputBlock)).toEqual(['ledger-c']);
    const staging = modal(ledger, { level: 2, env: 'staging' });
    expect(block(staging, ids.hostsBlockId('production'))).toBeUndefined();
    expect(selected(block(staging, ids.hostsBlockId('staging')) as InputBlock)).toEqual(['ledger-stg']);
  });

  it('fits 150 params into 100 blocks, showing params without a value first', () => {
    const params = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [
        `p${i}`,
        i === 149 ? { pattern: '^x$' } : { pattern: '^x$', default: 'x' },
      ]),
    );
    const runbook = runbookSchema.parse({
      service: 'wide',
      environments: { production: { hosts: [{ name: 'h1', address: '10.0.0.1' }] } },
      params,
      levels: {
        1: {
          name: 'All',
          target: '2m',
          approvals: 0,
          steps: [
            {
              run: Object.keys(params)
                .map((p) => `{{${p}}}`)
                .join(' '),
            },
          ],
        },
      },
    });
    const view = modal(runbook, { level: 1 });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(paramIds(view)).toContain('param:p149');
    expect(json(view.blocks)).toMatch(/more parameters keep their defaults/);
    expect(block(view, ids.REASON_BLOCK)).toBeDefined();
  });

  it('refuses private metadata over 3000 characters (it must carry ids only)', () => {
    expect(() =>
      requestModal({
        services: [],
        runbook: undefined,
        prefill: { params: {} },
        privateMetadata: 'x'.repeat(3001),
      }),
    ).toThrow(RangeError);
  });
});

describe('request modal: the plan before anything runs, and a button that says what it does', () => {
  const planOf = (level: number, params: Record<string, string> = {}) => {
    const rendered = renderPlan(mimo, {
      env: 'production',
      level,
      params,
      runId: 'RUN-ID',
      incidentId: 'INCIDENT-ID',
    });
    if (!rendered.ok) throw new Error(rendered.message);
    return rendered.plan;
  };
  const withPreview = (level: number, preview: ModalPreview | undefined) =>
    requestModal({
      services: ['ledger', 'mimo'],
      runbook: mimo,
      prefill: { params: {}, level, severity: 'critical' },
      privateMetadata: META,
      ...(preview ? { preview } : {}),
    });

  it('says "Roll back now" when nothing stands between the click and production, and shows the plan', () => {
    const plan = planOf(1);
    const view = withPreview(1, { ok: true, plan, approvals: 0 });
    expect(view.submit?.text).toBe(SUBMIT_NOW);
    const summary = block(view, ids.planPreviewBlockId(plan.hash));
    expect(summary).toBeDefined();
    const s = json(view.blocks);
    expect(s).toContain('1. *Disable parallel spawning* · on all 2 hosts');
    expect(s).toContain("printf '%s\\\\n' ENABLE_PARALLEL_SPAWNING=false &gt;&gt; /opt/app/.env");
    expect(s).toContain('runs this plan on production at once');
    expect(checkView(view)).toBeUndefined();
  });

  it('says "Request approval" when approvals are needed, and never "Review plan"', () => {
    const view = withPreview(2, { ok: true, plan: planOf(2), approvals: 1 });
    expect(view.submit?.text).toBe(SUBMIT_APPROVAL);
    expect(json(view.blocks)).toContain('waits for 1 approval; nothing runs before');
    for (const preview of [
      undefined,
      { ok: false as const, message: 'param backup is required for level 3' },
    ]) {
      const incomplete = withPreview(3, preview);
      expect(incomplete.submit?.text).toBe(SUBMIT_INCOMPLETE);
      expect(json(incomplete)).not.toContain('Review plan');
    }
    expect(
      json(withPreview(3, { ok: false, message: 'param backup is required for level 3' }).blocks),
    ).toContain('param backup is required for level 3');
  });

  it('re-renders on severity and host changes too, since both change the plan or its approvals', () => {
    const view = modal(mimo, { level: 1 });
    expect((block(view, ids.SEVERITY_BLOCK) as InputBlock).dispatch_action).toBe(true);
    expect((block(view, ids.hostsBlockId('production')) as InputBlock).dispatch_action).toBe(true);
  });

  it('has an optional impact field, prefilled from the command', () => {
    const impact = block(modal(mimo, { impact: 'EU checkout' }), ids.IMPACT_BLOCK) as InputBlock;
    expect(impact.optional).toBe(true);
    expect(impact.element).toMatchObject({ action_id: ids.IMPACT_INPUT, initial_value: 'EU checkout' });
  });

  it('keeps a static select for up to 100 services and searches a larger catalogue', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const small = requestModal({
      services: names(100),
      runbook: undefined,
      prefill: { params: {} },
      privateMetadata: META,
    });
    expect((small.blocks[0] as InputBlock).element).toMatchObject({ type: 'static_select' });
    const big = requestModal({
      services: names(250),
      runbook: undefined,
      prefill: { params: {}, service: 'svc-200' },
      privateMetadata: META,
    });
    expect((big.blocks[0] as InputBlock).element).toMatchObject({
      type: 'external_select',
      action_id: ids.SERVICE_SELECT,
      initial_option: { value: 'svc-200' },
    });
    expect(checkView(big)).toBeUndefined();
    expect(serviceOptions(names(250), '').length).toBe(100);
    expect(serviceOptions(names(250), 'svc-24').map((o) => o.value)).toEqual(
      Array.from({ length: 10 }, (_, i) => `svc-24${i}`),
    );
    expect(serviceOptions(['api', 'shop-api', 'shop'], 'shop').map((o) => o.value)).toEqual([
      'shop-api',
      'shop',
    ]);
    expect(serviceOptions(['api', 'shop-api', 'shop'], 'api').map((o) => o.value)).toEqual([
      'api',
      'shop-api',
    ]);
  });
});

describe('modal ids', () => {
  it('maps param block ids to names and back, and nothing else', () => {
    expect(ids.paramBlockId('version')).toBe('param:version');
    expect(ids.paramNameOf('param:version')).toBe('version');
    expect(ids.paramNameOf(ids.REASON_BLOCK)).toBeUndefined();
    expect(ids.paramNameOf('param:')).toBeUndefined();
  });

  it('builds the errors response for a modal submission', () => {
    expect(modalErrors({ 'param:version': 'must match ^v…' })).toEqual({
      response_action: 'errors',
      errors: { 'param:version': 'must match ^v…' },
    });
  });
});
