/** Record fixtures shared by the view, policy and store tests. */
import type { Plan } from '../../src/domain/plan.js';
import type { StepResult } from '../../src/domain/step-result.js';

/** A minimal plan as the store keeps it (the store never looks inside beyond its hash). */
export function testPlan(over: Partial<Plan> = {}): Plan {
  return {
    service: 'mimo',
    env: 'production',
    level: 2,
    levelName: 'Code rollback',
    targetMs: 900_000,
    hosts: [{ name: 'mimo-1', address: '10.0.1.10', port: 22, user: 'deploy', local: false }],
    strategy: { canary: 1, parallel: 5 },
    params: { version: 'v2.3.0' },
    steps: [],
    hash: 'hash-1',
    secrets: [],
    ...over,
  };
}

/** A step that ran to exit 0 on a host, as the engine reports it. */
export function okResult(over: Partial<StepResult> = {}): StepResult {
  return {
    ok: true,
    exitCode: 0,
    signal: null,
    timedOut: false,
    canceled: false,
    outcomeUnknown: false,
    durationMs: 1234,
    tail: 'done\n',
    ...over,
  };
}
