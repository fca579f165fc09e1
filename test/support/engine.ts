/** The real rollback service (real SSH runner, local runner, health probe) around one test runbook. */
import { join } from 'node:path';
import { createHealthProbe } from '../../src/exec/health.js';
import { createLocalRunner } from '../../src/exec/local-runner.js';
import { createPrometheusClient } from '../../src/exec/prometheus.js';
import { parseRunbookText } from '../../src/runbooks/load.js';
import { abortableSleep } from '../../src/services/health-steps.js';
import type { CommandRunner } from '../../src/services/ports.js';
import { createRollbackService } from '../../src/services/rollback.js';
import type { Store } from '../../src/store/store.js';

export function rollbackServiceFor(opts: {
  yaml: string;
  store: Store;
  ssh: CommandRunner;
  workDir: string;
  /** ROLLBOT_PROMETHEUS_URL, for runbooks with query steps. */
  prometheusUrl?: string;
}) {
  // The loader insists the file is named after its service.
  const service = /^service: (\S+)/m.exec(opts.yaml)?.[1] ?? 'unnamed';
  const parsed = parseRunbookText(opts.yaml, `${service}.yml`);
  if (!parsed.runbook) throw new Error(JSON.stringify(parsed.errors));
  const runbook = parsed.runbook;
  const clock = { now: () => Date.now() };
  return createRollbackService({
    store: opts.store,
    catalog: { get: (s) => (s === runbook.service ? runbook : undefined), names: () => [runbook.service] },
    engine: {
      ssh: opts.ssh,
      local: createLocalRunner(),
      // Tests that reach a confirm step say so; everywhere else nobody is there to answer.
      confirmer: { confirm: async () => ({ ok: false, by: 'nobody' }) },
      probe: createHealthProbe(),
      prometheus: createPrometheusClient(),
      clock,
      sleep: abortableSleep,
    },
    clock,
    logRoot: join(opts.workDir, 'logs'),
    prometheusUrl: opts.prometheusUrl,
  });
}
