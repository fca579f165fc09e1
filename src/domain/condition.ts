/** A metric condition as runbooks write it ("< 0.01", ">= 99.5"): an operator and a number. */

export const CONDITION_OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface Condition {
  op: ConditionOperator;
  value: number;
}

/**
 * The one grammar of a condition; the zod schema, the editor's JSON Schema and the parser below all
 * use it. Two-character operators come first so `<=` is never read as `<` followed by `=`.
 */
export const CONDITION_SOURCE = String.raw`^\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$`;
const CONDITION_RE = new RegExp(CONDITION_SOURCE);

export function parseCondition(text: string): Condition | undefined {
  const match = CONDITION_RE.exec(text);
  if (!match) return undefined;
  const value = Number(match[2]);
  if (!Number.isFinite(value)) return undefined;
  return { op: match[1] as ConditionOperator, value };
}

/** Only finite numbers can pass: NaN and infinities are refused by the caller before this. */
export function conditionHolds(condition: Condition, measured: number): boolean {
  const { op, value } = condition;
  switch (op) {
    case '<':
      return measured < value;
    case '<=':
      return measured <= value;
    case '>':
      return measured > value;
    case '>=':
      return measured >= value;
    case '==':
      return measured === value;
    case '!=':
      return measured !== value;
  }
}

export function conditionText(condition: Condition): string {
  return `${condition.op} ${formatMeasure(condition.value)}`;
}

/** A measured value for people: at most 4 significant digits, no exponent for everyday sizes. */
export function formatMeasure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e-4 && abs < 1e9) return String(Number(value.toPrecision(4)));
  return value.toPrecision(4);
}
