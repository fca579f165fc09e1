/** The `rollbot` command: parses argv, loads config, dispatches, and maps outcomes to exit codes. */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { type Config, configSecrets, loadConfig, slackProblems } from '../config.js';
import { createLogger } from '../logger.js';
import { buildCore, type Core } from '../main.js';
import { formatRunbookErrors } from '../runbooks/load.js';
import { parse, USAGE, UsageError } from './args.js';
import { checkDeployCommand, deploysCommand } from './deploy-commands.js';
import { loadEnvFile } from './env-file.js';
import {
  auditCommand,
  historyCommand,
  planCommand,
  rcaCommand,
  timelineCommand,
  validateCommand,
} from './read-commands.js';
import { requestOf, runCommand, stdioTerminal, type Terminal, terminalConfirmer } from './run-commands.js';
import { startupProblem } from './startup-problem.js';
import { terminalText } from './terminal-text.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const term = stdioTerminal(`cli:${safeUser()}`);
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    term.out.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const args = parse(rest);
  if (args.values.help) {
    term.out.write(`${USAGE}\n`);
    return 0;
  }
  const envFile = loadEnvFile();
  if (!envFile.ok) {
    term.err.write(`rollbot: ${envFile.message}\n`);
    return 2;
  }
  const loaded = loadConfig();
  if (!loaded.ok) {
    term.err.write(`${loaded.message}\n`);
    return 2;
  }
  const { config } = loaded;
  if (command === 'validate') return validateCommand(args.values.dir ?? config.runbooksDir, term);
  if (command === 'serve') return serveCommand(config, term);
  if (command === 'db') return dbCommand(args, term);
  if (
    !['plan', 'run', 'drill', 'history', 'timeline', 'rca', 'audit', 'deploys', 'check-deploy'].includes(
      command,
    )
  ) {
    throw new UsageError(`unknown command "${command}"`);
  }
  let toldStorage = false;
  // Said once, in words: the disk (or the database) is full or gone, and what rollbot does about it.
  const onStorageFailure = (err: unknown, runId: string) => {
    if (toldStorage) return;
    toldStorage = true;
    const why = err instanceof Error ? err.message : String(err);
    term.err.write(
      `\nrollbot cannot write its store (${why}). Run ${runId} stops here: steps that were running have an unknown outcome. It will be ended as soon as the store can be written again; free space for ${config.dbFile}.\n`,
    );
  };
  let core: Core;
  try {
    core = await buildCore(config, {
      // The terminal says what happens in words; its JSON log lines are for whoever asks for them.
      logger: createLogger({
        level: process.env.LOG_LEVEL ? config.logLevel : 'error',
        secrets: configSecrets(config),
      }),
      confirmer: terminalConfirmer(term, Boolean(args.values.yes)),
      onStorageFailure,
    });
  } catch (err) {
    return startupFailed(err, config, term);
  }
  try {
    if (core.runbookErrors.length > 0 && ['plan', 'run', 'drill'].includes(command)) {
      term.err.write(
        `warning: some runbooks are invalid and were not loaded:\n${formatRunbookErrors(core.runbookErrors)}\n`,
      );
    }
    // Runs whose process died become `interrupted` (their lease lapsed); nothing is re-run.
    if (command === 'run' || command === 'drill') await core.store.interruptOrphans();
    switch (command) {
      case 'plan':
        return planCommand(core, args, term);
      case 'run':
        return await runCommand(core, term, requestOf(args, term.actor, false), Boolean(args.values.yes));
      case 'drill':
        return await runCommand(core, term, requestOf(args, term.actor, true), Boolean(args.values.yes));
      case 'history':
        return await historyCommand(core, args, term);
      case 'timeline':
        return await timelineCommand(core, args, term);
      case 'rca':
        return await rcaCommand(core, args, term);
      case 'deploys':
        return await deploysCommand(core, args, term);
      case 'check-deploy':
        return await checkDeployCommand(core, args, term);
      default:
        return await auditCommand(core, args, term);
    }
  } finally {
    await core.close();
  }
}

async function serveCommand(config: Config, term: Terminal): Promise<number> {
  const problems = slackProblems(config);
  if (problems.length > 0) {
    term.err.write(`Invalid configuration:\n${problems.join('\n')}\n`);
    return 2;
  }
  // Loaded only here: the Slack stack is not needed by the other commands (start-up time).
  const { startServer } = await import('../main.js');
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config);
  } catch (err) {
    const code = startupFailed(err, config, term);
    // What started before the failure (the database, Bolt's reconnecting socket) must not keep
    // a process that will never serve alive.
    process.exit(code);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await server.stop();
  return 0;
}

/** `rollbot db copy --from <sqlite file> --to <postgres url>`. */
async function dbCommand(args: ReturnType<typeof parse>, term: Terminal): Promise<number> {
  const [verb, ...rest] = args.positionals;
  const { from, to } = args.values;
  if (verb !== 'copy' || rest.length > 0 || !from || !to || !/^postgres(ql)?:\/\//.test(to)) {
    term.err.write('usage: rollbot db copy --from <sqlite file> --to <postgres://…>\n');
    return 2;
  }
  if (!existsSync(from)) {
    term.err.write(`No SQLite file at ${from}.\n`);
    return 2;
  }
  const { copySqliteToPostgres } = await import('../store/copy.js');
  const { redactDatabaseUrl } = await import('../store/sql/redact-url.js');
  const copied = await copySqliteToPostgres(from, to);
  if (!copied.ok) {
    term.err.write(`Nothing copied: ${copied.message}.\n`);
    return 2;
  }
  const counts = Object.entries(copied.rows)
    .filter(([, n]) => n > 0)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
  term.out.write(`Copied ${from} to ${redactDatabaseUrl(to)}: ${counts || 'nothing (empty)'}.\n`);
  term.out.write('Check it: ROLLBOT_DATABASE_URL=… rollbot audit verify\n');
  return 0;
}

/** A known start-up failure is one line and exit 2; anything else is a bug and keeps its stack. */
function startupFailed(err: unknown, config: Config, term: Terminal): number {
  const problem = startupProblem(err, config);
  if (problem === undefined) throw err;
  term.err.write(`rollbot: ${problem}\n`);
  return 2;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(terminalText(`rollbot: ${err.message}\n\n${USAGE}\n`));
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      terminalText(
        `rollbot: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      ),
    );
    process.exitCode = 1;
  },
);
