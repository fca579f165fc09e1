/**
 * Store-operation latency on both query-layer adapters, one caller at a time: SQLite (WAL,
 * synchronous=NORMAL, as the adapter opens it) on a temp file, and PostgreSQL on a throwaway local
 * cluster with production durability (fsync on), once with synchronous_commit on (the default) and
 * once off (closer to SQLite's NORMAL, which does not fsync each commit). Prints p50/p99/mean per
 * operation; operations are interleaved round by round so no adapter gets a quieter machine.
 * BENCH_OPS (default 2000) and BENCH_WARMUP (default 200) change the shape.
 * Then the store's own operations through the Store (open run, approve, step result, timeline
 * append; bench/store-api.ts) on the same three databases, and whole runs of 50 hosts × 5 steps
 * back to back: what one replica's store sustains per minute. BENCH_STORE_OPS (default 500) and
 * BENCH_RUNS (default 10) change their shape.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../src/store/sql/postgres.js';
import { openSqlite } from '../src/store/sql/sqlite.js';
import type { Database } from '../src/store/sql/types.js';
import type { Store } from '../src/store/store.js';
import { startPostgres } from '../test/support/postgres.js';
import { approve, note, openBenchStore, openRun, RUN_SHAPE, stepOnHost, wholeRun } from './store-api.js';

const OPS = Number(process.env.BENCH_OPS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const BASE_MS = 1_735_689_600_000;
const STORE_OPS = Number(process.env.BENCH_STORE_OPS ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);

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
    await storeOperations(dir, cluster);
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

const STORE_OPERATIONS: { name: string; run(store: Store, i: number, runIds: string[]): Promise<unknown> }[] =
  [
    {
      name: 'open run (request: incident, run, lock, events)',
      run: async (store, i, runIds) => {
        runIds[i] = await openRun(store, `svc${i}`);
      },
    },
    {
      name: 'approve (approval row + run approved)',
      run: (store, i, runIds) => approve(store, runIds[i]!, `svc${i}`),
    },
    {
      name: 'step result (started + finished on a host)',
      run: (store, i, runIds) => stepOnHost(store, runIds[i]!, 0, `svc${i}-1`),
    },
    {
      name: 'timeline append (a note)',
      run: (store, i, runIds) => note(store, runIds[i]!.replace(/-r\d+$/, ''), i),
    },
  ];

async function storeOperations(
  dir: string,
  cluster: Awaited<ReturnType<typeof startPostgres>>,
): Promise<void> {
  const stores: { name: string; store: Store; runIds: string[] }[] = [];
  try {
    stores.push({ name: 'sqlite', store: await openBenchStore({ file: join(dir, 'store.db') }), runIds: [] });
    stores.push({
      name: 'postgres',
      store: await openBenchStore({ url: await cluster.createDatabase() }),
      runIds: [],
    });
    const asyncUrl = `${await cluster.createDatabase()}?options=${encodeURIComponent('-c synchronous_commit=off')}`;
    stores.push({
      name: 'postgres, synchronous_commit=off',
      store: await openBenchStore({ url: asyncUrl }),
      runIds: [],
    });

    const samples = new Map<string, number[]>();
    const warm = Math.min(WARMUP, 50);
    for (let i = 0; i < warm + STORE_OPS; i++) {
      for (const op of STORE_OPERATIONS) {
        for (const s of i % 2 === 0 ? stores : [...stores].reverse()) {
          const start = performance.now();
          await op.run(s.store, i, s.runIds);
          const ms = performance.now() - start;
          if (i < warm) continue;
          const key = `${op.name}\t${s.name}`;
          samples.set(key, [...(samples.get(key) ?? []), ms]);
        }
      }
    }
    console.log(`\nStore operations, ${STORE_OPS} each after ${warm} warm-up:`);
    console.log('\n| operation | backend | p50 | p99 | mean |\n|---|---|---|---|---|');
    for (const op of STORE_OPERATIONS) {
      for (const s of stores) {
        const xs = [...(samples.get(`${op.name}\t${s.name}`) ?? [])].sort((x, y) => x - y);
        console.log(
          `| ${op.name} | ${s.name} | ${fmt(pct(xs, 50))} | ${fmt(pct(xs, 99))} | ${fmt(meanOf(xs))} |`,
        );
      }
    }

    const durations = new Map<string, number[]>();
    for (let r = 0; r < RUNS; r++) {
      for (const s of r % 2 === 0 ? stores : [...stores].reverse()) {
        durations.set(s.name, [...(durations.get(s.name) ?? []), await wholeRun(s.store, `run${r}`)]);
      }
    }
    console.log(
      `\nWhole runs of ${RUN_SHAPE.hosts} hosts × ${RUN_SHAPE.steps} steps, store writes only, ${RUNS} back to back:`,
    );
    console.log('\n| backend | run p50 | runs per minute (one replica, at p50) |\n|---|---|---|');
    for (const s of stores) {
      const xs = [...(durations.get(s.name) ?? [])].sort((x, y) => x - y);
      const p50 = pct(xs, 50);
      console.log(`| ${s.name} | ${fmt(p50)} | ${Math.floor(60_000 / p50)} |`);
    }
  } finally {
    for (const s of stores) await s.store.close();
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const meanOf = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
