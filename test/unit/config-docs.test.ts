import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config.js';

/** Rows of README's configuration table: `| \`NAME\` | default | meaning |`. */
function readmeTable(): Map<string, string> {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const match = /^\| `([A-Z_]+)` \| (.*?) \|/.exec(line);
    if (match) rows.set(match[1]!, match[2]!.trim());
  }
  return rows;
}

function schemaDefault(name: string): string {
  const field = envSchema.shape[name as keyof typeof envSchema.shape];
  const parsed = field.safeParse(undefined);
  return parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : '—';
}

describe('configuration docs', () => {
  it("README's table lists exactly the variables the schema reads, with the schema's defaults", () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(envSchema.shape).sort());
    for (const [name, documented] of table) {
      // Paths with ~ are documented as written; the schema expands them.
      const expected = schemaDefault(name).replace(/`\/root|`\/home\/[^/]+/, '`~');
      expect(documented, name).toBe(expected);
    }
  });

  it('.env.example mentions every variable', () => {
    const example = readFileSync('.env.example', 'utf8');
    for (const name of Object.keys(envSchema.shape)) expect(example, name).toContain(name);
  });
});
