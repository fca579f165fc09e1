/**
 * More services than a static select holds (100): the form offers an external select, and Slack's
 * block_suggestion (HTTP: the options load URL, here /slack/events; Socket Mode: over the socket)
 * is answered with the matching services. Picking one re-renders the form with its fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ids from '../../views/ids.js';
import { blockAction, blockSuggestion, type Json, type StoredView } from '../support/fake-slack/index.js';
import { type Harness, startHarness, waitFor } from '../support/rollbot-harness.js';
import { type SshdHandle, startSshd } from '../support/sshd.js';

const SERVICES = 120;
const name = (i: number) => `svc-${String(i).padStart(3, '0')}`;
const runbook = (service: string) => `service: ${service}
environments:
  production:
    hosts: [{ name: localhost, local: true }]
levels:
  1: { name: Toggle, target: 2m, approvals: 0, steps: [{ name: Noop, run: "true" }] }
`;

let sshd: SshdHandle;
beforeAll(async () => {
  sshd = await startSshd({ addresses: ['127.0.0.71'] });
});
afterAll(async () => {
  await sshd?.stop();
});

describe.each(['http', 'socket'] as const)('service search over %s', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    const runbooks = Object.fromEntries(
      Array.from({ length: SERVICES }, (_, i) => [`${name(i)}.yml`, runbook(name(i))]),
    );
    h = await startHarness({ mode, sshd, runbooks });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Sends block_suggestion as the mode delivers it and returns the options in the ack. */
  async function suggest(view: StoredView, value: string): Promise<string[]> {
    const payload = blockSuggestion(
      { user: 'U0ALICE', actionId: ids.SERVICE_SELECT, blockId: ids.SERVICE_BLOCK, value, view },
      h.slack,
    );
    const body =
      mode === 'http'
        ? (await h.driver.interaction(payload)).json
        : (await h.slack.socket.send('interactive', payload)).payload;
    const options = (body as { options?: { value: string }[] } | undefined)?.options ?? [];
    return options.map((o) => o.value);
  }

  it('searches 121 services with an external select and re-renders for the one picked', async () => {
    const before = h.slack.views.size;
    await h.slash('U0ALICE', '');
    const view = await waitFor(
      'the empty form',
      () => h.slack.views.size > before && [...h.slack.views.values()].at(-1),
    );
    const service = (view.blocks as Json[]).find((b) => b.block_id === ids.SERVICE_BLOCK);
    expect(service?.element).toMatchObject({ type: 'external_select', action_id: ids.SERVICE_SELECT });

    expect(await suggest(view, 'svc-11')).toEqual(Array.from({ length: 10 }, (_, i) => name(110 + i)));
    expect(await suggest(view, '')).toHaveLength(100);
    expect(await suggest(view, 'sho')).toEqual(['shop']);

    await h.interact(
      blockAction(
        {
          user: 'U0ALICE',
          actionId: ids.SERVICE_SELECT,
          type: 'external_select',
          action: { selected_option: { value: 'shop' } },
          view: {
            ...view,
            state: {
              values: {
                [ids.SERVICE_BLOCK]: {
                  [ids.SERVICE_SELECT]: { type: 'external_select', selected_option: { value: 'shop' } },
                },
              },
            },
          },
        },
        h.slack,
      ),
    );
    await waitFor("the form with shop's fields", () =>
      JSON.stringify(h.slack.views.get(view.id)?.blocks ?? []).includes(ids.SEVERITY_RADIO),
    );
    const updated = h.slack.views.get(view.id)!;
    const picked = (updated.blocks as Json[]).find((b) => b.block_id === ids.SERVICE_BLOCK);
    expect(picked?.element).toMatchObject({ type: 'external_select', initial_option: { value: 'shop' } });
  });
});
