/**
 * Runs once before the test files fork: creates the throwaway login user here, because several
 * forks calling useradd at once can leave a home directory owned by a uid that no longer exists
 * (sshd then refuses the key: "bad ownership or modes"). It also gives the run a directory where
 * the first test file that needs PostgreSQL builds a template data dir the others copy; the
 * directory goes when the run ends. And it builds `dist/` once, which every `node bin/rollbot.js`
 * child runs (ROLLBOT_FROM_DIST=1, passed on by the tests that set a child's environment).
 */
import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { buildDist } from './support/build-dist.js';
import { ensureTestUser } from './support/host-user.js';
import { createTemplateRoot } from './support/postgres.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureTestUser();
  await buildDist(process.cwd());
  process.env.ROLLBOT_FROM_DIST = '1';
  const templateRoot = await createTemplateRoot();
  project.provide('pgTemplateRoot', templateRoot);
  return () => rm(templateRoot, { recursive: true, force: true });
}
