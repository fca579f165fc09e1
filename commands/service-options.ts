/**
 * Options for the service select when the catalogue outgrows a static select (100 options): Slack
 * sends `block_suggestion` with what the user typed (to the options load URL in HTTP mode, over
 * the socket in Socket Mode) and shows the options in the ack.
 */
import type { App } from '@slack/bolt';
import { z } from 'zod';
import * as ids from '../views/ids.js';
import { serviceOptions } from '../views/modal-fields.js';
import type { ListenerDeps } from './deps.js';

const suggestionSchema = z.object({ value: z.string().max(200).optional() }).loose();

export function register(app: App, deps: ListenerDeps): void {
  app.options<'block_suggestion'>({ action_id: ids.SERVICE_SELECT }, async ({ ack, payload }) => {
    const parsed = suggestionSchema.safeParse(payload);
    const query = parsed.success ? (parsed.data.value ?? '') : '';
    await ack({ options: serviceOptions(deps.catalog.names(), query) });
  });
}
