/**
 * `lightbox print-pattern <name> --to HOST:PORT:AE [...]`: print a QA test pattern on any printer
 * in one call, under the film conditions given; the printer's answers are shown per message and
 * kept as an outbound run in --data-dir's store (made when missing, as the server would).
 * Exit 0 printed, 1 the printer answered a failure or could not be reached, 2 usage error.
 */
import { Store } from '../store/store.js';
import type { PatternPrintOptions } from './pattern-plan.js';
import { patternPlan } from './print-pattern.js';
import { keepPrintRun, printRunText } from './print-run.js';
import { runPlan } from './runner.js';
import { intArg, parseSendArgs, runOptionsOf, storeOptionsOf, UsageError } from './send-args.js';

export const PRINT_PATTERN_USAGE = `usage: lightbox print-pattern <name> --to HOST:PORT:AE [options]

Prints a QA test pattern (gray32, gray18, smpte, tg18-qc, tg18-unl10, tg18-unl80; see
GET /api/qa/patterns) on a printer: film session, film box, the pattern in every image box,
N-ACTION, N-DELETE. Attributes not given are not sent (the printer's defaults apply).

  --to HOST:PORT:AE        the printer (required)
  --bits 8|12              bits stored (default 12)
  --rows N, --cols N       the pattern's size (64-4096; default its own)
  --format FORMAT          Image Display Format, STANDARD\\C,R, ROW\\.. or COL\\.. (default STANDARD\\1,1)
  --film-size ID           Film Size ID, e.g. 8INX10IN
  --orientation O          PORTRAIT or LANDSCAPE
  --magnification TYPE     Magnification Type (REPLICATE, BILINEAR, CUBIC, NONE)
  --medium TYPE            Medium Type (BLUE FILM, CLEAR FILM, PAPER...)
  --copies N               Number of Copies
  --min-density N          Min Density, hundredths of OD
  --max-density N          Max Density, hundredths of OD
  --illumination N         Illumination, cd/m²
  --ambient N              Reflected Ambient Light, cd/m²
  --polarity P             NORMAL or REVERSE
  --lut SHAPE              a Presentation LUT: IDENTITY or "LIN OD"
  --calling AE             our calling AE title (default LIGHTBOX)
  --timeout-ms N           wait at most N ms for each answer (default 60000)
  --data-dir DIR           the store the run is kept in (default $LIGHTBOX_DATA_DIR or ./var)
  --database DB            its index database: a SQLite file or a pool's postgres:// URL
                           (default $LIGHTBOX_DATABASE, else lightbox.db in --data-dir)
  --json                   the answers as JSON

Exit status: 0 printed, 1 not printed, 2 error.`;

const OWN = {
  json: { type: 'boolean' },
  bits: { type: 'string' },
  rows: { type: 'string' },
  cols: { type: 'string' },
  format: { type: 'string' },
  'film-size': { type: 'string' },
  orientation: { type: 'string' },
  magnification: { type: 'string' },
  medium: { type: 'string' },
  copies: { type: 'string' },
  'min-density': { type: 'string' },
  'max-density': { type: 'string' },
  illumination: { type: 'string' },
  ambient: { type: 'string' },
  polarity: { type: 'string' },
  lut: { type: 'string' },
} as const;

/** A CS value as the option gave it: upper case letters, digits, space and underscore, 1-16 characters. */
function cs(v: string, name: string, allowed?: readonly string[]): string {
  const u = v.toUpperCase();
  if (allowed ? !allowed.includes(u) : !/^[A-Z0-9 _]{1,16}$/.test(u))
    throw new UsageError(`${name}: ${allowed ? allowed.join(' or ') : 'a code string of 1-16 characters'}`);
  return u;
}

function printOptions(v: Record<string, string | boolean | undefined>): PatternPrintOptions {
  const s = (k: string) => (typeof v[k] === 'string' ? v[k] : undefined);
  const o: PatternPrintOptions = {};
  if (s('format')) o.displayFormat = s('format')!;
  if (s('film-size')) o.filmSize = cs(s('film-size')!, '--film-size');
  if (s('orientation'))
    o.filmOrientation = cs(s('orientation')!, '--orientation', ['PORTRAIT', 'LANDSCAPE']) as 'PORTRAIT';
  if (s('magnification')) o.magnificationType = cs(s('magnification')!, '--magnification');
  if (s('medium')) o.mediumType = cs(s('medium')!, '--medium');
  if (s('copies')) o.copies = intArg(s('copies')!, '--copies', 1, 99);
  if (s('min-density')) o.minDensity = intArg(s('min-density')!, '--min-density', 0, 1000);
  if (s('max-density')) o.maxDensity = intArg(s('max-density')!, '--max-density', 0, 1000);
  if (s('illumination')) o.illumination = intArg(s('illumination')!, '--illumination', 1, 65535);
  if (s('ambient')) o.reflectedAmbientLight = intArg(s('ambient')!, '--ambient', 0, 65535);
  if (s('polarity')) o.polarity = cs(s('polarity')!, '--polarity', ['NORMAL', 'REVERSE']) as 'NORMAL';
  if (s('lut')) o.presentationLut = cs(s('lut')!, '--lut', ['IDENTITY', 'LIN OD']) as 'IDENTITY';
  return o;
}

export async function printPatternCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  out: NodeJS.WritableStream,
): Promise<number> {
  const a = parseSendArgs(argv, env, cwd, OWN);
  if (a.help) {
    out.write(`${PRINT_PATTERN_USAGE}\n`);
    return 0;
  }
  const [name, ...extra] = a.positionals;
  if (!name || extra.length > 0) throw new UsageError('give one pattern name');
  const v = a.values;
  const size = {
    ...(typeof v['bits'] === 'string'
      ? { bits: Number(cs(v['bits'], '--bits', ['8', '12'])) as 8 | 12 }
      : {}),
    ...(typeof v['rows'] === 'string' ? { rows: intArg(v['rows'], '--rows', 64, 4096) } : {}),
    ...(typeof v['cols'] === 'string' ? { columns: intArg(v['cols'], '--cols', 64, 4096) } : {}),
  };
  const print = printOptions(v);
  let prepared: ReturnType<typeof patternPlan>;
  try {
    prepared = patternPlan(name, size, { ...print, ...(a.calling ? { callingAeTitle: a.calling } : {}) });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const run = await runPlan(prepared.plan, a.target, runOptionsOf(a));
  const store = new Store(a.dataDir, storeOptionsOf(a));
  try {
    const kept = keepPrintRun(store, run, { source: run.source });
    out.write(v['json'] ? `${JSON.stringify({ ...kept, ...run }, null, 1)}\n` : printRunText(run, kept));
    return kept.ok ? 0 : 1;
  } finally {
    store.close();
  }
}
