/**
 * The live progress view on a real terminal (tmux): at 40 and 200 columns, and through Ctrl-C. What
 * the screen shows is read back, scrollback included, so a redraw that miscounts its rows (and leaves
 * copies of lines behind) or erases the Ctrl-C hint is seen as the operator would see it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/rollbot-harness.js';
import { startPane, type TmuxPane } from '../support/tmux.js';

const STEPS = [
  'Disable the parallel spawning feature flag in the environment file',
  'Restart the application processes on every host in turn',
  'Wait until every host answers its health endpoint again',
];
const HOSTS = ['frontend-primary-eu-west-1', 'frontend-primary-eu-west-2', 'frontend-primary-eu-west-3'];

function workspace(stepScript: (i: number) => string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'rollbot-tty-'));
  mkdirSync(join(dir, 'runbooks'));
  const hosts = HOSTS.map((name) => `      - { name: ${name}, local: true }`).join('\n');
  const steps = STEPS.map((name, i) => `      - name: ${name}\n        run: ${stepScript(i)}`).join('\n');
  writeFileSync(
    join(dir, 'runbooks', 'wide.yml'),
    `service: wide
description: Long step and host names, for the progress view
approvers: [U0LEAD]
environments:
  production:
    hosts:
${hosts}
    strategy: { canary: 1, parallel: 5 }
levels:
  1:
    name: Feature toggle
    target: 2m
    approvals: 0
    steps:
${steps}
`,
  );
  return {
    dir,
    env: {
      HOME: process.env.HOME,
      ROLLBOT_FROM_DIST: process.env.ROLLBOT_FROM_DIST,
      ROLLBOT_RUNBOOKS: join(dir, 'runbooks'),
      ROLLBOT_DB: join(dir, 'data', 'rollbot.db'),
      LOG_LEVEL: 'silent',
    },
  };
}

const RUN = 'node bin/rollbot.js run wide --level 1 --severity minor --reason tty --yes';
const count = (rows: string[], text: string) => rows.filter((r) => r.includes(text)).length;
/** Rows of the live view that carry step `i`'s label (the plan printed before it has no indent). */
const labelRows = (rows: string[], i: number) =>
  rows.filter((r) => r.startsWith(`  ${i + 1}. ${STEPS[i]!.slice(0, 20)}`)).length;

let pane: TmuxPane | undefined;
afterEach(async () => {
  await pane?.stop();
  pane = undefined;
});

describe('live progress on a real terminal', () => {
  for (const columns of [40, 200]) {
    it(`at ${columns} columns every step is shown once`, async () => {
      // Each step outlasts a few redraws (every 250 ms).
      const { dir, env } = workspace(() => 'sleep 0.6');
      pane = await startPane({ dir, command: RUN, env, columns, rows: 30 });
      expect(await pane.exitCode(), (await pane.history()).join('\n')).toBe(0);
      const rows = await pane.history();
      const shown = rows.join('\n');
      // A label is cut at 40 columns; its number and first words are always there.
      for (const i of STEPS.keys()) expect(labelRows(rows, i), `step ${i + 1} in:\n${shown}`).toBe(1);
      if (columns === 200) for (const name of STEPS) expect(shown).toContain(name);
      for (const host of HOSTS) expect(count(rows, `✔ ${host.slice(0, 16)}`), shown).toBeGreaterThan(0);
      expect(shown).toMatch(/Run INC-\d{4}-\d{4}-r1: SUCCEEDED/);
    });
  }

  it('Ctrl-C keeps the hint on screen and shows every step once', async () => {
    const { dir, env } = workspace((i) => (i === 1 ? 'sleep 30' : 'exit 0'));
    pane = await startPane({ dir, command: RUN, env, columns: 80, rows: 30 });
    const p = pane;
    await waitFor('the long step to run', async () =>
      (await p.screen()).some((r) => r.includes('▶ frontend')),
    );
    await p.sendKeys('C-c');
    expect(await p.exitCode()).toBe(1);
    const rows = await p.history();
    const shown = rows.join('\n');
    expect(count(rows, 'Ctrl-C again'), shown).toBe(1);
    for (const i of STEPS.keys()) expect(labelRows(rows, i), shown).toBe(1);
    expect(shown).toMatch(/ABORTED/);
  });
});
