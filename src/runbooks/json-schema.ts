/** JSON Schema of the runbook input format, for editors (`runbooks/schema.json`). */
import { z } from 'zod';
import { runbookSchema } from './schema.js';

/** Cross-section rules (placeholders, step hosts) are not expressible here; `rollbot validate` checks them. */
export function runbookJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runbookSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
