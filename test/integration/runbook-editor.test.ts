/**
 * The editor and `rollbot validate` agree: the real yaml-language-server, reading runbooks/schema.json
 * through each runbook's `$schema` line, accepts every shipped runbook and refuses the same broken
 * runbooks `rollbot validate` refuses; its hovers explain the fields.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunbookText } from '../../src/runbooks/load.js';
import { startYamlLanguageServer, type YamlLanguageServer } from '../support/yaml-language-server.js';

const DIR = fileURLToPath(new URL('../../runbooks', import.meta.url));
const SHIPPED = readdirSync(DIR).filter((n) => n.endsWith('.yml'));
/**
 * Documents are opened under runbooks/ (never written there), so `$schema=./schema.json` is the
 * shipped file; each under a name of its own, as the server reports a closed document as clean.
 */
let opened = 0;
const docPath = () => join(DIR, `editor-test-${++opened}.yml`);

const BASE = `# yaml-language-server: $schema=./schema.json
service: shop
approvers: [U0LEAD]
environments:
  production:
    hosts: [{ name: app-1, address: 10.0.0.1 }]
  staging:
    hosts: [{ name: stg-1, address: 10.0.1.1 }]
    drill: true
params:
  version: { pattern: '^v\\d+$', default: v1 }
levels:
  1:
    name: Restart
    target: 2m
    approvals: { critical: 0, major: 1, minor: 1 }
    steps:
      - run: git checkout {{version}}
      - name: Error rate below 1%
        query: sum(rate(http_requests_total{job="shop",code=~"5.."}[1m])) / sum(rate(http_requests_total{job="shop"}[1m]))
        prometheus: "http://prometheus:9090"
        expect: "< 0.01"
        every: 15s
        for: 5m
        failureLimit: 1
`;

/** `[what is wrong, text to replace, replacement]`: each a runbook both tools must refuse. */
const BROKEN: [string, string, string][] = [
  ['a duration in words', 'target: 2m', 'target: 5 minutes'],
  ['a zero duration', 'every: 15s', 'every: 0s'],
  [
    'a step with two kinds',
    '- run: git checkout {{version}}',
    '- run: git checkout {{version}}\n        check: health',
  ],
  ['a step with no kind', '- run: git checkout {{version}}', '- name: nothing to do'],
  [
    'a param with neither pattern nor enum',
    "version: { pattern: '^v\\d+$', default: v1 }",
    'version: { default: v1 }',
  ],
  ['an unknown key', 'approvers: [U0LEAD]', 'approvers: [U0LEAD]\ndescripton: typo'],
  ['level 4', '  1:\n    name: Restart', '  4:\n    name: Restart'],
  ['no level at all', 'levels:\n  1:', 'levels: {}\nunused:\n  1:'],
  ['a host without address', '{ name: app-1, address: 10.0.0.1 }', '{ name: app-1 }'],
  [
    'a local host with an address',
    '{ name: app-1, address: 10.0.0.1 }',
    '{ name: app-1, address: 10.0.0.1, local: true }',
  ],
  ['negative approvals', 'approvals: { critical: 0, major: 1, minor: 1 }', 'approvals: -1'],
  ['drill as a word', 'drill: true', 'drill: "yes"'],
  [
    'every on a run step',
    '- run: git checkout {{version}}',
    '- run: git checkout {{version}}\n        every: 10s',
  ],
  ['a query without expect', '        expect: "< 0.01"\n', ''],
  ['a query without for or count', '        for: 5m\n', ''],
  ['a query with both for and count', '        for: 5m\n', '        for: 5m\n        count: 3\n'],
  ['a query without every', '        every: 15s\n', ''],
  ['a condition in words', 'expect: "< 0.01"', 'expect: "below 1%"'],
  ['a query expecting an object', 'expect: "< 0.01"', 'expect: { status: 200 }'],
  [
    'a check expecting a condition',
    '- run: git checkout {{version}}',
    '- check: { url: "http://x/health" }\n        expect: "< 1"',
  ],
  [
    'a query limited to hosts',
    '        failureLimit: 1\n',
    '        failureLimit: 1\n        hosts: [app-1]\n',
  ],
  ['a negative failure limit', 'failureLimit: 1', 'failureLimit: -1'],
  [
    'prometheus on a run step',
    '- run: git checkout {{version}}',
    '- run: git checkout {{version}}\n        prometheus: "http://p:9090"',
  ],
  [
    'a Prometheus URL that is not http',
    'prometheus: "http://prometheus:9090"',
    'prometheus: "prometheus:9090"',
  ],
  [
    'an escalation delay in words',
    'approvers: [U0LEAD]',
    'approvers: [U0LEAD]\nescalation: [{ after: 10 min, notify: [U0ONCALL] }]',
  ],
];

const broken = (from: string, to: string): string => {
  if (!BASE.includes(from)) throw new Error(`the base runbook has no ${JSON.stringify(from)}`);
  return BASE.replace(from, () => to);
};
const validateErrors = (text: string) => parseRunbookText(text, 'runbooks/shop.yml').errors;

let server: YamlLanguageServer;
beforeAll(async () => {
  server = await startYamlLanguageServer();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe('yaml-language-server with runbooks/schema.json', () => {
  it.each(SHIPPED)('finds nothing wrong in the shipped %s', async (name) => {
    const path = join(DIR, name);
    const diagnostics = await server.diagnostics(path, readFileSync(path, 'utf8'));
    expect(diagnostics).toEqual([]);
  });

  it('accepts the base runbook, as rollbot validate does', async () => {
    expect(validateErrors(BASE)).toEqual([]);
    expect(await server.diagnostics(docPath(), BASE)).toEqual([]);
  });

  it.each(BROKEN)('refuses %s, as rollbot validate does', async (_what, from, to) => {
    const text = broken(from, to);
    expect(validateErrors(text).length, 'rollbot validate').toBeGreaterThan(0);
    // A problem the base runbook does not have: the mistake itself was seen, not something else.
    const before = new Set((await server.diagnostics(docPath(), BASE)).map((d) => d.message));
    const diagnostics = await server.diagnostics(docPath(), text);
    expect(diagnostics.filter((d) => !before.has(d.message)).length, 'yaml-language-server').toBeGreaterThan(
      0,
    );
  });

  it('explains fields on hover: step kinds, durations, approvals, drill targets, secrets', async () => {
    const text = `${BASE}  2:
    name: Code rollback
    target: 15m
    approvals: 1
    steps:
      - monitor: { url: "http://x/health" }
        every: 10s
        for: 1m
`.replace('params:\n', () => "params:\n  token: { pattern: '^[a-z]+$', secret: true }\n");
    const doc = docPath();
    expect(await server.diagnostics(doc, text, { keepOpen: true })).toEqual([]);
    const lines = text.split('\n');
    const hoverAt = async (needle: string, nth = 0) => {
      const line = lines.findIndex((l, i) => l.includes(needle) && i >= nth);
      const character = lines[line]!.indexOf(needle) + 1;
      return (await server.hover(doc, line, character)) ?? '';
    };
    expect(await hoverAt('query:')).toContain('PromQL');
    expect(await hoverAt('drill:')).toContain('need no approval');
    expect(await hoverAt('secret:')).toContain('masked');
    expect(await hoverAt('approvals:')).toContain('per severity');
    expect(await hoverAt('monitor:')).toContain('Stability window');
    expect(await hoverAt('every:')).toContain('between');
    expect(await hoverAt('failureLimit:')).toContain('tolerated');
  });
});
