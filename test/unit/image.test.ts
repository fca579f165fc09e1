/**
 * The image and its surroundings, checked without a Docker engine: the Dockerfile passes
 * dockerfilelint, its Node is the one CI tests and `engines` names, production dependencies are
 * exactly what the shipped code imports, and the Compose example mounts what the config expects.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const exec = promisify(execFile);
const read = (path: string) => readFileSync(path, 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Package names imported by the code the image ships (src, commands, views). */
function shippedImports(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['src', 'commands', 'views']) {
    for (const file of readdirSync(dir, { recursive: true }) as string[]) {
      if (!file.endsWith('.ts')) continue;
      // Type-only imports are erased by tsc: they need no package at run time.
      const code = read(join(dir, file)).replace(/^(import|export) type [^;]*;/gms, '');
      for (const [, from, dynamic] of code.matchAll(/\bfrom '([^'.][^']*)'|import\('([^'.][^']*)'\)/g)) {
        const spec = from ?? dynamic;
        if (!spec || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const parts = spec.split('/');
        names.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
      }
    }
  }
  return names;
}

describe('the Docker image', () => {
  it('passes dockerfilelint', async () => {
    const { stdout } = await exec('node_modules/.bin/dockerfilelint', ['Dockerfile']).catch((err) => err);
    expect(stdout).toContain('Issues: None found');
  });

  it('runs the Node major that CI tests and engines names, in both stages, as the node user', () => {
    const dockerfile = read('Dockerfile');
    const version = /^ARG NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(dockerfile);
    expect(version).not.toBeNull();
    const major = version![1]!;
    expect(dockerfile.match(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS \w+$/gm)).toHaveLength(2);
    expect(read('.ci/run')).toMatch(new RegExp(`^NODE_LTS=${version!.slice(1).join('\\.')}$`, 'm'));
    expect(pkg.engines.node).toContain(`^${major}.`);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/^COPY .*\bdemo\b/m);
  });

  it('ships no demo runbook, env file or local data (.dockerignore)', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['runbooks/demo.yml', 'demo', '.env', 'data', 'node_modules', 'test']) {
      expect(ignored, entry).toContain(entry);
    }
  });
});

describe('dependencies', () => {
  it('production dependencies are exactly the packages the shipped code imports', () => {
    const imported = shippedImports();
    expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies).sort());
    // Tools for checkouts and tests only: the image prunes them.
    for (const dev of ['tsx', 'ws', 'vitest', 'typescript']) expect(pkg.devDependencies).toHaveProperty(dev);
  });
});

describe('deploy/docker-compose.yml', () => {
  const compose = parse(read('deploy/docker-compose.yml')) as {
    services: Record<string, { environment: Record<string, string>; secrets: string[]; ports: string[] }>;
    secrets: Record<string, { file: string }>;
  };
  const bot = compose.services.rollbot!;

  it('points the SSH settings at mounted secrets and keeps tokens out of the file', () => {
    for (const [variable, secret] of [
      ['ROLLBOT_SSH_KEY', 'rollbot_ssh_key'],
      ['ROLLBOT_KNOWN_HOSTS', 'rollbot_known_hosts'],
    ] as const) {
      expect(bot.environment[variable]).toBe(`/run/secrets/${secret}`);
      expect(bot.secrets).toContain(secret);
      expect(compose.secrets[secret]?.file).toMatch(/^\.\/ssh\//);
    }
    expect(read('deploy/docker-compose.yml')).not.toMatch(/xox[bp]-[A-Za-z0-9]|xapp-[A-Za-z0-9]/);
  });

  it('publishes only the operational port, and only on this host', () => {
    expect(bot.environment.ROLLBOT_OPS_PORT).toBe('9090');
    expect(bot.ports).toEqual(['127.0.0.1:9090:9090']);
  });
});
