import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactDatabaseUrl } from '../../src/store/sql/redact-url.js';

describe('redactDatabaseUrl', () => {
  it.each([
    ['postgres://rollbot:s3cret@db.internal:5432/rollbot', 'postgres://rollbot:***@db.internal:5432/rollbot'],
    ['postgresql://u:p%40ss%2Fw@db/x?sslmode=require', 'postgresql://u:***@db/x?sslmode=require'],
    ['postgres://u:p@ss@db/x', 'postgres://u:***@db/x'],
    ['postgres://u:12/34@db/x', 'postgres://u:***@db/x'],
    ['postgres://:only-pw@db/x', 'postgres://:***@db/x'],
    ['postgres://u@db/x', 'postgres://u@db/x'],
    ['postgres://db/x', 'postgres://db/x'],
    [
      'postgres://db/x?user=u&password=hunter2&sslmode=require',
      'postgres://db/x?user=u&password=***&sslmode=require',
    ],
    ['postgres://db/x?sslpassword=k3y', 'postgres://db/x?sslpassword=***'],
    ['host=db password=hunter2 dbname=x', 'host=db password=*** dbname=x'],
  ])('%s', (url, shown) => {
    expect(redactDatabaseUrl(url)).toBe(shown);
  });

  it('hides any password, raw or percent-encoded', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (password) => {
        for (const pw of [password, encodeURIComponent(password)]) {
          expect(redactDatabaseUrl(`postgres://rollbot:${pw}@db.example:5432/rollbot`)).toBe(
            'postgres://rollbot:***@db.example:5432/rollbot',
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});
