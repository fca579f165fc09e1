/**
 * Host settings for a harness whose runs never reach a host (requests that wait for an approval
 * nobody gives, endpoints, logs): addresses from TEST-NET-1, key files that do not exist. A test
 * that executes steps needs a real sshd (sshd.ts).
 */
import { tmpdir } from 'node:os';
import type { SshdHandle } from './sshd.js';

export const NO_SSHD = {
  port: 22,
  addresses: ['192.0.2.10', '192.0.2.11'],
  user: 'nobody',
  home: tmpdir(),
  userKeyFile: '/nonexistent/key',
  knownHostsFile: '/nonexistent/known_hosts',
} as SshdHandle;
