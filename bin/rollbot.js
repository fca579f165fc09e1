#!/usr/bin/env node
// Runs the TypeScript source through tsx in a checkout (so a fresh `npm ci` is enough and a stale
// build can never shadow the source), and the compiled dist/ where the source is not shipped
// (the Docker image). ROLLBOT_FROM_DIST=1 forces the compiled build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');
if (existsSync(compiled) && (!existsSync(source) || process.env.ROLLBOT_FROM_DIST === '1')) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
