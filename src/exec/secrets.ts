/** Reads secret params where the runbook says (`env:NAME`, `file:/path`), when a step is about to use them. */
import { readFile } from 'node:fs/promises';
import type { SecretReader } from '../services/ports.js';

/** Files larger than this are not secrets someone meant to pass as one value. */
const MAX_SECRET_BYTES = 64 * 1024;

export function createSecretReader(env: (name: string) => string | undefined): SecretReader {
  return {
    async read(source) {
      if (source.kind === 'env') {
        const value = env(source.name);
        return value === undefined || value === ''
          ? { ok: false, reason: `environment variable ${source.name} is not set for this rollbot process` }
          : { ok: true, value };
      }
      try {
        const data = await readFile(source.path);
        if (data.length > MAX_SECRET_BYTES)
          return { ok: false, reason: `${source.path} is larger than 64 KiB` };
        // One trailing newline is how files are written; the secret is the line.
        const value = data.toString('utf8').replace(/\r?\n$/, '');
        return value === '' ? { ok: false, reason: `${source.path} is empty` } : { ok: true, value };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        return { ok: false, reason: `cannot read ${source.path} (${code})` };
      }
    },
  };
}
