/**
 * Runs once before the test files fork: creates the throwaway login user here, because several
 * forks calling useradd at once can leave a home directory owned by a uid that no longer exists
 * (sshd then refuses the key: "bad ownership or modes").
 */
import { ensureTestUser } from './support/host-user.js';

export default async function setup(): Promise<void> {
  await ensureTestUser();
}
