import { describe, expect, it } from 'vitest';
import type { HostRef, Plan, PlannedStep, StepTarget } from '../../src/domain/plan.js';
import { failedResult, type StepResult } from '../../src/domain/step-result.js';
import { type EngineDeps, executePlan, type RunObserver } from '../../src/services/execute-plan.js';
import { abortableSleep } from '../../src/services/health-steps.js';
import type { CommandRunner, ExecRequest } from '../../src/services/ports.js';
import { batchHosts } from '../../src/services/strategy.js';
import { okResult } from '../support/records.js';

const ok = () => okResult({ durationMs: 1, tail: '' });

function host(name: string): HostRef {
  return { name, address: name, port: 22, user: 'deploy', local: false };
}

function runStep(index: number, hosts: string[], extra: Partial<PlannedStep> = {}): PlannedStep {
  const targets: StepTarget[] = hosts.map((h) => ({ kind: 'run', host: h, script: `step ${index}` }));
  return {
    index,
    name: `step ${index}`,
    kind: 'run',
    timeoutMs: 1000,
    continueOnError: false,
    targets,
    ...extra,
  };
}

function planOf(hostNames: string[], steps: PlannedStep[], strategy = { canary: 1, parallel: 2 }): Plan {
  return {
    service: 'svc',
    env: 'production',
    level: 2,
    levelName: 'Code rollback',
    targetMs: 60_000,
    hosts: hostNames.map(host),
    strategy,
    params: {},
    steps,
    hash: 'h',
    secrets: [],
  };
}

/** A runner that records calls and answers from a table keyed by "host:step". */
function scriptedRunner(answers: Record<string, StepResult> = {}) {
  const calls: string[] = [];
  const runner: CommandRunner = {
    async run(req: ExecRequest) {
      const key = `${req.host.name}:${req.stepIndex}`;
      calls.push(key);
      return answers[key] ?? ok();
    },
    async close() {},
  };
  return { runner, calls };
}

function deps(runner: CommandRunner, confirm = true): EngineDeps {
  return {
    ssh: runner,
    local: runner,
    confirmer: { confirm: async () => ({ ok: confirm, by: 'U1' }) },
    probe: { probe: async () => ({ ok: true, detail: 'fine' }) },
    prometheus: { query: async () => ({ ok: false, reason: 'no Prometheus in this test' }) },
    clock: { now: () => Date.now() },
    sleep: abortableSleep,
  };
}

const quiet: RunObserver = {
  stepStarted() {},
  stepFinished() {},
  confirmRequested() {},
  confirmAnswered() {},
};

const input = (plan: Plan, signal = new AbortController().signal) => ({
  plan,
  secretValues: [],
  runId: 'INC-2026-0001-r1',
  logDir: '/tmp/rollbot-engine-test',
  signal,
  observer: quiet,
});

describe('batchHosts', () => {
  it('puts the canary alone, then the rest in parallel groups', () => {
    expect(batchHosts(['a', 'b', 'c', 'd', 'e', 'f'], { canary: 1, parallel: 2 })).toEqual([
      ['a'],
      ['b', 'c'],
      ['d', 'e'],
      ['f'],
    ]);
  });
  it('skips the canary when there is a single host', () => {
    expect(batchHosts(['a'], { canary: 1, parallel: 5 })).toEqual([['a']]);
  });
});

describe('executePlan', () => {
  it('runs every step on the canary before the other hosts start', async () => {
    const { runner, calls } = scriptedRunner();
    const plan = planOf(['a', 'b', 'c'], [runStep(0, ['a', 'b', 'c']), runStep(1, ['a', 'b', 'c'])]);
    const outcome = await executePlan(deps(runner), input(plan));
    expect(outcome.status).toBe('succeeded');
    expect(calls.slice(0, 2)).toEqual(['a:0', 'a:1']);
    expect(calls.slice(2).sort()).toEqual(['b:0', 'b:1', 'c:0', 'c:1']);
  });

  it('stops later batches when the canary fails and reports who never started', async () => {
    const { runner, calls } = scriptedRunner({ 'a:0': failedResult('exit code 1', 5, { exitCode: 1 }) });
    const plan = planOf(['a', 'b', 'c'], [runStep(0, ['a', 'b', 'c']), runStep(1, ['a', 'b', 'c'])]);
    const outcome = await executePlan(deps(runner), input(plan));
    expect(outcome.status).toBe('failed');
    expect(calls).toEqual(['a:0']);
    expect(outcome.notStarted).toEqual(['b', 'c']);
    expect(outcome.failures[0]?.host).toBe('a');
  });

  it('tolerates a failure with continueOnError but never an unknown outcome', async () => {
    const unknown = failedResult('connection lost', 1, { outcomeUnknown: true });
    const tolerated = scriptedRunner({ 'a:0': failedResult('exit code 3', 1, { exitCode: 3 }) });
    const steps = [runStep(0, ['a'], { continueOnError: true }), runStep(1, ['a'])];
    expect((await executePlan(deps(tolerated.runner), input(planOf(['a'], steps)))).status).toBe('succeeded');
    expect(tolerated.calls).toEqual(['a:0', 'a:1']);

    const lost = scriptedRunner({ 'a:0': unknown });
    const outcome = await executePlan(deps(lost.runner), input(planOf(['a'], steps)));
    expect(outcome.status).toBe('failed');
    expect(lost.calls).toEqual(['a:0']);
  });

  it('aborts at a declined confirm step without running what follows', async () => {
    const { runner, calls } = scriptedRunner();
    const confirm: PlannedStep = {
      index: 0,
      name: 'confirm',
      kind: 'confirm',
      confirm: 'Writes since the backup will be lost. Continue?',
      timeoutMs: 1000,
      continueOnError: false,
      targets: [],
    };
    const outcome = await executePlan(
      deps(runner, false),
      input(planOf(['a'], [confirm, runStep(1, ['a'])])),
    );
    expect(outcome.status).toBe('aborted');
    expect(outcome.abortReason).toContain('declined by U1');
    expect(calls).toEqual([]);
  });

  it('asks a confirm step once per run, not once per batch', async () => {
    const { runner } = scriptedRunner();
    let asked = 0;
    const d = deps(runner);
    d.confirmer = { confirm: async () => ({ ok: true, by: `U${++asked}` }) };
    const confirm: PlannedStep = { ...runStep(0, []), kind: 'confirm', confirm: 'Sure?' };
    const outcome = await executePlan(
      d,
      input(planOf(['a', 'b', 'c'], [confirm, runStep(1, ['a', 'b', 'c'])])),
    );
    expect(outcome.status).toBe('succeeded');
    expect(asked).toBe(1);
  });

  it('masks every result it returns (the one boundary): raw, quoted and URL-encoded forms', async () => {
    const secret = "tok'en/42";
    const runner: CommandRunner = {
      async run() {
        return failedResult(
          `GET http://h/health?t=${encodeURIComponent(secret)} said ${secret} ('tok'\\''en/42')`,
          1,
          {
            tail: `token=${secret}`,
          },
        );
      },
      async close() {},
    };
    const seen: string[] = [];
    const outcome = await executePlan(deps(runner), {
      ...input(planOf(['a'], [runStep(0, ['a'])])),
      secretValues: [secret],
      observer: { ...quiet, stepFinished: (_s, _h, r) => void seen.push(JSON.stringify(r)) },
    });
    const shown = JSON.stringify(outcome) + seen.join('');
    for (const part of ['en/42', 'en%2F42', "tok'"]) expect(shown).not.toContain(part);
    expect(shown).toContain('said •••••• (••••••)');
  });

  it('reports an abort between batches as aborted and starts nothing more', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const runner: CommandRunner = {
      async run(req) {
        calls.push(req.host.name);
        controller.abort();
        return ok();
      },
      async close() {},
    };
    const outcome = await executePlan(
      deps(runner),
      input(planOf(['a', 'b'], [runStep(0, ['a', 'b'])]), controller.signal),
    );
    expect(outcome.status).toBe('aborted');
    expect(calls).toEqual(['a']);
    expect(outcome.notStarted).toEqual(['b']);
  });
});
