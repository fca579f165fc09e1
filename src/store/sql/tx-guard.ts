/**
 * One rule for both adapters: a statement that fails inside a transaction fails the transaction.
 * PostgreSQL enforces it (after an error every statement is refused, and COMMIT silently rolls
 * back); SQLite would carry on and commit the rest. Guarding both the same way keeps code that
 * catches an error and continues from passing on SQLite and losing writes on PostgreSQL.
 */
import type { SqlRunner, SqlValue } from './types.js';

export class TransactionAborted extends Error {
  constructor(cause: unknown) {
    super(
      'a statement failed earlier in this transaction, so it was rolled back: let the error leave ' +
        'transaction(), or avoid it (INSERT … ON CONFLICT DO NOTHING, then check the count)',
      { cause },
    );
    this.name = 'TransactionAborted';
  }
}

export interface GuardedTransaction {
  runner: SqlRunner;
  /** Ends the transaction's statements; returns the first statement error, if one was caught. */
  finish(): { failed: false } | { failed: true; error: unknown };
}

export function guardTransaction(inner: SqlRunner): GuardedTransaction {
  let failure: { error: unknown } | undefined;
  let finished = false;
  const guarded = <R>(call: () => Promise<R>): Promise<R> => {
    if (finished) {
      return Promise.reject(new Error('this transaction has ended: run statements inside its callback'));
    }
    if (failure) return Promise.reject(new TransactionAborted(failure.error));
    return call().catch((error: unknown) => {
      failure ??= { error };
      throw error;
    });
  };
  return {
    runner: {
      dialect: inner.dialect,
      all: <T>(text: string, params?: readonly SqlValue[]) => guarded(() => inner.all<T>(text, params)),
      get: <T>(text: string, params?: readonly SqlValue[]) => guarded(() => inner.get<T>(text, params)),
      run: (text: string, params?: readonly SqlValue[]) => guarded(() => inner.run(text, params)),
    },
    finish() {
      finished = true;
      return failure ? { failed: true, error: failure.error } : { failed: false };
    },
  };
}
