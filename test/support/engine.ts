/** The real use cases (real SSH runner, local runner, health probe) around one test runbook. */
import { join } from 'node:path';
import { createHealthProbe } from '../../src/exec/health.js';
import { createLocalRunner } from '../../src/exec/local-runner.js';
import { createPrometheusClient } from '../../src/exec/prometheus.js';
import { createSecretReader } from '../../src/exec/secrets.js';
import { createLogger } from '../../src/logger.js';
import { parseRunbookText } from '../../src/runbooks/load.js';
import { type ExecuteContext, executeRun } from '../../src/services/execute.js';
import { abortableSleep } from '../../src/services/health-steps.js';
import { createServices } from '../../src/services/index.js';
import { silentNotifier } from '../../src/services/notifier.js';
import type { CommandRunner, Confirmer } from '../../src/services/ports.js';
import type { RollbackRequest } from '../../src/services/request.js';
import type { Store } from '../../src/store/store.js';

export function rollbackServiceFor(opts: {
  yaml: string;
  store: Store;
  ssh: CommandRunner;
  workDir: string;
  /** Where `from: env:NAME` secrets are read (default: nothing is set). */
  env?: Record<string, string>;
  confirmer?: Confirmer;
  /** ROLLBOT_PROMETHEUS_URL, for runbooks with query steps. */
  prometheusUrl?: string;
}) {
  // The loader insists the file is named after its service.
  const service = /^service: (\S+)/m.exec(opts.yaml)?.[1] ?? 'unnamed';
  const parsed = parseRunbookText(opts.yaml, `${service}.yml`);
  if (!parsed.runbook) throw new Error(JSON.stringify(parsed.errors));
  const runbook = parsed.runbook;
  const clock = { now: () => Date.now() };
  const services = createServices({
    store: opts.store,
    catalog: { get: (s) => (s === runbook.service ? runbook : undefined), names: () => [runbook.service] },
    notifier: silentNotifier,
    directory: { members: async (ids) => new Set(ids) },
    engine: {
      ssh: opts.ssh,
      local: createLocalRunner(),
      // Tests that reach a confirm step say so; everywhere else nobody is there to answer.
      confirmer: opts.confirmer ?? { confirm: async () => ({ ok: false, by: 'nobody' }) },
      probe: createHealthProbe(),
      prometheus: createPrometheusClient(),
      clock,
      sleep: abortableSleep,
    },
    secrets: createSecretReader((name) => opts.env?.[name]),
    clock,
    logger: createLogger({ level: 'silent' }),
    logRoot: join(opts.workDir, 'logs'),
    approvalTtlMs: 15 * 60_000,
    timeZone: 'UTC',
    teamId: () => undefined,
    pollMs: 50,
    prometheusUrl: opts.prometheusUrl,
  });
  return {
    services,
    preview: services.preview,
    /** Opens a run as the terminal does: typed secrets allowed; `preApprovedBy` is the typed confirmation. */
    open: (
      request: Omit<RollbackRequest, 'requestedBy'> & { requestedBy: string },
      options: { preApprovedBy?: string } = {},
    ) =>
      services.request(request, { via: 'terminal', ...(options.preApprovedBy ? { preApproved: true } : {}) }),
    execute: (runId: string, ctx: ExecuteContext) => executeRun(services.executeDeps, runId, ctx),
  };
}
