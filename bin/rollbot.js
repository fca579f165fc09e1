#!/usr/bin/env node
// Runs the TypeScript source through tsx in a checkout (so a fresh `npm ci` is enough and a stale
// build can never shadow the source), and the compiled dist/ where the source is not shipped
// (the Docker image, which has no tsx: it is a development dependency). ROLLBOT_FROM_DIST=1 forces
// the compiled build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');
const hasBuild = existsSync(compiled);
if (hasBuild && (!existsSync(source) || process.env.ROLLBOT_FROM_DIST === '1')) {
  await import(pathToFileURL(compiled).href);
} else {
  const tsx = await import('tsx/esm/api').catch(() => undefined);
  if (tsx) {
    tsx.register();
    await import(pathToFileURL(source).href);
  } else if (hasBuild) {
    await import(pathToFileURL(compiled).href);
  } else {
    process.stderr.write(
      'rollbot: neither tsx (a development dependency: run `npm ci`) nor a build (`npm run build`) is installed\n',
    );
    process.exitCode = 2;
  }
}
