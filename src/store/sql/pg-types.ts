/**
 * How PostgreSQL values come back, per pool (pg's global parsers stay untouched): the same shapes
 * better-sqlite3 returns, so one repository reads both. BIGINT (ms timestamps, COUNT(*)) and
 * NUMERIC (SUM over BIGINT) become numbers, booleans (comparisons, EXISTS) 1/0.
 */
import pg, { type CustomTypesConfig } from 'pg';

const OID = { bool: 16, int8: 20, numeric: 1700 } as const;

/** A BIGINT beyond 2^53 cannot be a JS number without losing digits: refuse rather than round. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new RangeError(`integer ${text} is outside JavaScript's safe range`);
  return value;
}

export const storeTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary') {
      if (oid === OID.int8) return parseInt8;
      if (oid === OID.numeric) return Number;
      if (oid === OID.bool) return (text: string) => (text === 't' ? 1 : 0);
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as CustomTypesConfig['getTypeParser'],
};
