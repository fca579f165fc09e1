/**
 * Two processes starting on one fresh SQLite file (two `rollbot run`s, two replicas): the second
 * waits for the first one's migration lock instead of failing with "database is locked".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/store.js';
import { instance } from '../support/temp-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('opening a SQLite store while another connection holds the write lock', () => {
  it('waits for the lock, then migrates and opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollbot-open-lock-'));
    dirs.push(dir);
    const file = join(dir, 'rollbot.db');
    // Another process in the middle of its own start-up migration.
    const other = new Database(file);
    other.pragma('journal_mode = WAL');
    other.exec('BEGIN IMMEDIATE');
    const HOLD_MS = 300;
    const started = Date.now();
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        other.exec('COMMIT');
        resolve();
      }, HOLD_MS),
    );
    const opening = createStore({ file, clock: { now: () => Date.now() }, self: instance() });
    const store = await opening;
    await released;
    try {
      expect(Date.now() - started).toBeGreaterThanOrEqual(HOLD_MS - 5);
      expect(await store.activeRuns()).toEqual([]);
      expect(other.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    } finally {
      await store.close();
      other.close();
    }
  });
});
