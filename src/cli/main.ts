/** The `rollbot` command: parses argv, loads config, dispatches, and maps outcomes to exit codes. */
import { userInfo } from 'node:os';
import { type Config, loadConfig, slackProblems } from '../config.js';
import { type AppContext, buildApp } from '../main.js';
import { formatRunbookErrors } from '../runbooks/load.js';
import { parse, USAGE, UsageError } from './args.js';
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
  if (!['plan', 'run', 'drill', 'history', 'timeline', 'rca', 'audit'].includes(command)) {
    throw new UsageError(`unknown command "${command}"`);
  }
  let app: AppContext;
  try {
    app = await buildApp(config, { confirmer: terminalConfirmer(term, Boolean(args.values.yes)) });
  } catch (err) {
    return startupFailed(err, config, term);
  }
  try {
    if (app.runbookErrors.length > 0 && ['plan', 'run', 'drill'].includes(command)) {
      term.err.write(
        `warning: some runbooks are invalid and were not loaded:\n${formatRunbookErrors(app.runbookErrors)}\n`,
      );
    }
    // Runs left behind by a crashed bot or terminal become `interrupted`; nothing is re-run.
    if (command === 'run' || command === 'drill') app.store.interruptStaleRuns();
    switch (command) {
      case 'plan':
        return planCommand(app, args, term);
      case 'run':
        return await runCommand(app, term, requestOf(args, term.actor, false), Boolean(args.values.yes));
      case 'drill':
        return await runCommand(app, term, requestOf(args, term.actor, true), true);
      case 'history':
        return historyCommand(app, args, term);
      case 'timeline':
        return timelineCommand(app, args, term);
      case 'rca':
        return rcaCommand(app, args, term);
      default:
        return auditCommand(app, args, term);
    }
  } finally {
    await app.close();
  }
}

async function serveCommand(config: Config, term: Terminal): Promise<number> {
  const problems = slackProblems(config);
  if (problems.length > 0) {
    term.err.write(`Invalid configuration:\n${problems.join('\n')}\n`);
    return 2;
  }
  // Loaded only here: the Slack stack is not needed by the other commands (start-up time).
  const { startServer } = await import('../serve.js');
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
