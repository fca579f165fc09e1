/** Stores on fresh temporary SQLite files, each closed and deleted after the test that opened it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Clock } from '../../src/services/ports.js';
import { createStore, type Store } from '../../src/store/store.js';

/** Call at module level; the returned function opens a store on a new file (`name` may nest). */
export function useTempStores() {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return (clock: Clock, name = 'rollbot.db') => {
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-store-'));
    dirs.push(dir);
    const file = join(dir, name);
    const open = () => {
      const store = createStore({ file, clock });
      stores.push(store);
      return store;
    };
    /** `reopen` is a later process on the same file (what a restart looks like). */
    return { store: open(), file, reopen: open };
  };
}
