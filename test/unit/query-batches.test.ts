/** A query step in the engine: once per run, in the last batch, after every host did the steps before it. */
import { describe, expect, it } from 'vitest';
import { parseCondition } from '../../src/domain/condition.js';
import { type Plan, type PlannedStep, QUERY_TARGET_HOST } from '../../src/domain/plan.js';
import { failedResult, type StepResult } from '../../src/domain/step-result.js';
import { type EngineDeps, executePlan, type RunObserver } from '../../src/services/execute-plan.js';
import { abortableSleep } from '../../src/services/health-steps.js';
import type { CommandRunner } from '../../src/services/ports.js';

const passed: StepResult = { ...failedResult('', 1), ok: true, exitCode: 0 };

const runStep = (index: number, hosts: string[]): PlannedStep => ({
  index,
  name: `step ${index}`,
  kind: 'run',
  timeoutMs: 1000,
  continueOnError: false,
  targets: hosts.map((host) => ({ kind: 'run', host, script: `step ${index}` })),
});

const queryStep = (index: number): PlannedStep => ({
  index,
  name: 'Error rate below 1%',
  kind: 'query',
  timeoutMs: 10_000,
  continueOnError: false,
  targets: [
    {
      host: QUERY_TARGET_HOST,
      kind: 'query',
      prometheus: 'http://prometheus.invalid:9090',
      query: 'error_ratio',
      expect: parseCondition('< 0.01')!,
      everyMs: 1,
      samples: 2,
      failureLimit: 0,
      requestTimeoutMs: 100,
    },
  ],
});

function plan(hosts: string[]): Plan {
  return {
    service: 'svc',
    env: 'production',
    level: 2,
    levelName: 'Code rollback',
    targetMs: 60_000,
    hosts: hosts.map((name) => ({ name, address: name, port: 22, user: 'deploy', local: false })),
    strategy: { canary: 1, parallel: 5 },
    params: {},
    steps: [runStep(0, hosts), queryStep(1), runStep(2, hosts)],
    hash: 'h',
    secrets: [],
  };
}

function engine(failOn?: string) {
  const events: string[] = [];
  const runner: CommandRunner = {
    async run(req) {
      const key = `${req.host.name}:${req.stepIndex}`;
      return key === failOn ? failedResult('exit 1', 1, { exitCode: 1 }) : passed;
    },
    async close() {},
  };
  const deps: EngineDeps = {
    ssh: runner,
    local: runner,
    confirmer: { confirm: async () => ({ ok: true, by: 'U1' }) },
    probe: { probe: async () => ({ ok: true, detail: 'fine' }) },
    prometheus: {
      async query(req) {
        events.push(`query ${req.query}`);
        return { ok: true, value: 0.001 };
      },
    },
    clock: { now: () => Date.now() },
    sleep: abortableSleep,
  };
  const observer: RunObserver = {
    stepStarted: (step, host) => {
      events.push(`start ${step.index} ${host}`);
    },
    stepFinished() {},
    confirmRequested() {},
    confirmAnswered() {},
  };
  return { deps, events, observer };
}

describe('query step in the engine', () => {
  it('runs once, in the last batch, after every host has done the steps before it', async () => {
    const { deps, events, observer } = engine();
    const outcome = await executePlan(deps, {
      plan: plan(['a', 'b', 'c']),
      secretValues: [],
      runId: 'R',
      logDir: '/tmp/unused',
      signal: new AbortController().signal,
      observer,
    });
    expect(outcome.status).toBe('succeeded');
    expect(events).toEqual([
      'start 0 a',
      'start 2 a',
      'start 0 b',
      'start 0 c',
      `start 1 ${QUERY_TARGET_HOST}`,
      'query error_ratio',
      'query error_ratio',
      'start 2 b',
      'start 2 c',
    ]);
  });

  it('does not run when a host of the last batch failed before it', async () => {
    const { deps, events, observer } = engine('c:0');
    const outcome = await executePlan(deps, {
      plan: plan(['a', 'b', 'c']),
      secretValues: [],
      runId: 'R',
      logDir: '/tmp/unused',
      signal: new AbortController().signal,
      observer,
    });
    expect(outcome.status).toBe('failed');
    expect(events.some((e) => e.startsWith('query'))).toBe(false);
  });
});
