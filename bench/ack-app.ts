/**
 * One app for the ack benchmark, in its own process (as in production, where Slack is elsewhere):
 * `rollbot` (the real server, on SQLite or as one replica on PostgreSQL) or `bare` (a Bolt app whose listener only acks). Prints
 * `READY <port>` when listening; stops on SIGTERM.
 */
import { App, LogLevel } from '@slack/bolt';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/main.js';
import { BOT_TOKEN, freePort, SIGNING_SECRET } from '../test/support/rollbot-harness.js';

/** `db`: a SQLite file, or a postgres:// URL (a replica; `instance` names it). */
const [which, apiUrl, runbooks, db, instance] = process.argv.slice(2);

async function start(): Promise<() => Promise<void>> {
  const port = await freePort();
  if (which === 'rollbot') {
    const loaded = loadConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: apiUrl,
      PORT: String(port),
      ROLLBOT_RUNBOOKS: runbooks,
      ...(db?.startsWith('postgres://') ? { ROLLBOT_DATABASE_URL: db } : { ROLLBOT_DB: db }),
      ...(instance ? { ROLLBOT_INSTANCE: instance } : {}),
      LOG_LEVEL: 'silent',
    });
    if (!loaded.ok) throw new Error(loaded.message);
    const server = await startServer(loaded.config, { logger: createLogger({ level: 'silent' }) });
    console.log(`READY ${port}`);
    return () => server.stop();
  }
  const bare = new App({
    token: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: apiUrl },
    port,
  });
  bare.command('/rollback', async ({ ack }) => {
    await ack();
  });
  await bare.start(port);
  console.log(`READY ${port}`);
  return async () => {
    await bare.stop();
  };
}

start().then(
  (stop) => process.once('SIGTERM', () => void stop().then(() => process.exit(0))),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
