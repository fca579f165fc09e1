/** Composition root: config → logger → store → executors → services. The only place adapters are built. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Config, childProcessEnv, configSecrets } from './config.js';
import { failedResult } from './domain/step-result.js';
import { createHealthProbe } from './exec/health.js';
import { createLocalRunner } from './exec/local-runner.js';
import { createSshRunner } from './exec/ssh-runner.js';
import { createLogger, type Logger } from './logger.js';
import { loadRunbooks, type RunbookError } from './runbooks/load.js';
import type { Runbook } from './runbooks/schema.js';
import type { EngineDeps } from './services/execute-plan.js';
import { abortableSleep } from './services/health-steps.js';
import {
  type Clock,
  type CommandRunner,
  type Confirmer,
  type Metrics,
  systemClock,
} from './services/ports.js';
import { createRollbackService, type RunbookCatalog } from './services/rollback.js';
import { createStore, type Store } from './store/store.js';

export interface AppContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  catalog: RunbookCatalog;
  runbookErrors: RunbookError[];
  rollback: ReturnType<typeof createRollbackService>;
  close(): Promise<void>;
}

export function buildApp(
  config: Config,
  options: { confirmer: Confirmer; logger?: Logger; clock?: Clock; metrics?: Metrics },
): AppContext {
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const clock = options.clock ?? systemClock;
  const store = createStore({ file: config.dbFile, clock });
  const loaded = loadRunbooks(config.runbooksDir);
  const catalog = catalogOf(loaded.runbooks);
  const ssh = lazySshRunner(config);
  const local = createLocalRunner({ env: childProcessEnv(), logMaxBytes: config.stepLogMaxBytes });
  const engine: EngineDeps = {
    ssh,
    local,
    confirmer: options.confirmer,
    probe: createHealthProbe(),
    clock,
    sleep: abortableSleep,
  };
  const rollback = createRollbackService({
    store,
    catalog,
    engine,
    clock,
    logRoot: join(dirname(config.dbFile), 'logs'),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return {
    config,
    logger,
    clock,
    store,
    catalog,
    runbookErrors: loaded.errors,
    rollback,
    async close() {
      await ssh.close();
      await local.close();
      store.close();
    },
  };
}

function catalogOf(runbooks: Map<string, Runbook>): RunbookCatalog {
  return {
    get: (service) => runbooks.get(service),
    names: () => [...runbooks.keys()].sort(),
  };
}

/** The SSH key is read on first use, so local-only runbooks (the demo) need no key at all. */
function lazySshRunner(config: Config): CommandRunner {
  let runner: CommandRunner | undefined;
  let problem: string | undefined;
  const get = (): CommandRunner | undefined => {
    if (runner || problem) return runner;
    try {
      const privateKey = readFileSync(config.sshKeyFile);
      runner = createSshRunner({
        privateKey,
        passphrase: config.sshKeyPassphrase,
        knownHostsFile: config.knownHostsFile,
        logMaxBytes: config.stepLogMaxBytes,
      });
    } catch (err) {
      problem = `cannot read the SSH key ${config.sshKeyFile} (ROLLBOT_SSH_KEY): ${(err as Error).message}`;
    }
    return runner;
  };
  return {
    async run(req) {
      return get()?.run(req) ?? failedResult(problem ?? 'SSH is not configured');
    },
    async close() {
      await runner?.close();
    },
  };
}
