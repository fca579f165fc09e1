/** The editor's JSON Schema: every field explained, level keys matched whichever type YAML gives them. */
import { describe, expect, it } from 'vitest';
import { runbookJsonSchema } from '../../src/runbooks/json-schema.js';

type Node = Record<string, unknown>;

/** Every property schema in the tree, by a dotted path. */
function properties(node: unknown, path = ''): [string, Node][] {
  if (typeof node !== 'object' || node === null) return [];
  const n = node as Node;
  const out: [string, Node][] = [];
  for (const [key, child] of Object.entries((n.properties as Node | undefined) ?? {})) {
    out.push([`${path}.${key}`, child as Node], ...properties(child, `${path}.${key}`));
  }
  for (const [key, child] of Object.entries((n.patternProperties as Node | undefined) ?? {})) {
    out.push(...properties(child, `${path}[${key}]`));
  }
  for (const key of ['items', 'additionalProperties']) out.push(...properties(n[key], `${path}.${key}`));
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    for (const child of (n[key] as unknown[] | undefined) ?? []) out.push(...properties(child, path));
  }
  return out;
}

describe('runbook JSON Schema', () => {
  const schema = runbookJsonSchema();

  it('describes every field, for hovers in the editor', () => {
    const all = properties(schema);
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter(([, p]) => typeof p.description !== 'string').map(([path]) => path)).toEqual([]);
  });

  it('matches level keys by pattern (YAML reads `1:` as a number), and needs at least one', () => {
    const levels = (schema.properties as Node).levels as Node;
    expect(levels.properties).toBeUndefined();
    expect(Object.keys(levels.patternProperties as Node)).toEqual(['^[123]$']);
    expect(levels).toMatchObject({ additionalProperties: false, minProperties: 1 });
  });
});
