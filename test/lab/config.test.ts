/** --scenarios and --scenario: defaults, flags, environment, directory checks. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/config.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-lab-config-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const config = (argv: string[] = [], env: NodeJS.ProcessEnv = {}) => parseConfig(argv, env, tmp).config;

describe('--scenarios', () => {
  it('defaults to ./scenarios when it exists, none when it does not', () => {
    expect(config().scenariosDir).toBeUndefined();
    mkdirSync(join(tmp, 'scenarios'));
    expect(config().scenariosDir).toBe(join(tmp, 'scenarios'));
  });

  it('takes a flag or LIGHTBOX_SCENARIOS (flag wins), resolved against cwd', () => {
    mkdirSync(join(tmp, 'a'));
    mkdirSync(join(tmp, 'b'));
    expect(config([], { LIGHTBOX_SCENARIOS: 'a' }).scenariosDir).toBe(join(tmp, 'a'));
    expect(config(['--scenarios', 'b'], { LIGHTBOX_SCENARIOS: 'a' }).scenariosDir).toBe(join(tmp, 'b'));
  });

  it('an explicit directory must exist and be a directory', () => {
    expect(() => config(['--scenarios', 'nope'])).toThrow(ConfigError);
    expect(() => config(['--scenarios', 'nope'])).toThrow(/^scenarios directory .*nope does not exist$/);
    writeFileSync(join(tmp, 'file'), '');
    expect(() => config(['--scenarios', 'file'])).toThrow(/^scenarios directory .*file is not/);
  });
});

describe('--scenario', () => {
  it('is optional; names come from the flag or LIGHTBOX_SCENARIO', () => {
    expect(config().scenario).toBeUndefined();
    expect(config(['--scenario', 'queue-full,film-jam-mid-job']).scenario).toBe(
      'queue-full,film-jam-mid-job',
    );
    expect(config([], { LIGHTBOX_SCENARIO: 'slow-printer' }).scenario).toBe('slow-printer');
  });
});
