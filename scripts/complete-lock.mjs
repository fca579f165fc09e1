// Records other platforms' optional packages (biome, rollup) in package-lock.json when this
// machine's registry mirror does not serve them: without the entries, npm 11's `npm ci` refuses the
// lock ("Missing: … from lock file"). Entries carry version, os, cpu and libc only, which is all npm
// needs to skip them on other platforms. Run after changing dependencies: node scripts/complete-lock.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pkgs = lock.packages;
const OS = {
  android: 'android',
  darwin: 'darwin',
  linux: 'linux',
  win32: 'win32',
  freebsd: 'freebsd',
  openbsd: 'openbsd',
  openharmony: 'openharmony',
};
const CPU = {
  arm64: 'arm64',
  x64: 'x64',
  arm: 'arm',
  ia32: 'ia32',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
};
let added = 0;
for (const meta of Object.values(pkgs)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (pkgs[key]) continue;
    const tail = name
      .split('/')
      .pop()
      .replace(/^cli-|^rollup-/, '');
    const parts = tail.split('-');
    const os = OS[parts[0]];
    const cpu = CPU[parts[1] === 'arm' ? 'arm' : parts[1]];
    if (!os || !cpu) {
      console.error('cannot infer platform for', name);
      process.exit(1);
    }
    const entry = { version, cpu: [cpu], dev: meta.dev ?? undefined, optional: true, os: [os] };
    if (/musl/.test(tail)) entry.libc = ['musl'];
    else if (/gnu/.test(tail) && os === 'linux') entry.libc = ['glibc'];
    if (!entry.dev) delete entry.dev;
    pkgs[key] = entry;
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log('added', added);
