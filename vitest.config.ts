import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most integration tests wait on sshd, sockets and timers rather than the CPU.
    poolOptions: { forks: { minForks: 1, maxForks: 4 } },
  },
});
