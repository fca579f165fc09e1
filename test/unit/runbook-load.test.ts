import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runbookJsonSchema } from '../../src/runbooks/json-schema.js';
import { formatRunbookErrors, loadRunbookFile, loadRunbooks } from '../../src/runbooks/load.js';

const FIXTURES = 'test/fixtures/runbooks';
const APP = [
  'service: app',
  'environments: { production: { hosts: [{ name: a, address: 10.0.0.1 }] } }',
  'levels: { 1: { name: Restart, target: 1m, approvals: 0, steps: [{ run: "true" }] } }',
  '',
].join('\n');

describe('loadRunbooks', () => {
  it('loads the valid fixtures (the DESIGN §3 example among them) and ignores schema.json', () => {
    const { runbooks, errors } = loadRunbooks(join(FIXTURES, 'valid'));
    expect(formatRunbookErrors(errors)).toBe('');
    expect([...runbooks.keys()].sort()).toEqual(['ledger', 'mimo']);
    const mimo = runbooks.get('mimo')!;
    expect(mimo.approvers).toEqual(['S0PLATFORM', 'U0LEAD']);
    expect(mimo.escalation).toEqual([
      { after: 300_000, notify: ['U0ONCALL'] },
      { after: 900_000, notify: ['S0TECHLEADS'] },
    ]);
    expect(mimo.environments.production?.strategy).toEqual({ canary: 1, parallel: 5 });
    expect(mimo.environments.local?.hosts[0]).toMatchObject({
      name: 'localhost',
      address: 'localhost',
      local: true,
    });
    expect(mimo.levels[2]?.steps.map((s) => s.kind)).toEqual([
      'run',
      'run',
      'run',
      'run',
      'check',
      'monitor',
    ]);
    expect(mimo.levels[3]?.steps[0]).toMatchObject({ kind: 'confirm', name: 'Confirm' });
  });

  it('reports every invalid fixture with file:line:column', () => {
    const { runbooks, errors } = loadRunbooks(join(FIXTURES, 'invalid'));
    expect(runbooks.size).toBe(0);
    const lines = formatRunbookErrors(errors).split('\n');
    const dir = join(FIXTURES, 'invalid');
    expect(lines).toContain(
      `${dir}/typo.yml:13:9 levels.1.steps.0.continueOnErorr: Unknown key "continueOnErorr"; did you mean "continueOnError"?`,
    );
    expect(lines).toContain(
      `${dir}/mismatch.yml:1:10 service: service "other" does not match the file name: mismatch.yml must say service: mismatch`,
    );
    expect(lines).toContain(`${dir}/dupkey.yml:7:3 YAML: Map keys must be unique`);
    const many = lines.filter((l) => l.startsWith(`${dir}/many.yml:`)).map((l) => l.slice(dir.length + 1));
    expect(many).toEqual([
      'many.yml:2:21 approvers.1: expected a Slack user id (U… or W…) or user group id (S…)',
      'many.yml:9:14 params.version.default: default "latest" does not satisfy pattern ^v\\d+\\.\\d+\\.\\d+$',
      'many.yml:10:3 params.note: a param needs a pattern or an enum (unvalidated free text must never reach a shell)',
      'many.yml:15:13 levels.2.target: Invalid duration "15 minutes": expected a duration such as 500ms, 90s, 5m or 1h30m',
      'many.yml:18:14 levels.2.steps.0.run: Unknown param {{verison}} (declared: version, note); did you mean {{version}}?',
      'many.yml:20:18 levels.2.steps.1.timeout: Invalid duration "soon": expected a duration such as 500ms, 90s, 5m or 1h30m',
    ]);
  });

  describe('in a temp folder', () => {
    let dir = '';
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reports a service defined twice and keeps the first', () => {
      dir = mkdtempSync(join(tmpdir(), 'rollbot-runbooks-'));
      writeFileSync(join(dir, 'app.yml'), APP);
      writeFileSync(join(dir, 'app.yaml'), APP);
      writeFileSync(join(dir, 'notes.txt'), 'not a runbook');
      const { runbooks, errors } = loadRunbooks(dir);
      expect([...runbooks.keys()]).toEqual(['app']);
      expect(formatRunbookErrors(errors)).toBe(
        `${join(dir, 'app.yml')}:1:1 service: service "app" is already defined in ${join(dir, 'app.yaml')}`,
      );
    });

    it('reports a YAML syntax error and still loads the other files', () => {
      dir = mkdtempSync(join(tmpdir(), 'rollbot-runbooks-'));
      // Written here rather than kept as a fixture: Biome parses YAML and would fail on it.
      writeFileSync(
        join(dir, 'broken.yml'),
        'service: broken\nenvironments:\n  production:\n    hosts: [{ name: a\nlevels: {}\n',
      );
      writeFileSync(join(dir, 'ok.yml'), APP.replace('service: app', 'service: ok'));
      const { runbooks, errors } = loadRunbooks(dir);
      expect([...runbooks.keys()]).toEqual(['ok']);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e.file === join(dir, 'broken.yml') && e.message.startsWith('YAML: '))).toBe(
        true,
      );
      expect(errors[0]?.line).toBeGreaterThanOrEqual(4);
    });

    it('reports an empty file and an unreadable folder', () => {
      dir = mkdtempSync(join(tmpdir(), 'rollbot-runbooks-'));
      writeFileSync(join(dir, 'empty.yml'), '# nothing yet\n');
      expect(loadRunbookFile(join(dir, 'empty.yml')).errors[0]?.message).toBe('the file is empty');
      const missing = loadRunbooks(join(dir, 'nope'));
      expect(missing.errors[0]).toMatchObject({ file: join(dir, 'nope'), line: 1, column: 1 });
      expect(missing.errors[0]?.message).toMatch(/^cannot read runbook folder/);
    });

    it('refuses a secret a level uses without saying where it is read (Slack never asks for one)', () => {
      dir = mkdtempSync(join(tmpdir(), 'rollbot-runbooks-'));
      const secretApp = (from: string) =>
        [
          'service: app',
          'environments: { production: { hosts: [{ name: a, address: 10.0.0.1 }] } }',
          `params: { token: { description: API token, pattern: '^[a-z0-9]{8,64}$', secret: true${from} } }`,
          'levels: { 1: { name: Flag off, target: 1m, approvals: 0, steps: [{ run: "curl -H {{token}} x" }] } }',
          '',
        ].join('\n');
      writeFileSync(join(dir, 'app.yml'), secretApp(''));
      const refused = loadRunbookFile(join(dir, 'app.yml'));
      expect(refused.runbook).toBeUndefined();
      expect(formatRunbookErrors(refused.errors)).toBe(
        `${join(dir, 'app.yml')}:3:11 params.token: secret param token is used by level 1 but has no from: Slack never asks for a secret; add from: env:NAME or file:/path`,
      );
      writeFileSync(join(dir, 'app.yml'), secretApp(', from: env:APP_TOKEN'));
      expect(formatRunbookErrors(loadRunbookFile(join(dir, 'app.yml')).errors)).toBe('');
    });
  });
});

describe('runbookJsonSchema', () => {
  it('describes the input format for editors, strict like the loader', () => {
    const schema = runbookJsonSchema() as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['service', 'approvers', 'environments', 'params', 'levels']),
    );
    expect(schema.additionalProperties).toBe(false);
  });
});
