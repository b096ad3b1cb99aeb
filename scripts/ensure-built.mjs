#!/usr/bin/env node
// npm start's first step: compile (npm run build) only when dist/ is not current, that is when
// dist/src/main.js is missing or older than tsconfig.json or a file under src/. A start on a current
// build costs a few milliseconds here instead of a whole tsc run (12 s).
//
// Plain JavaScript, run before anything is compiled. Exits non-zero when the build fails; then npm
// start does not start the server.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist/src/main.js');

/** The newest modification time under dir (files only), 0 when there is none. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

const built = existsSync(MAIN) ? statSync(MAIN).mtimeMs : -1;
const sources = existsSync(join(root, 'src'))
  ? Math.max(newest(join(root, 'src')), statSync(join(root, 'tsconfig.json')).mtimeMs)
  : 0; // an install without the sources (the container image): dist/ is what there is

if (built >= sources) process.exit(0);

if (!existsSync(join(root, 'node_modules/typescript'))) {
  // Installed without dev dependencies (npm ci --omit=dev): nothing to compile with.
  if (built >= 0) {
    process.stderr.write(
      'lightbox: dist/ is older than src/, but TypeScript is not installed: starting it as it is\n',
    );
    process.exit(0);
  }
  process.stderr.write(
    'lightbox: dist/ is missing and TypeScript is not installed: run npm ci, then npm start\n',
  );
  process.exit(1);
}

process.stderr.write(
  `lightbox: ${built < 0 ? 'building dist/' : 'src/ changed since the last build: rebuilding dist/'} (npm run build)\n`,
);
const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
