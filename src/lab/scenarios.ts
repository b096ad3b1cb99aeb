/**
 * Scenario files: every *.yaml, *.yml and *.json file in the scenarios directory bundles faults
 * under a name (the file name without extension). Each is checked whole at start-up, faults
 * resolved too, so a bad file stops Lightbox with the file, the key and why (ScenarioError).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { schemaErrorText, syntaxErrorText } from '../profiles/schema-error.js';
import type { Expectation } from '../verdict/model.js';
import { resolveExpectation } from './expectation-schema.js';
import { type ScenarioFile, ScenarioSchema } from './fault-schema.js';
import { FaultError, type Resolved, resolveFault } from './resolve.js';

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export interface Scenario {
  name: string;
  description: string;
  file: string;
  /** Printers its faults go to when they name none; undefined: every printer. */
  printers: string[] | undefined;
  faults: { fault: ScenarioFile['faults'][number]; resolved: Resolved }[];
  /** What a careful SCU does when they hit it (ids "<name>#1", ...). */
  expectations: Expectation[];
}

const SCENARIO_FILE = /\.(ya?ml|json)$/i;
/** Largest scenario file read, bytes (the shipped ones are under 1 KB; a scenario holds at most 64 faults). */
export const MAX_SCENARIO_BYTES = 256 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const validate = new Ajv({ allErrors: false, strict: false }).compile<ScenarioFile>(ScenarioSchema);

/** Parse and check one scenario's text; `file` names it in errors. */
export function parseScenario(text: string, file: string): Scenario {
  if (text.length > MAX_SCENARIO_BYTES)
    throw new ScenarioError(
      `${file}: ${text.length} characters; a scenario may have at most ${MAX_SCENARIO_BYTES}`,
    );
  const name = basename(file, extname(file));
  if (!NAME.test(name))
    throw new ScenarioError(
      `${file}: the file name must be letters, digits, '.', '_' or '-' (it names the scenario)`,
    );
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new ScenarioError(`${file}: not valid YAML/JSON: ${syntaxErrorText(e)}`);
  }
  if (!validate(data)) {
    const e = validate.errors![0]!;
    throw new ScenarioError(`${file}: ${e.instancePath || '/'}: ${schemaErrorText(e)}`);
  }
  const faults = data.faults.map((f, i) => {
    try {
      return resolveFault(f, `/faults/${i}`);
    } catch (err) {
      if (err instanceof FaultError) throw new ScenarioError(`${file}: ${err.message}`);
      throw err;
    }
  });
  const expectations = (data.expectations ?? []).map((x, i) => {
    try {
      return resolveExpectation(x, `${name}#${i + 1}`, `/expectations/${i}`, name);
    } catch (err) {
      if (err instanceof FaultError) throw new ScenarioError(`${file}: ${err.message}`);
      throw err;
    }
  });
  const p = data.printer;
  return {
    name,
    description: data.description,
    file,
    printers: p === undefined ? undefined : Array.isArray(p) ? p : [p],
    faults,
    expectations,
  };
}

/** The scenarios of a directory, by name; `dir` undefined: none. */
export function loadScenarios(dir: string | undefined): Scenario[] {
  if (dir === undefined) return [];
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => SCENARIO_FILE.test(e.name) && !e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (e) {
    throw new ScenarioError(`${dir}: cannot list scenarios: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const out: Scenario[] = [];
  const seen = new Map<string, string>();
  for (const n of names) {
    const path = join(dir, n);
    let text: string;
    try {
      const size = statSync(path).size;
      if (size > MAX_SCENARIO_BYTES)
        throw new ScenarioError(`${path}: ${size} bytes; a scenario may have at most ${MAX_SCENARIO_BYTES}`);
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (e instanceof ScenarioError) throw e;
      throw new ScenarioError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    const s = parseScenario(text, path);
    const other = seen.get(s.name);
    if (other) throw new ScenarioError(`${path}: scenario "${s.name}" is already defined by ${other}`);
    seen.set(s.name, path);
    out.push(s);
  }
  return out;
}
