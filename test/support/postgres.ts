/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` in a temp dir as an
 * unprivileged user, `pg_ctl start` on 127.0.0.1 and a free port (its socket in the temp dir, so
 * neither Debian's own cluster nor another test's is touched), stopped by `pg_ctl stop -m fast`
 * (then by PID) and deleted. One per test file; `createDatabase` gives each test its own database.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { isProcessRunning, sleep, waitForProcessGone } from './host-user.js';
import { asRoot, initdb, postgresBinDir, RUN_AS, runPg, uidGid } from './postgres-bin.js';
import { ensureTemplate } from './postgres-template.js';

export { createTemplateRoot } from './postgres-template.js';

export const APP_ROLE = 'rollbot';

export interface PostgresCluster {
  port: number;
  dir: string;
  /** The postmaster's PID. */
  pid: number;
  /** The app role's password (it has URL-special characters, so URL encoding and redaction are exercised). */
  password: string;
  /** initdb + start + first connection, in ms. */
  startupMs: number;
  /** A new, empty database owned by the app role; its URL carries the password. */
  createDatabase(): Promise<string>;
  /** A statement as the superuser, over the cluster's socket (to inspect or break sessions). */
  admin<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** fsync and synchronous commit on, as in production (benchmarks); tests skip them. */
  durable?: boolean;
  /**
   * A directory (this test run's, from the global setup) where a data dir initdb'd once is kept:
   * clusters copy it (~0.1 s) instead of running initdb (~1.3 s, more under load). Without it,
   * each cluster runs initdb.
   */
  templateRoot?: string;
}

export async function startPostgres(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const started = Date.now();
  const bin = postgresBinDir();
  await stopOrphanedClusters(bin);
  const dir = await mkdtemp(join(tmpdir(), 'rollbot-pg-'));
  await writeFile(join(dir, 'owner.pid'), String(process.pid));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const password = `${randomBytes(9).toString('base64url')}@:/%?#pw`;
  try {
    if (asRoot()) await chown(dir, ...(await uidGid(RUN_AS)));
    if (options.templateRoot === undefined) await initdb(bin, data);
    else await runPg('cp', ['-a', await ensureTemplate(bin, options.templateRoot), data]);
    await appendFile(join(data, 'postgresql.conf'), serverSettings(dir, options));
    const { port, pid } = await startOnFreePort(bin, data, log);
    const exitGuard = () => killSync(pid);
    process.once('exit', exitGuard);
    const admin = adminClient(dir, port);
    await waitAcceptingConnections(admin, pid, log);
    await admin.query(`CREATE ROLE ${APP_ROLE} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
    let databases = 0;
    let stopped = false;
    return {
      port,
      dir,
      pid,
      password,
      startupMs: Date.now() - started,
      async createDatabase() {
        databases += 1;
        const name = `test_${databases}`;
        await admin.query(`CREATE DATABASE ${name} OWNER ${APP_ROLE}`);
        return `postgres://${APP_ROLE}:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`;
      },
      async admin<T>(sql: string, params: unknown[] = []) {
        return (await admin.query(sql, params)).rows as T[];
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await admin.end().catch(() => {});
        await stopCluster(bin, data, pid);
        process.off('exit', exitGuard);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    const tail = await readFile(log, 'utf8').catch(() => '');
    await stopCluster(bin, data, await postmasterPid(data)).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `could not start a PostgreSQL test cluster: ${(err as Error).message}\n${tail.slice(-2000)}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * A test process killed outright (SIGKILL, Ctrl-C) runs no teardown, and pg_ctl starts the server
 * in a session of its own, so its cluster would outlive it. Each cluster dir records its owner's
 * PID; the next start stops the clusters whose owner is gone and deletes their dirs.
 */
async function stopOrphanedClusters(bin: string): Promise<void> {
  for (const name of readdirSync(tmpdir())) {
    if (!/^rollbot-pg-(?!run-)/.test(name)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => ''));
    if (!Number.isInteger(owner) || owner <= 0 || (await isProcessRunning(owner))) continue;
    const data = join(dir, 'data');
    await stopCluster(bin, data, await postmasterPid(data)).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** The socket lives in our dir and the port is our own: the apt-installed cluster (5432, /var/run/postgresql) never meets this one. */
function serverSettings(dir: string, options: ClusterOptions): string {
  const lines = [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    'shared_buffers = 32MB',
    'max_connections = 100',
    "log_min_messages = 'warning'",
  ];
  if (!options.durable) lines.push('fsync = off', 'synchronous_commit = off', 'full_page_writes = off');
  return `\n# rollbot test cluster\n${lines.join('\n')}\n`;
}

/** A free port can be taken between the check and the bind (other test files start clusters too): retry. */
async function startOnFreePort(
  bin: string,
  data: string,
  log: string,
): Promise<{ port: number; pid: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await runPg(join(bin, 'pg_ctl'), [
        '-D',
        data,
        '-l',
        log,
        '-o',
        `-p ${port}`,
        '-w',
        '-t',
        '30',
        'start',
      ]);
      const pid = await postmasterPid(data);
      if (pid === undefined) throw new Error('pg_ctl reported a start but postmaster.pid has no PID');
      return { port, pid };
    } catch (err) {
      const tail = await readFile(log, 'utf8').catch(() => '');
      if (attempt >= 5 || !/could not bind|already in use|could not create any TCP\/IP sockets/i.test(tail))
        throw err;
      await writeFile(log, '');
    }
  }
}

/** pg_ctl -w already waited for "ready"; the first connection proves it, polled with a deadline. */
async function waitAcceptingConnections(admin: pg.Client, pid: number, log: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await admin.connect();
      return;
    } catch (err) {
      if (!(await isProcessRunning(pid))) throw new Error(`postgres exited: ${await readFile(log, 'utf8')}`);
      if (Date.now() > deadline) throw err;
      await sleep(25);
    }
  }
}

function adminClient(dir: string, port: number): pg.Client {
  const client = new pg.Client({ host: dir, port, user: 'postgres', database: 'postgres' });
  client.on('error', () => {}); // the cluster stopping under it is expected
  return client;
}

async function stopCluster(bin: string, data: string, pid: number | undefined): Promise<void> {
  const stopped = await runPg(join(bin, 'pg_ctl'), ['-D', data, 'stop', '-m', 'fast', '-w', '-t', '20']).then(
    () => true,
    () => false,
  );
  if (pid === undefined) return;
  if (!stopped) killSync(pid);
  if (!(await waitForProcessGone(pid, 10_000))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** SIGQUIT is PostgreSQL's immediate shutdown: the postmaster stops its backends and exits. */
function killSync(pid: number): void {
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    // already gone
  }
}

async function postmasterPid(data: string): Promise<number | undefined> {
  const text = await readFile(join(data, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
