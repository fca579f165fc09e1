/** JSON Schema of the runbook input format, for editors (`runbooks/schema.json`). */
import { z } from 'zod';
import { levelsSchema, runbookSchema } from './schema.js';

/**
 * Generated from the zod schema, descriptions included (editors show them on hover). Cross-section
 * rules (placeholders vs params, step hosts vs environments, `every` within `for`) are not expressible
 * here; `rollbot validate` checks them.
 */
export function runbookJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runbookSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === levelsSchema) levelKeysAsPattern(jsonSchema as Record<string, unknown>);
    },
  }) as Record<string, unknown>;
}

/**
 * YAML reads `1:` as the integer 1, and yaml-language-server then finds no property "1" and calls
 * the key not allowed; a pattern matches the key whichever type the parser gave it.
 */
function levelKeysAsPattern(schema: Record<string, unknown>): void {
  const properties = schema.properties as Record<string, unknown>;
  schema.patternProperties = { '^[123]$': properties['1'] };
  schema.minProperties = 1;
  delete schema.properties;
}
