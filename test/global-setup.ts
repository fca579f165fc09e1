/**
 * Runs once before the test files fork: creates the throwaway login user here, because several
 * forks calling useradd at once can leave a home directory owned by a uid that no longer exists
 * (sshd then refuses the key: "bad ownership or modes"). Its teardown removes the PostgreSQL
 * template data dir that test files copy their clusters from.
 */
import { ensureTestUser } from './support/host-user.js';
import { removeTemplate } from './support/postgres.js';

export default async function setup(): Promise<() => Promise<void>> {
  await ensureTestUser();
  return removeTemplate;
}
