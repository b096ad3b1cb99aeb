/** The README is part of the product: its configuration table and commands must not drift. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../src/config/config.js';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it.each(OPTIONS.map((o) => [o.flag, o]))(
    'documents --%s with its env var, default and meaning',
    (_flag, o) => {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`--${o.flag}\` |`));
      expect(row, `README row for --${o.flag}`).toBeDefined();
      expect(row).toContain(`\`${o.env}\``);
      expect(row).toContain(`\`${o.default}\``);
      expect(row).toContain(o.help);
    },
  );

  it('gives the two commands, and .ci/run runs the test one', () => {
    expect(readme).toContain('    npm ci && npm start\n');
    expect(readme).toContain('    bash scripts/test.sh\n');
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/bash scripts\/test\.sh/);
  });
});
