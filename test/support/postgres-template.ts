/**
 * One initdb per test run: the first test file that needs PostgreSQL builds a template data dir in
 * the run's directory (from the global setup); every cluster copies it.
 */

import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessRunning, sleep } from './host-user.js';
import { asRoot, initdb, RUN_AS, uidGid } from './postgres-bin.js';

/**
 * A directory for one test run's template, readable by the user the clusters run as; the run
 * deletes it at the end, so a template is never shared with another run (or another worktree).
 */
export async function createTemplateRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'rollbot-pg-run-'));
  await chmod(root, 0o711);
  return root;
}

/**
 * Several test files may ask at once: one builds the template under a lock file while the others
 * wait for it (five concurrent initdbs took 30 s here under load; one takes 1–3 s). The build goes
 * to a temp dir renamed into place, so a reader never sees half a template.
 */
export async function ensureTemplate(bin: string, root: string): Promise<string> {
  const final = join(root, 'template');
  const lock = join(root, 'template.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (existsSync(join(final, 'PG_VERSION'))) return final;
    const held = await open(lock, 'wx').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return undefined;
      throw err;
    });
    if (held) {
      try {
        await held.writeFile(String(process.pid));
        await held.close();
        if (!existsSync(join(final, 'PG_VERSION'))) await buildTemplate(bin, final);
      } finally {
        await rm(lock, { force: true });
      }
      return final;
    }
    if (await holderIsGone(lock)) await rm(lock, { force: true }); // its builder died mid-way
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    await sleep(50);
  }
}

async function buildTemplate(bin: string, final: string): Promise<void> {
  const candidate = await mkdtemp(`${final}.tmp-`);
  try {
    if (asRoot()) await chown(candidate, ...(await uidGid(RUN_AS)));
    const data = join(candidate, 'data');
    await initdb(bin, data);
    await rm(final, { recursive: true, force: true }); // a half-deleted leftover has no PG_VERSION
    await rename(data, final);
  } finally {
    await rm(candidate, { recursive: true, force: true });
  }
}

async function holderIsGone(lock: string): Promise<boolean> {
  const pid = Number(await readFile(lock, 'utf8').catch(() => ''));
  return Number.isInteger(pid) && pid > 0 && !(await isProcessRunning(pid));
}
