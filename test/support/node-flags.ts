/**
 * The V8 flags Lightbox runs with live in one place, package.json's start script
 * (`node [--flag ...] dist/src/main.js`). The benchmarks start Lightbox with them, and the
 * deployment tests check the Dockerfile and the lab CI script carry the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const START = /\bnode ((?:--\S+ )*)dist\/src\/main\.js$/;

/** The flags between `node` and `dist/src/main.js` in the start script of the package at root. */
export function startNodeFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const m = START.exec(pkg.scripts.start);
  if (!m) throw new Error(`package.json start script not understood: ${pkg.scripts.start}`);
  return m[1]!.trim().split(' ').filter(Boolean);
}
