/** Running the PostgreSQL server binaries as an unprivileged user (they refuse root). */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** As root, the tests run the server as Debian's `postgres` user (the package creates it). */
export const RUN_AS = 'postgres';

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

export async function initdb(bin: string, data: string): Promise<void> {
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

export function asRoot(): boolean {
  return process.getuid?.() === 0;
}

export async function runPg(file: string, args: string[]): Promise<void> {
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', RUN_AS, '--', file, ...args]] : [file, args];
  await exec(cmd as string, argv as string[], { timeout: 60_000 });
}

export async function uidGid(user: string): Promise<[number, number]> {
  const { stdout } = await exec('getent', ['passwd', user]).catch(() => {
    throw new Error(`user ${user} not found: apt-get install -y postgresql creates it`);
  });
  const fields = stdout.trim().split(':');
  return [Number(fields[2]), Number(fields[3])];
}
