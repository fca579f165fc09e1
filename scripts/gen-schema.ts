/**
 * Writes runbooks/schema.json, the JSON Schema editors use to check runbooks as they are typed
 * (`# yaml-language-server: $schema=./schema.json` at the top of a runbook). Run `npm run schema`
 * after changing src/runbooks/schema.ts; test/unit/runbooks-examples.test.ts fails while it is stale.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runbookJsonSchema } from '../src/runbooks/json-schema.js';

export const SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'runbooks', 'schema.json');

/** The exact file content: pretty-printed, two-space indent, trailing newline. */
export function schemaFileText(): string {
  return `${JSON.stringify(runbookJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_PATH, schemaFileText());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
