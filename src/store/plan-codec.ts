/** A run's plan as stored: JSON written by rollbot, read back through one schema (no casts elsewhere). */
import { z } from 'zod';
import type { Plan } from '../domain/plan.js';

const hostSchema = z.object({
  name: z.string(),
  address: z.string(),
  port: z.number(),
  user: z.string(),
  local: z.boolean(),
});

// Targets are checked for what every consumer relies on; their kind-specific fields pass through.
const targetSchema = z.looseObject({ host: z.string(), kind: z.string() });

const stepSchema = z.looseObject({
  index: z.number(),
  name: z.string(),
  kind: z.string(),
  timeoutMs: z.number(),
  continueOnError: z.boolean(),
  confirm: z.string().optional(),
  targets: z.array(targetSchema),
});

const planSchema = z.looseObject({
  service: z.string(),
  env: z.string(),
  level: z.number(),
  levelName: z.string(),
  targetMs: z.number(),
  hosts: z.array(hostSchema),
  strategy: z.object({ canary: z.number(), parallel: z.number() }),
  params: z.record(z.string(), z.string()),
  steps: z.array(stepSchema),
  hash: z.string().default(''),
  // Plans stored before secrets were references carry none (and are never executed).
  secrets: z.array(z.object({ param: z.string(), from: z.string(), variable: z.string() })).default([]),
});

export function encodePlan(plan: Plan): string {
  return JSON.stringify(plan);
}

export function decodePlan(json: string, hash: string): Plan {
  const parsed = planSchema.parse(JSON.parse(json));
  return { ...(parsed as unknown as Plan), hash: parsed.hash || hash };
}
