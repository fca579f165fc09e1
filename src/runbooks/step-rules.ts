/** Which step keys go with which kinds, as data: checked by the zod schema, emitted into the JSON Schema. */

export interface StepKeyRules<K extends string> {
  /** Key → the kinds that take it; any other kind refuses it. */
  only: Record<string, readonly K[]>;
  /** Kind → groups of keys; each group needs at least one of its keys. */
  needs: Partial<Record<K, readonly (readonly string[])[]>>;
  /** Kind → pairs of keys that may not both be given. */
  exclusive: Partial<Record<K, readonly (readonly [string, string])[]>>;
  /** Kind → key → the JSON type its value must have for that kind (`expect` is an object or a condition). */
  types: Partial<Record<K, Record<string, 'string' | 'object'>>>;
}

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema's `if`/`then`/`else`. Built from entries because an object literal with a `then` key
 * looks like a promise to anything that awaits it (and to the linter).
 */
export function ifThen(ifSchema: JsonSchema, thenSchema: JsonSchema, elseSchema?: JsonSchema): JsonSchema {
  const entries: [string, JsonSchema][] = [
    ['if', ifSchema],
    ['then', thenSchema],
  ];
  if (elseSchema) entries.push(['else', elseSchema]);
  return Object.fromEntries(entries);
}
const has = (key: string): JsonSchema => ({ required: [key] });
const anyOf = (keys: readonly string[]): JsonSchema =>
  keys.length === 1 ? has(keys[0]!) : { anyOf: keys.map(has) };

/**
 * The same rules as JSON Schema keywords for the step object: exactly one kind key (`oneOf`), and
 * one `if`/`then` per rule, so an editor refuses what `rollbot validate` refuses.
 */
export function kindRules<K extends string>(kinds: readonly K[], rules: StepKeyRules<K>): JsonSchema {
  const allOf: JsonSchema[] = [];
  for (const [key, taking] of Object.entries(rules.only)) {
    allOf.push(ifThen(has(key), anyOf(taking)));
  }
  for (const kind of kinds) {
    for (const group of rules.needs[kind] ?? []) allOf.push(ifThen(has(kind), anyOf(group)));
    for (const group of rules.exclusive[kind] ?? []) {
      allOf.push(ifThen(has(kind), { not: { required: [...group] } }));
    }
    const types = Object.entries(rules.types[kind] ?? {});
    if (types.length > 0) {
      const properties = Object.fromEntries(types.map(([key, type]) => [key, { type }]));
      allOf.push(ifThen(has(kind), { properties }));
    }
  }
  return { oneOf: kinds.map(has), allOf };
}
