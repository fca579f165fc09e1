/**
 * The compiled build the tests' child processes run (`node bin/rollbot.js` with ROLLBOT_FROM_DIST=1):
 * what the image ships, and a start-up without tsx compiling the source in every child (one to
 * several CPU-seconds each on a loaded 2-core machine, across ~100 CLI and bot processes per run).
 * Rebuilt from scratch whenever any source is newer than the last build.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SOURCES = ['src', 'commands', 'views', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const STAMP = join('dist', '.built-for-tests');

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

export async function buildDist(root: string): Promise<void> {
  const stamp = join(root, STAMP);
  const latest = Math.max(...SOURCES.map((s) => newest(join(root, s))));
  if (existsSync(stamp) && statSync(stamp).mtimeMs > latest) return;
  await rm(join(root, 'dist'), { recursive: true, force: true });
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
