/**
 * npm start's first step (scripts/ensure-built.mjs): compiles only when dist/ is not current. Run on
 * a copy in a temporary directory, with a stand-in `npm` on PATH that records what it was asked.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lightbox-ensure-built-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(root, 'scripts/ensure-built.mjs'), join(dir, 'scripts/ensure-built.mjs'));
  mkdirSync(join(dir, 'src/store'), { recursive: true });
  writeFileSync(join(dir, 'src/main.ts'), '');
  writeFileSync(join(dir, 'src/store/database.ts'), '');
  writeFileSync(join(dir, 'tsconfig.json'), '{}');
  mkdirSync(join(dir, 'node_modules/typescript'), { recursive: true });
  // The stand-in npm: records its arguments, "builds" dist/src/main.js.
  mkdirSync(join(dir, 'bin'));
  writeFileSync(
    join(dir, 'bin/npm'),
    `#!/bin/sh\necho "$*" >> "${dir}/npm-calls"\nmkdir -p "${dir}/dist/src" && touch "${dir}/dist/src/main.js"\n`,
  );
  chmodSync(join(dir, 'bin/npm'), 0o755);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function ensureBuilt() {
  const r = spawnSync(process.execPath, [join(dir, 'scripts/ensure-built.mjs')], {
    cwd: dir,
    env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env['PATH']}` },
    encoding: 'utf8',
  });
  const calls = existsSync(join(dir, 'npm-calls')) ? readFileSync(join(dir, 'npm-calls'), 'utf8') : '';
  return { status: r.status, stderr: r.stderr, calls };
}

/** Sets a file's modification time, seconds from now. */
function age(file: string, secondsFromNow: number) {
  const t = Date.now() / 1000 + secondsFromNow;
  utimesSync(join(dir, file), t, t);
}

function built(secondsFromNow: number) {
  mkdirSync(join(dir, 'dist/src'), { recursive: true });
  writeFileSync(join(dir, 'dist/src/main.js'), '');
  age('dist/src/main.js', secondsFromNow);
}

it('does nothing when dist/ is newer than every source', () => {
  for (const f of ['src/main.ts', 'src/store/database.ts', 'tsconfig.json']) age(f, -60);
  built(-10);
  expect(ensureBuilt()).toEqual({ status: 0, stderr: '', calls: '' });
});

it('builds when dist/ is missing', () => {
  const r = ensureBuilt();
  expect(r.status).toBe(0);
  expect(r.calls).toBe('run --silent build\n');
  expect(r.stderr).toContain('building dist/');
});

it.each(['src/store/database.ts', 'tsconfig.json'])('rebuilds when %s changed after the build', (f) => {
  for (const g of ['src/main.ts', 'src/store/database.ts', 'tsconfig.json']) age(g, -60);
  built(-10);
  age(f, -5);
  const r = ensureBuilt();
  expect(r.status).toBe(0);
  expect(r.calls).toBe('run --silent build\n');
  expect(r.stderr).toContain('rebuilding dist/');
});

it('fails, and so npm start does not start, when the build fails', () => {
  writeFileSync(join(dir, 'bin/npm'), '#!/bin/sh\nexit 2\n');
  expect(ensureBuilt().status).toBe(2);
});

it('without TypeScript (production install), starts a stale dist/ as it is, and says so', () => {
  rmSync(join(dir, 'node_modules'), { recursive: true });
  built(-10);
  age('src/main.ts', -5);
  const stale = ensureBuilt();
  expect(stale.status).toBe(0);
  expect(stale.calls).toBe('');
  expect(stale.stderr).toContain('TypeScript is not installed');
  rmSync(join(dir, 'dist'), { recursive: true });
  expect(ensureBuilt().status).toBe(1);
});

it('without src/ (the container image), dist/ is what there is', () => {
  rmSync(join(dir, 'src'), { recursive: true });
  built(-10);
  expect(ensureBuilt()).toEqual({ status: 0, stderr: '', calls: '' });
});
