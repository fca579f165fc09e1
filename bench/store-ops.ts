/**
 * Store-operation latency on both query-layer adapters, one caller at a time: SQLite (WAL,
 * synchronous=NORMAL, as the adapter opens it) on a temp file, and PostgreSQL on a throwaway local
 * cluster with production durability (fsync on), once with synchronous_commit on (the default) and
 * once off (closer to SQLite's NORMAL, which does not fsync each commit). Prints p50/p99/mean per
 * operation; operations are interleaved round by round so no adapter gets a quieter machine.
 * BENCH_OPS (default 2000) and BENCH_WARMUP (default 200) change the shape.
 * Store operations proper (open run, approve, step result, timeline append) are added here as the
 * repositories move onto the query layer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../src/store/sql/postgres.js';
import { openSqlite } from '../src/store/sql/sqlite.js';
import type { Database } from '../src/store/sql/types.js';
import { startPostgres } from '../test/support/postgres.js';

const OPS = Number(process.env.BENCH_OPS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const BASE_MS = 1_735_689_600_000;

const SCHEMA = [
  'CREATE TABLE runs (id TEXT PRIMARY KEY, state TEXT NOT NULL, n INTEGER NOT NULL, at BIGINT NOT NULL)',
  'CREATE TABLE events (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, at BIGINT NOT NULL, data TEXT NOT NULL)',
];

type Operation = { name: string; run(db: Database, i: number): Promise<unknown> };

/** Each op i touches row `r<i>`; the insert creates it first, the others reuse it. */
const OPERATIONS: Operation[] = [
  {
    name: 'single-row insert',
    run: (db, i) =>
      db.run('INSERT INTO runs (id, state, n, at) VALUES (?, ?, ?, ?)', [`r${i}`, 'pending', 0, BASE_MS + i]),
  },
  {
    name: 'conditional update (first writer wins)',
    run: (db, i) =>
      db.run("UPDATE runs SET state = 'approved', n = n + 1, at = ? WHERE id = ? AND state = 'pending'", [
        BASE_MS + i,
        `r${i}`,
      ]),
  },
  {
    name: 'write transaction: update + insert',
    run: (db, i) =>
      db.transaction('write', async (tx) => {
        await tx.run("UPDATE runs SET state = 'running', at = ? WHERE id = ? AND state = 'approved'", [
          BASE_MS + i,
          `r${i}`,
        ]);
        await tx.run('INSERT INTO events (id, run_id, at, data) VALUES (?, ?, ?, ?)', [
          `e${i}`,
          `r${i}`,
          BASE_MS + i,
          '{}',
        ]);
      }),
  },
];

interface Backend {
  name: string;
  db: Database;
}

async function main(): Promise<void> {
  console.log(
    `store-ops: ${OPS} ops per operation after ${WARMUP} warm-up, ${cpus().length} × ${cpus()[0]?.model}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-bench-store-'));
  const cluster = await startPostgres({ durable: true }); // initdb included in its start-up time
  console.log(`PostgreSQL cluster (initdb + start + first connection): ${cluster.startupMs} ms`);
  const backends: Backend[] = [];
  try {
    backends.push({ name: 'sqlite', db: openSqlite(join(dir, 'bench.db')) });
    backends.push({ name: 'postgres', db: openPostgres(await cluster.createDatabase()) });
    const asyncUrl = `${await cluster.createDatabase()}?options=${encodeURIComponent('-c synchronous_commit=off')}`;
    backends.push({ name: 'postgres, synchronous_commit=off', db: openPostgres(asyncUrl) });
    for (const b of backends) for (const ddl of SCHEMA) await b.db.run(ddl);

    const samples = new Map<string, number[]>();
    for (let i = 0; i < WARMUP + OPS; i++) {
      for (const op of OPERATIONS) {
        for (const b of i % 2 === 0 ? backends : [...backends].reverse()) {
          const start = performance.now();
          await op.run(b.db, i);
          const ms = performance.now() - start;
          if (i >= WARMUP) {
            const key = `${op.name}\t${b.name}`;
            const list = samples.get(key) ?? [];
            list.push(ms);
            samples.set(key, list);
          }
        }
      }
    }
    printTable(samples, backends);
  } finally {
    for (const b of backends) await b.db.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(samples: Map<string, number[]>, backends: Backend[]): void {
  console.log('\n| operation | backend | p50 | p99 | mean |\n|---|---|---|---|---|');
  for (const op of OPERATIONS) {
    for (const b of backends) {
      const xs = [...(samples.get(`${op.name}\t${b.name}`) ?? [])].sort((x, y) => x - y);
      const at = (p: number) =>
        xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? Number.NaN;
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      console.log(`| ${op.name} | ${b.name} | ${fmt(at(50))} | ${fmt(at(99))} | ${fmt(mean)} |`);
    }
  }
}

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
