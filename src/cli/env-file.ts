/**
 * `.env` in the directory rollbot is started from, as `.env.example` suggests. Variables already in
 * the environment win (a service manager's or a shell's settings are never overridden by a file).
 * Node's own parser reads it (`process.loadEnvFile`, the same as `node --env-file`).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

export type EnvFileResult = { ok: true; loaded?: string } | { ok: false; message: string };

export function loadEnvFile(file = '.env'): EnvFileResult {
  const path = resolve(file);
  if (!existsSync(path)) return { ok: true };
  if (!statSync(path).isFile())
    return { ok: false, message: `${path} is not a file; remove it or make it one` };
  try {
    process.loadEnvFile(path);
    return { ok: true, loaded: path };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, message: `cannot read ${path} (${code}); fix or remove it` };
  }
}
