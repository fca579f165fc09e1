/** Builders for ExecRequests in executor tests. */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { HostRef } from '../../src/domain/plan.js';
import type { ExecRequest } from '../../src/services/ports.js';

export function sshHost(address: string, port: number, user: string): HostRef {
  return { name: `host-${address}`, address, port, user, local: false };
}

/** A `run` step for `host` whose log goes to a fresh file in `logDir`. */
export function runRequest(
  host: HostRef,
  script: string,
  logDir: string,
  overrides: Partial<Omit<ExecRequest, 'host' | 'target'>> = {},
): ExecRequest {
  return {
    runId: 'run-test',
    stepIndex: 0,
    host,
    target: { kind: 'run', host: host.name, script },
    timeoutMs: 30_000,
    logFile: join(logDir, `${randomUUID()}.log`),
    secrets: [],
    signal: new AbortController().signal,
    ...overrides,
  };
}
