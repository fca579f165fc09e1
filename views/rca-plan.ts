/** The parts of a run's stored display plan the RCA shows, read defensively (old rows may lack fields). */

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
  /** Display params (secret ones already masked by the caller that stored them). */
  params: Record<string, string>;
}

export function parsePlanInfo(planJson: string, paramsJson: string): PlanInfo {
  const plan = parseObject(planJson);
  const params = parseObject(paramsJson);
  return {
    levelName: typeof plan.levelName === 'string' ? plan.levelName : null,
    hosts: objects(plan.hosts).flatMap((h) => (typeof h.name === 'string' ? [h.name] : [])),
    steps: objects(plan.steps).flatMap(stepInfo),
    params: stringValues(Object.keys(params).length > 0 ? params : asObject(plan.params)),
  };
}

function stepInfo(step: Record<string, unknown>): PlanStepInfo[] {
  if (typeof step.index !== 'number' || typeof step.name !== 'string') return [];
  return [
    {
      index: step.index,
      name: step.name,
      kind: typeof step.kind === 'string' ? step.kind : 'run',
      timeoutMs: typeof step.timeoutMs === 'number' ? step.timeoutMs : null,
      hosts: objects(step.targets).flatMap((t) => (typeof t.host === 'string' ? [t.host] : [])),
    },
  ];
}

function parseObject(json: string): Record<string, unknown> {
  try {
    return asObject(JSON.parse(json));
  } catch {
    return {};
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function objects(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(asObject) : [];
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
