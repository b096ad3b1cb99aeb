/**
 * Loads printer profiles from a directory: every *.yaml, *.yml and *.json file is one printer.
 * A bad file stops start-up with the file, the key and why (ProfileError).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_PROFILE } from './default-profile.js';
import { type PrinterProfile, PrinterProfileSchema } from './profile-schema.js';
import { schemaErrorText, syntaxErrorText } from './schema-error.js';

export class ProfileError extends Error {
  override name = 'ProfileError';
}

const ajv = new Ajv({ allErrors: false, strict: false });
const validate = ajv.compile<PrinterProfile>(PrinterProfileSchema);

const PROFILE_FILE = /\.(ya?ml|json)$/i;
/**
 * Largest profile file read, bytes. The shipped ones are under 5 KB; a file of megabytes is not a
 * printer, and parsing one would hold start-up and memory for nothing.
 */
export const MAX_PROFILE_BYTES = 256 * 1024;

function explain(file: string, e: ErrorObject): string {
  // A choice among values names them: the message alone does not say what would do.
  const allowed = e.keyword === 'enum' ? (e.params as { allowedValues: unknown[] }).allowedValues : [];
  const hint = allowed.length > 0 ? ` (${allowed.join(', ')})` : '';
  return `${file}: ${e.instancePath || '/'}: ${schemaErrorText(e, hint)}`;
}

/** Parse and check one profile's text; `file` names it in errors. */
export function parseProfile(text: string, file: string): PrinterProfile {
  if (text.length > MAX_PROFILE_BYTES)
    throw new ProfileError(
      `${file}: ${text.length} characters; a profile may have at most ${MAX_PROFILE_BYTES}`,
    );
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new ProfileError(`${file}: not valid YAML/JSON: ${syntaxErrorText(e)}`);
  }
  if (!validate(data)) throw new ProfileError(explain(file, validate.errors![0]!));
  return data;
}

export interface LoadedProfile {
  profile: PrinterProfile;
  /** The file it came from, or "(embedded)". */
  source: string;
}

function readProfileNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => PROFILE_FILE.test(e.name) && !e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (e) {
    throw new ProfileError(`${dir}: cannot list printer profiles: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

function readText(path: string): string {
  try {
    // Checked before reading: a huge file is refused without being read.
    const size = statSync(path).size;
    if (size > MAX_PROFILE_BYTES)
      throw new ProfileError(`${path}: ${size} bytes; a profile may have at most ${MAX_PROFILE_BYTES}`);
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ProfileError) throw e;
    throw new ProfileError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

/**
 * The printers of a directory, plus the embedded default unless a file claims its AE title.
 * `dir` undefined: the embedded default alone.
 */
export function loadProfiles(dir: string | undefined): LoadedProfile[] {
  const loaded: LoadedProfile[] = [];
  const byAe = new Map<string, string>();
  if (dir !== undefined) {
    for (const f of readProfileNames(dir)) {
      const path = join(dir, f);
      const profile = parseProfile(readText(path), path);
      const other = byAe.get(profile.aeTitle);
      if (other)
        throw new ProfileError(`${path}: /aeTitle: "${profile.aeTitle}" is already used by ${other}`);
      byAe.set(profile.aeTitle, path);
      loaded.push({ profile, source: path });
    }
  }
  if (!byAe.has(DEFAULT_PROFILE.aeTitle)) loaded.unshift({ profile: DEFAULT_PROFILE, source: '(embedded)' });
  return loaded;
}
