/** The parts of a run's plan the RCA shows. */
import type { Plan } from '../../src/domain/plan.js';

export interface PlanStepInfo {
  index: number;
  name: string;
  kind: string;
  timeoutMs: number | null;
  /** Hosts the step targets, in host order; empty for `confirm` steps. */
  hosts: string[];
}

export interface PlanInfo {
  levelName: string | null;
  hosts: string[];
  steps: PlanStepInfo[];
  /** Display params (secret ones masked). */
  params: Record<string, string>;
}

export function planInfo(plan: Plan): PlanInfo {
  return {
    levelName: plan.levelName,
    hosts: plan.hosts.map((h) => h.name),
    steps: plan.steps.map((step) => ({
      index: step.index,
      name: step.name,
      kind: step.kind,
      timeoutMs: step.timeoutMs,
      hosts: step.targets.map((t) => t.host),
    })),
    params: { ...plan.params },
  };
}
