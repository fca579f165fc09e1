/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` in a temp dir as an
 * unprivileged user, `pg_ctl start` on 127.0.0.1 and a free port (its socket in the temp dir, so
 * neither Debian's own cluster nor another test's is touched), stopped by `pg_ctl stop -m fast`
 * (then by PID) and deleted. One per test file; `createDatabase` gives each test its own database.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chmod, chown, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';
import { isProcessRunning, sleep, waitForProcessGone } from './host-user.js';

const exec = promisify(execFile);

/** initdb and postgres refuse to run as root; as root the tests use Debian's `postgres` user. */
const RUN_AS = 'postgres';
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
  const dir = await mkdtemp(join(tmpdir(), 'rollbot-pg-'));
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

async function initdb(bin: string, data: string): Promise<void> {
  await runPg(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust', // the helper's own admin connection, over the socket in our 0700 dir
    '--auth-host=scram-sha-256', // the app role, over TCP, with its password
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
}

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
async function ensureTemplate(bin: string, root: string): Promise<string> {
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

/** The newest installed server (Debian: /usr/lib/postgresql/<major>/bin); ROLLBOT_PG_BIN overrides. */
export function postgresBinDir(): string {
  if (process.env.ROLLBOT_PG_BIN) return process.env.ROLLBOT_PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(
      'PostgreSQL server binaries not found: apt-get install -y postgresql (or set ROLLBOT_PG_BIN)',
    );
  }
  return join(root, majors[0]!, 'bin');
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

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

async function runPg(file: string, args: string[]): Promise<void> {
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', RUN_AS, '--', file, ...args]] : [file, args];
  await exec(cmd as string, argv as string[], { timeout: 60_000 });
}

async function uidGid(user: string): Promise<[number, number]> {
  const { stdout } = await exec('getent', ['passwd', user]).catch(() => {
    throw new Error(`user ${user} not found: apt-get install -y postgresql creates it`);
  });
  const fields = stdout.trim().split(':');
  return [Number(fields[2]), Number(fields[3])];
}
