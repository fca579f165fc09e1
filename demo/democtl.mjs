#!/usr/bin/env node
// Controls the demo service the way a deploy tool would: releases, feature flags, restarts, backups.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RELEASES = ['v1.0.0', 'v1.1.0'];
const stateDir = process.env.DEMO_STATE_DIR ?? join(process.cwd(), 'data', 'demo');
const port = Number(process.env.DEMO_PORT ?? 4780);
const serverScript = join(dirname(fileURLToPath(import.meta.url)), 'demo-service.mjs');
const file = (name) => join(stateDir, name);

function usage() {
  console.error(
    'usage: democtl break | deploy <release> | flag NAME=value | restart | stop | start | status',
  );
  process.exit(2);
}

async function stop() {
  if (!existsSync(file('pid'))) return;
  const pid = Number(readFileSync(file('pid'), 'utf8'));
  rmSync(file('pid'), { force: true });
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  // Wait for the old process to release the port, or the new one would fail to bind.
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

// A zombie (exited, not yet reaped: containers often run without an init) counts as gone.
function alive(pid) {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function start() {
  // Something else answering on the port would be taken for this demo: say so instead.
  if (await answers()) {
    console.error(
      `port ${port} is already in use by another process (another demo?); stop it or set DEMO_PORT`,
    );
    process.exit(1);
  }
  const log = openSync(file('service.log'), 'a');
  const child = spawn(process.execPath, [serverScript], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, DEMO_STATE_DIR: stateDir, DEMO_PORT: String(port) },
  });
  child.unref();
  writeFileSync(file('pid'), String(child.pid));
  await waitForPort();
  console.log(
    `demo service ${readFileSync(file('current'), 'utf8').trim()} started (pid ${child.pid}, port ${port})`,
  );
}

async function answers() {
  try {
    await fetch(`http://127.0.0.1:${port}/health`);
    return true;
  } catch {
    return false;
  }
}

async function waitForPort() {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`demo service did not listen on port ${port}`);
}

function deploy(release) {
  if (!RELEASES.includes(release)) {
    console.error(`unknown release ${release}; available: ${RELEASES.join(', ')}`);
    process.exit(1);
  }
  writeFileSync(file('current'), `${release}\n`);
  console.log(`deployed ${release}`);
}

function setFlag(assignment) {
  if (!/^[A-Z0-9_]+=[a-z0-9]+$/.test(assignment ?? '')) usage();
  const lines = existsSync(file('flags.env')) ? readFileSync(file('flags.env'), 'utf8').split('\n') : [];
  const name = assignment.split('=')[0];
  const kept = lines.filter((l) => l && !l.startsWith(`${name}=`));
  writeFileSync(file('flags.env'), `${[...kept, assignment].join('\n')}\n`);
  console.log(`flag ${assignment}`);
}

mkdirSync(stateDir, { recursive: true });
const [command, arg] = process.argv.slice(2);
switch (command) {
  case 'break':
    // Simulates the bad deploy the demo rolls back from.
    await stop();
    deploy('v1.1.0');
    setFlag('ENABLE_NEW_CACHE=true');
    await start();
    break;
  case 'deploy':
    deploy(arg);
    break;
  case 'flag':
    setFlag(arg);
    break;
  case 'restart':
    await stop();
    await start();
    break;
  case 'start':
    await start();
    break;
  case 'stop':
    await stop();
    console.log('demo service stopped');
    break;
  case 'status':
    console.log(existsSync(file('current')) ? readFileSync(file('current'), 'utf8').trim() : 'not deployed');
    break;
  default:
    usage();
}
