import { describe, expect, it } from 'vitest';
import { parseRunbookText, type RunbookError } from '../../src/runbooks/load.js';

/** A small valid runbook; tests splice one mistake into it. */
const BASE = `service: demo
approvers: [U0LEAD]
environments:
  production:
    hosts: [{ name: app-1, address: 10.0.0.1 }]
params:
  version: { pattern: 'v\\d+' }
levels:
  1:
    name: Restart
    target: 2m
    approvals: 1
    steps:
      - run: git checkout {{version}}
`;

const parse = (text: string) => parseRunbookText(text, 'runbooks/demo.yml');
const brief = (errors: RunbookError[]) => errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);

describe('runbook schema', () => {
  it('accepts the base runbook and applies defaults', () => {
    const { runbook, errors } = parse(BASE);
    expect(errors).toEqual([]);
    expect(runbook?.environments.production?.hosts[0]).toEqual({
      name: 'app-1',
      address: '10.0.0.1',
      port: 22,
      user: 'deploy',
      local: false,
    });
    expect(runbook?.environments.production?.strategy).toEqual({ canary: 1, parallel: 10 });
    const step = runbook?.levels[1]?.steps[0];
    expect(step).toMatchObject({ kind: 'run', name: 'git checkout {{version}}', timeout: 300_000 });
  });

  it('derives step timeouts per kind and gives local hosts address localhost', () => {
    const text = `${BASE.replace('hosts: [{ name: app-1, address: 10.0.0.1 }]', 'hosts: [{ name: me, local: true }]')}
      - check: { url: "http://localhost:{{host.port}}/health" }
      - monitor: { url: "http://localhost/health" }
        every: 10s
        for: 2m
`;
    const { runbook, errors } = parse(text);
    expect(errors).toEqual([]);
    expect(runbook?.environments.production?.hosts[0]?.address).toBe('localhost');
    const [, check, monitor] = runbook?.levels[1]?.steps ?? [];
    expect(check).toMatchObject({ kind: 'check', timeout: 60_000 });
    expect(monitor).toMatchObject({ kind: 'monitor', every: 10_000, for: 120_000, timeout: 180_000 });
  });

  it('rejects an unknown key at the key, with a suggestion', () => {
    const { runbook, errors } = parse(`${BASE}        continueOnErorr: true\n`);
    expect(runbook).toBeUndefined();
    expect(brief(errors)).toEqual([
      '15:9 levels.1.steps.0.continueOnErorr: Unknown key "continueOnErorr"; did you mean "continueOnError"?',
    ]);
  });

  it.each([
    [
      'bad duration',
      ['target: 2m', 'target: 2 minutes'],
      '11:13 levels.1.target: Invalid duration "2 minutes"',
    ],
    ['bad approver id', ['[U0LEAD]', '[lead]'], '2:13 approvers.0: expected a Slack user id'],
    [
      'undeclared placeholder',
      ['{{version}}', '{{verison}}'],
      '14:14 levels.1.steps.0.run: Unknown param {{verison}}',
    ],
    [
      'param without pattern or enum',
      ["{ pattern: 'v\\d+' }", '{ description: x }'],
      '7:3 params.version: a param needs',
    ],
    [
      'default failing its pattern',
      ["{ pattern: 'v\\d+' }", "{ pattern: 'v\\d+', default: latest }"],
      '7:40 params.version.default: default "latest" does not satisfy',
    ],
    ['bad regex', ["'v\\d+'", "'v(\\d+'"], '7:23 params.version.pattern: invalid regular expression'],
    ['missing required key', ['    target: 2m\n', ''], '9:3 levels.1.target: required'],
    [
      'undefined step host',
      ['- run: git', '- hosts: [app-9]\n        run: git'],
      '14:17 levels.1.steps.0.hosts.0: no environment defines host "app-9"',
    ],
    [
      'two kinds in one step',
      ['- run: git', '- confirm: sure?\n        run: git'],
      '14:18 levels.1.steps.0.confirm: a step needs exactly one of',
    ],
    [
      'no approvers while approvals needed',
      ['approvers: [U0LEAD]\n', ''],
      '11:16 levels.1.approvals: approvals are required',
    ],
    [
      'check: health without a health section',
      ['run: git checkout {{version}}', 'check: health'],
      '14:16 levels.1.steps.0.check: "check: health" needs a health section',
    ],
    [
      'placeholder inside quotes',
      ['git checkout {{version}}', `echo "{{version}}"`],
      '14:14 levels.1.steps.0.run: {{version}} is inside double quotes',
    ],
    [
      'malformed placeholder',
      ['{{version}}', '{{version}'],
      '14:14 levels.1.steps.0.run: malformed placeholder',
    ],
    ['level 4', ['  1:\n', '  4:\n'], '9:3 levels.4: Unknown key "4"'],
    [
      'empty level strategy',
      ['    approvals: 1\n', '    approvals: 1\n    strategy: {}\n'],
      '13:5 levels.1.strategy: set canary, parallel or both',
    ],
    [
      'level strategy with a typo',
      ['    approvals: 1\n', '    approvals: 1\n    strategy: { canray: 0 }\n'],
      '13:17 levels.1.strategy.canray: Unknown key "canray"',
    ],
    [
      'level strategy with no parallelism',
      ['    approvals: 1\n', '    approvals: 1\n    strategy: { parallel: 0 }\n'],
      '13:27 levels.1.strategy.parallel: Too small',
    ],
    [
      'param named like a built-in',
      ['  version:', '  service: { enum: [a] }\n  version:'],
      '7:3 params.service: "service" is a built-in name',
    ],
  ])('reports %s with its line', (_what, [from, to], expected) => {
    const { runbook, errors } = parse(BASE.replace(from!, to!));
    expect(runbook).toBeUndefined();
    expect(
      brief(errors).some((line) => line.startsWith(expected)),
      brief(errors).join('\n'),
    ).toBe(true);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    const syntax = parse(
      BASE.replace('[{ name: app-1, address: 10.0.0.1 }]', '[{ name: app-1, address: 10.0.0.1 }'),
    );
    expect(syntax.errors.length).toBeGreaterThan(0);
    expect(syntax.errors[0]).toMatchObject({ file: 'runbooks/demo.yml', line: expect.any(Number) });
    expect(syntax.errors[0]?.message).toMatch(/^YAML: /);
    const duplicate = parse(BASE.replace('approvers: [U0LEAD]', 'approvers: [U0LEAD]\napprovers: [U0OTHER]'));
    expect(brief(duplicate.errors)).toEqual(['3:1 : YAML: Map keys must be unique']);
  });

  it('requires the file name to match the service', () => {
    const { runbook, errors } = parseRunbookText(BASE, 'runbooks/mimo.yml');
    expect(runbook).toBeUndefined();
    expect(brief(errors)).toEqual([
      '1:10 service: service "demo" does not match the file name: mimo.yml must say service: mimo',
    ]);
  });

  it('reports every error in a file, in line order', () => {
    const text = BASE.replace('[U0LEAD]', '[lead]')
      .replace('target: 2m', 'target: soon')
      .replace('{{version}}', '{{verison}}')
      .concat('        continueOnErorr: true\n');
    const lines = brief(parse(text).errors);
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['2:13', '11:13', '14:14', '15:9']);
  });

  it('rejects a non-string default instead of coercing it', () => {
    const { errors } = parse(BASE.replace("{ pattern: 'v\\d+' }", "{ pattern: '[\\d.]+', default: 1.10 }"));
    expect(brief(errors)[0]).toMatch(/^7:42 params\.version\.default: expected a string/);
  });
});
