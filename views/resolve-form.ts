/**
 * The Resolved button's short form: root cause and impact, both optional and prefilled with what
 * rollbot knows, so the resolution message and the RCA draft say them instead of "pending".
 */
import type { ModalView } from '@slack/types';
import { type Incident, RESOLUTION_TEXT_MAX, type Run } from '../src/domain/records.js';
import { context, plain, section } from './blocks.js';
import * as ids from './ids.js';
import { PRIVATE_METADATA_MAX } from './limits.js';
import { escapeMrkdwn, inlineCode } from './mrkdwn.js';

export interface ResolveFormInput {
  incident: Incident;
  run: Run;
  prefill: { rootCause?: string; impact?: string };
  /** `{"runId":…,"user":…}`: the run the button was on and who clicked it. */
  privateMetadata: string;
}

export function resolveForm(input: ResolveFormInput): ModalView {
  if (input.privateMetadata.length > PRIVATE_METADATA_MAX) {
    throw new RangeError(`private_metadata is ${input.privateMetadata.length} characters (max 3000)`);
  }
  const { incident, run, prefill } = input;
  const rootCause = prefill.rootCause?.slice(0, RESOLUTION_TEXT_MAX);
  const impact = prefill.impact?.slice(0, RESOLUTION_TEXT_MAX);
  return {
    type: 'modal',
    callback_id: ids.RESOLVE_MODAL,
    title: plain('Resolve incident'),
    submit: plain('Resolve'),
    close: plain('Cancel'),
    private_metadata: input.privateMetadata,
    blocks: [
      section(
        `*${escapeMrkdwn(incident.id)}* · ${escapeMrkdwn(incident.service)} ${escapeMrkdwn(incident.env)} · last run ${inlineCode(run.id)} ${escapeMrkdwn(run.state)}`,
      ),
      {
        type: 'input',
        block_id: ids.ROOT_CAUSE_BLOCK,
        optional: true,
        label: plain('Root cause (summary)'),
        hint: plain('One or two sentences for the resolution message; the RCA draft asks for the detail.'),
        element: {
          type: 'plain_text_input',
          action_id: ids.ROOT_CAUSE_INPUT,
          multiline: true,
          max_length: RESOLUTION_TEXT_MAX,
          placeholder: plain('e.g. "v2.4.1 opened a DB connection per request; the pool ran out"'),
          ...(rootCause ? { initial_value: rootCause } : {}),
        },
      },
      {
        type: 'input',
        block_id: ids.RESOLVE_IMPACT_BLOCK,
        optional: true,
        label: plain('Impact'),
        element: {
          type: 'plain_text_input',
          action_id: ids.RESOLVE_IMPACT_INPUT,
          multiline: true,
          max_length: RESOLUTION_TEXT_MAX,
          placeholder: plain('Who was affected, how, and for how long'),
          ...(impact ? { initial_value: impact } : {}),
        },
      },
      context(
        'Resolving closes the incident, posts the resolution message and the RCA draft, and blocks the version rolled back from for the deploy pipeline.',
      ),
    ],
  };
}
