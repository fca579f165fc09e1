/** The Resolved button's form: submitted root cause and impact, checked, then the incident resolved. */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import * as ids from '../views/ids.js';
import { modalErrors } from '../views/modal.js';
import type { ListenerDeps } from './deps.js';
import { stateValuesSchema } from './modal-state.js';

const RUN_ID = /^(INC|DRL)-\d{4}-\d{4,}-r\d{1,4}$/;

export const resolveMetadataSchema = z.object({
  runId: z.string().regex(RUN_ID),
  user: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
});

const viewSchema = z
  .object({ private_metadata: z.string().max(3000), state: z.object({ values: stateValuesSchema }) })
  .loose();

export function register(app: App, deps: ListenerDeps): void {
  app.view(ids.RESOLVE_MODAL, async ({ ack, body, view: rawView }) => {
    const parsed = viewSchema.safeParse(rawView);
    const meta = parsed.success ? parseMetadata(parsed.data.private_metadata) : undefined;
    // Only the person who clicked Resolved submits their form.
    if (!parsed.success || !meta || meta.user !== body.user.id) {
      await ack(
        modalErrors({
          [ids.ROOT_CAUSE_BLOCK]: 'This form could not be read. Close it and click Resolved again.',
        }),
      );
      return;
    }
    const values = parsed.data.state.values;
    const rootCause = values[ids.ROOT_CAUSE_BLOCK]?.[ids.ROOT_CAUSE_INPUT]?.value ?? undefined;
    const impact = values[ids.RESOLVE_IMPACT_BLOCK]?.[ids.RESOLVE_IMPACT_INPUT]?.value ?? undefined;
    const result = await deps.services.resolve({
      user: body.user.id,
      runId: meta.runId,
      ...(body.user.team_id ? { teamId: body.user.team_id } : {}),
      resolution: {
        ...(rootCause !== undefined ? { rootCause } : {}),
        ...(impact !== undefined ? { impact } : {}),
      },
    });
    if (result.ok) {
      await ack();
      return;
    }
    // The service names the field it refused (typedTextProblem: "The impact …").
    const field = /^The impact /.test(result.message) ? ids.RESOLVE_IMPACT_BLOCK : ids.ROOT_CAUSE_BLOCK;
    await ack(modalErrors({ [field]: result.message.slice(0, 2000) }));
  });
}

function parseMetadata(raw: string): z.infer<typeof resolveMetadataSchema> | undefined {
  try {
    const parsed = resolveMetadataSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
