/** The top level the project promises: a newcomer finds each layer where the README says. */
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';

it.each([
  'src',
  'printers',
  'web',
  'test',
  'package.json',
  'tsconfig.json',
  'docker-compose.yml',
  'Dockerfile',
  'README.md',
  '.ci/run',
])('%s exists', (path) => {
  expect(existsSync(path)).toBe(true);
});
