/**
 * Drive DCMTK's real Basic Grayscale Print SCU against a Print SCP, for interoperability tests.
 *
 * DCMTK prints in two steps: `dcmpsprt` renders images through their VOI window into Hardcopy
 * Grayscale objects plus one Stored Print object (the film box, its image boxes and settings) in a
 * local "database" directory; `dcmprscu` then opens one association per Stored Print file and
 * replays it as N-GET Printer, N-CREATE Presentation LUT / Film Session / Film Box, N-SET Image
 * Box..., N-ACTION, N-DELETE. dcmprscu exits 0 even when the SCP refuses something, so the result
 * carries every DIMSE request with its response status, parsed from the `-d` log.
 *
 * Also here: synthetic test images written with dcmjs, and DCMTK's reference Print SCP
 * (`dcmprscp`) as a peer to test the harness itself. Everything is self-contained (no files from
 * outside the repository): each call writes its own dcmpstat.cfg with absolute paths.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import dcmjs from 'dcmjs';

// ---------------------------------------------------------------------------------------------
// Running tools

interface ToolRun {
  /** Exit code; -1 when killed (timeout or signal). */
  code: number;
  timedOut: boolean;
  /** stderr then stdout: DCMTK logs everything (D:/I:/W:/E:/F: lines) to stderr, in order. */
  output: string;
}

/** Debian's DCMTK keeps Nagle on unless TCP_NODELAY=1; each PDU would then wait ~40 ms for an ACK. */
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

function runTool(tool: string, args: string[], timeoutMs: number): Promise<ToolRun> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      tool,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: DCMTK_ENV, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        if (e && e.code === 'ENOENT') {
          reject(new Error(`${tool} not found: install DCMTK (apt-get install dcmtk)`));
          return;
        }
        const timedOut = Boolean(e?.killed);
        const code = typeof e?.code === 'number' ? e.code : e ? -1 : 0;
        resolvePromise({ code, timedOut, output: `${stderr}${stdout}` });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// dcmpstat.cfg

/** DCMTK's configuration files hold multi-valued entries as one string with '\' separators. */
const multi = (values: readonly string[]): string => values.join('\\');

/** Every STANDARD\C,R layout dcmprscu may ask for (the TARGET entry only gates what it sends). */
export const ALL_DISPLAY_FORMATS: readonly string[] = (() => {
  const out: string[] = [];
  for (let c = 1; c <= 8; c++) for (let r = 1; r <= 8; r++) out.push(`${c},${r}`);
  return out;
})();
export const ALL_FILM_SIZES: readonly string[] = [
  '8INX10IN',
  '8_5INX11IN',
  '10INX12IN',
  '10INX14IN',
  '11INX14IN',
  '11INX17IN',
  '14INX14IN',
  '14INX17IN',
  '24CMX24CM',
  '24CMX30CM',
  'A4',
  'A3',
];
const ALL_MAGNIFICATIONS = ['REPLICATE', 'BILINEAR', 'CUBIC', 'NONE'];
const ALL_MEDIA = ['PAPER', 'CLEAR FILM', 'BLUE FILM', 'MAMMO CLEAR FILM', 'MAMMO BLUE FILM'];

/** [[GENERAL]] part: absolute directories below `dir` (created here). */
function generalSection(dir: string, callingAe: string, tls?: PrintTls): string {
  for (const d of ['db', 'spool', 'log', 'lut']) mkdirSync(join(dir, d), { recursive: true });
  return `[[GENERAL]]
[APPLICATION]
LogDirectory = ${join(dir, 'log')}
LogFile = general.log
LogLevel = ERROR
[PRINT]
Spooler = dcmprscu
Server = dcmprscp
Directory = ${join(dir, 'spool')}
DetailedLog = false
BinaryLog = false
Sleep = 1
DeletePrintJobs = false
AlwaysDeleteTerminateJobs = false
[DATABASE]
Directory = ${join(dir, 'db')}
[LUT]
Directory = ${join(dir, 'lut')}
[NETWORK]
Aetitle = ${callingAe}
${tls ? `[TLS]\nTLSDirectory = ${join(dir, 'tls')}\nCACertificateDirectory = ${tls.caDirectory}\nUsePEMFormat = true\n` : ''}`;
}

/**
 * The TARGET's TLS keys. dcmprscu reads Certificate and PrivateKey below [TLS] TLSDirectory, so
 * they are copied there.
 */
function tlsLines(dir: string, tls: PrintTls | undefined): string[] {
  if (!tls) return [];
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir, { recursive: true });
  const lines = ['UseTLS = true', `PeerAuthentication = ${tls.peerAuthentication ?? 'REQUIRE'}`];
  if (tls.certificate && tls.privateKey) {
    copyFileSync(tls.certificate, join(tlsDir, 'client.pem'));
    copyFileSync(tls.privateKey, join(tlsDir, 'client.key'));
    lines.push('Certificate = client.pem', 'PrivateKey = client.key');
  }
  return lines;
}

const yn = (b: boolean): string => (b ? 'true' : 'false');

/** Write `dir/dcmpstat.cfg` with one PRINTER entry named TARGET for the SCP under test. */
export function writePrintScuConfig(dir: string, o: PrintOptions): string {
  const timeoutS = o.timeoutS ?? 30;
  const lines = [
    generalSection(dir, o.callingAe ?? 'LIGHTBOXSCU', o.tls),
    '[[COMMUNICATION]]',
    '[TARGET]',
    'Type = PRINTER',
    `Aetitle = ${o.calledAe}`,
    'Description = Print SCP under test',
    `Hostname = ${o.host ?? '127.0.0.1'}`,
    `Port = ${o.port}`,
    `MaxPDU = ${o.maxPdu ?? 32768}`,
    `Timeout = ${timeoutS}`,
    `ImplicitOnly = ${yn(o.implicitOnly ?? false)}`,
    'DisableNewVRs = false',
    `Supports12Bit = ${yn(o.bits12 ?? true)}`,
    `SupportsPresentationLUT = ${yn(o.presentationLutSop ?? true)}`,
    'PresentationLUTMatchRequired = false',
    'PresentationLUTPreferSCPRendering = true',
    'PresentationLUTinFilmSession = false',
    // These gate whether dcmprscu sends Trim / Requested Image Size / Requested Decimate/Crop.
    `SupportsTrim = ${yn(o.trim !== undefined)}`,
    `SupportsImageSize = ${yn(o.requestedImageSizeMm !== undefined)}`,
    'SupportsDecimateCrop = false',
    'SessionLabelAnnotation = false',
    `DisplayFormat = ${multi(ALL_DISPLAY_FORMATS)}`,
    `FilmSizeID = ${multi(ALL_FILM_SIZES)}`,
    `MagnificationType = ${multi(ALL_MAGNIFICATIONS)}`,
    'SmoothingType = NONE\\SMOOTH\\MEDIUM\\SHARP',
    'ResolutionID = STANDARD\\HIGH',
    'BorderDensity = BLACK\\WHITE\\150',
    'EmptyImageDensity = BLACK\\WHITE\\20',
    'MinDensity = 20',
    'MaxDensity = 320',
    `MediumType = ${multi(ALL_MEDIA)}`,
    'FilmDestination = MAGAZINE\\PROCESSOR',
    // Annotation = <boxes>\<display format ID>: makes dcmprscu propose Basic Annotation Box.
    ...((o.annotationSop ?? true) ? ['Annotation = 1\\ANNOTATION'] : []),
    ...tlsLines(dir, o.tls),
  ];
  const file = join(dir, 'dcmpstat.cfg');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

// ---------------------------------------------------------------------------------------------
// The print SCU

/** DICOM over TLS for the print SCU (dcmprscu's UseTLS and [TLS] settings). */
export interface PrintTls {
  /** Directory of trusted CA certificates under their hash names (openssl x509 -hash). */
  caDirectory: string;
  /** The client's certificate and key (PEM); absent: anonymous TLS client. */
  certificate?: string;
  privateKey?: string;
  /** How the server's certificate is checked (default REQUIRE). */
  peerAuthentication?: 'REQUIRE' | 'VERIFY' | 'IGNORE';
}

export interface PrintOptions {
  host?: string;
  port: number;
  calledAe: string;
  /** Our AE title (default LIGHTBOXSCU). */
  callingAe?: string;
  /** Max PDU we receive (default 32768). */
  maxPdu?: number;
  /** Propose only Implicit VR Little Endian. */
  implicitOnly?: boolean;
  /** Send 12-bit image pixels (default true); false: 8-bit, as to a printer without 12-bit support. */
  bits12?: boolean;
  /** Propose (and use) the Presentation LUT SOP class (default true). */
  presentationLutSop?: boolean;
  /** Propose the Basic Annotation Box SOP class (default true). */
  annotationSop?: boolean;
  /** DICOM Part 10 image files (see generateImages). */
  images: string[];
  /** Number of films (default 1): each film takes the next columns*rows images, cycling. */
  films?: number;
  /** STANDARD\columns,rows. */
  columns: number;
  rows: number;
  filmSize?: string;
  orientation?: 'portrait' | 'landscape';
  magnification?: string;
  smoothing?: string;
  minDensity?: number;
  maxDensity?: number;
  borderDensity?: string;
  emptyImageDensity?: string;
  trim?: boolean;
  resolution?: string;
  configInfo?: string;
  polarity?: 'NORMAL' | 'REVERSE';
  imageMagnification?: string;
  requestedImageSizeMm?: number;
  copies?: number;
  medium?: string;
  destination?: string;
  priority?: 'HIGH' | 'MED' | 'LOW';
  label?: string;
  owner?: string;
  /** N-ACTION on the Film Session instead of the Film Box. */
  sessionPrint?: boolean;
  /** No N-ACTION at all. */
  noPrint?: boolean;
  /** Send image pixels as MONOCHROME1. */
  monochrome1?: boolean;
  /** Annotation text (sent only when the SCP accepts the Annotation Box SOP class). */
  annotation?: string;
  /** Presentation LUT in the Stored Print: IDENTITY shape (default), LIN OD shape, or none. */
  plut?: 'identity' | 'lin-od' | 'none';
  illumination?: number;
  reflection?: number;
  /** DCMTK network timeout in seconds (default 30). */
  timeoutS?: number;
  /** Print over TLS; absent: plain TCP. */
  tls?: PrintTls;
  /**
   * Hard limit for the whole dcmprscu run (default 20 s + 5 s per film); it is then killed and the
   * result says timedOut. Needed: DCMTK's Timeout does not bound association negotiation.
   */
  processTimeoutMs?: number;
}

export interface DimseExchange {
  /** 1-based association (one per film: dcmprscu opens one per Stored Print file). */
  association: number;
  /** 'N-GET', 'N-CREATE', 'N-SET', 'N-ACTION', 'N-DELETE', ... */
  request: string;
  /** DCMTK's name for the SOP class, e.g. 'BasicFilmBoxSOPClass' (a UID if DCMTK has none). */
  sopClass: string;
  messageId: number;
  /** Only for N-ACTION. */
  actionTypeId?: number;
  /** DIMSE status of the response; -1 when no response arrived. */
  status: number;
  /** DCMTK's text for the status, e.g. 'Success', 'Invalid attribute value'; 'no response'. */
  statusText: string;
}

export interface PrintResult {
  exchanges: DimseExchange[];
  /** Associations requested (one per film). */
  associations: number;
  /** Associations the SCP accepted. */
  accepted: number;
  /** Some association was rejected (A-ASSOCIATE-RJ). */
  rejected: boolean;
  /** DCMTK's words for the (last) rejection, e.g. result 'Rejected Permanent', source 'Service User',
   *  reason 'Called AE Title Not Recognized'. */
  rejection?: { result: string; source: string; reason: string };
  /** Some association was aborted, or the connection failed or dropped. */
  aborted: boolean;
  /** The "E:"/"F:" lines of the log (without the prefix). */
  errors: string[];
  /** The "W:" lines of the log (without the prefix). */
  warnings: string[];
  /** The full dcmprscu -d log (also in workDir/dcmprscu.log). */
  log: string;
  /** dcmprscu's exit code (it is 0 even when printing failed); -1 if killed. */
  exitCode: number;
  timedOut: boolean;
  /** The Stored Print files sent, in film order. */
  storedPrints: string[];
}

/** dcmpsprt's arguments for a film of PrintOptions (also used by the benchmarks' Stored Prints). */
export function dcmpsprtArgs(cfg: string, o: PrintOptions): string[] {
  const a = ['-c', cfg, '-p', 'TARGET', '--layout', String(o.columns), String(o.rows)];
  const opt = (flag: string, v: string | number | undefined) => {
    if (v !== undefined) a.push(flag, String(v));
  };
  opt('--filmsize', o.filmSize);
  if (o.orientation) a.push(o.orientation === 'portrait' ? '--portrait' : '--landscape');
  if (o.trim !== undefined) a.push(o.trim ? '--trim' : '--no-trim');
  opt('--magnification', o.magnification);
  opt('--smoothing', o.smoothing);
  opt('--min-density', o.minDensity);
  opt('--max-density', o.maxDensity);
  opt('--border', o.borderDensity);
  opt('--empty-image', o.emptyImageDensity);
  opt('--resolution', o.resolution);
  opt('--configinfo', o.configInfo);
  opt('--img-polarity', o.polarity);
  opt('--img-magnification', o.imageMagnification);
  opt('--img-request-size', o.requestedImageSizeMm);
  opt('--illumination', o.illumination);
  opt('--reflection', o.reflection);
  const plut = o.plut ?? 'identity';
  a.push(plut === 'identity' ? '--identity' : plut === 'lin-od' ? '--lin-od' : '--default-plut');
  // -pd -pn -pl: the annotation is just the text, without date, printer name and lighting.
  if (o.annotation !== undefined) a.push('--annotation', o.annotation, '-pd', '-pn', '-pl');
  return a;
}

function dcmprscuArgs(cfg: string, o: PrintOptions): string[] {
  const a = ['-d', '-c', cfg, '-p', 'TARGET', '--copies', String(o.copies ?? 1)];
  const opt = (flag: string, v: string | undefined) => {
    if (v !== undefined) a.push(flag, v);
  };
  opt('--medium-type', o.medium);
  opt('--destination', o.destination);
  opt('--priority', o.priority);
  opt('--label', o.label);
  opt('--owner', o.owner);
  if (o.sessionPrint) a.push('--session-print');
  if (o.noPrint) a.push('--noprint');
  if (o.monochrome1) a.push('--monochrome1');
  return a;
}

let jobCounter = 0;

/**
 * Print `films` films to the SCP with DCMTK: dcmpsprt once per film, then one dcmprscu run over
 * all Stored Print files in film order. Throws if a print job cannot be built; never throws for
 * what the SCP answers.
 */
export async function dcmPrint(o: PrintOptions, workDir: string): Promise<PrintResult> {
  if (o.images.length === 0) throw new Error('dcmPrint: no images');
  if (!(o.columns >= 1 && o.rows >= 1)) throw new Error('dcmPrint: columns and rows must be >= 1');
  const dir = resolve(workDir);
  mkdirSync(dir, { recursive: true });
  const cfg = writePrintScuConfig(dir, o);
  const db = join(dir, 'db');
  const films = o.films ?? 1;
  const perFilm = Math.min(o.columns * o.rows, o.images.length);
  const sprt = dcmpsprtArgs(cfg, o);
  const run = `${process.pid}-${++jobCounter}`;
  const storedPrints: string[] = [];
  let next = 0;
  for (let film = 0; film < films; film++) {
    const files: string[] = [];
    for (let j = 0; j < perFilm; j++) files.push(resolve(o.images[(next + j) % o.images.length]!));
    next += perFilm;
    const before = new Set(readdirSync(db));
    const r = await runTool('dcmpsprt', [...sprt, ...files], 120_000);
    const made = readdirSync(db).filter((f) => f.startsWith('SP_') && !before.has(f));
    if (r.code !== 0 || made.length !== 1) {
      throw new Error(
        `dcmpsprt failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}, ${made.length} stored prints)` +
          ` for film ${film + 1}: dcmpsprt ${[...sprt, ...files].join(' ')}\n${r.output}`,
      );
    }
    // Stored Print file names derive from the clock and may repeat once the slot is free again:
    // move each one aside under a film-ordered name right away.
    const job = join(db, `job-${run}-${String(film).padStart(3, '0')}-${made[0]}`);
    renameSync(join(db, made[0]!), job);
    storedPrints.push(job);
  }

  const limit = o.processTimeoutMs ?? 20_000 + 5_000 * films;
  const r = await runTool('dcmprscu', [...dcmprscuArgs(cfg, o), ...storedPrints], limit);
  writeFileSync(join(dir, 'dcmprscu.log'), r.output);
  return { ...parseDcmprscuLog(r.output), exitCode: r.code, timedOut: r.timedOut, storedPrints };
}

// ---------------------------------------------------------------------------------------------
// Log parsing

type ParsedLog = Omit<PrintResult, 'exitCode' | 'timedOut' | 'storedPrints'>;

interface DimseBlock {
  incoming: boolean;
  fields: Map<string, string>;
}

/**
 * Parse a `dcmprscu -d` log. With -d, DCMTK dumps each DIMSE message's command set as a block:
 *
 *     D: ===================== OUTGOING DIMSE MESSAGE ====================
 *     D: Message Type                  : N-CREATE RQ
 *     D: Message ID                    : 4
 *     D: Affected SOP Class UID        : BasicFilmBoxSOPClass
 *     ...
 *     D: -----------------------------------------------------------------   (data set follows)
 *     D: ======================= END DIMSE MESSAGE =======================
 *
 * and "INCOMING DIMSE MESSAGE" for responses, which carry "Message ID Being Responded To" and
 * "DIMSE Status : 0x0106: Invalid attribute value". Requests pair with responses by message ID
 * within an association ("I: Requesting Association" starts one). Association outcome lines are
 * "I: Association accepted ...", and for failures E:/F: lines quoting DCMTK's conditions.
 */
export function parseDcmprscuLog(log: string): ParsedLog {
  const exchanges: DimseExchange[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  let associations = 0;
  let accepted = 0;
  let rejected = false;
  let rejection: ParsedLog['rejection'];
  let aborted = false;
  let pending = new Map<number, DimseExchange>();
  let block: DimseBlock | undefined;
  let inDataSet = false;

  const finish = (b: DimseBlock) => {
    const type = b.fields.get('Message Type') ?? '';
    const m = /^(\S+) (RQ|RSP)$/.exec(type);
    if (!m) return;
    const [, command, kind] = m as unknown as [string, string, string];
    if (kind === 'RQ' && !b.incoming) {
      const sopClass =
        b.fields.get('Affected SOP Class UID') ?? b.fields.get('Requested SOP Class UID') ?? '';
      const x: DimseExchange = {
        association: associations,
        request: command,
        sopClass: sopClass.replace(/^=/, ''),
        messageId: Number(b.fields.get('Message ID') ?? -1),
        status: -1,
        statusText: 'no response',
      };
      const action = b.fields.get('Action Type ID');
      if (action !== undefined) x.actionTypeId = Number(action);
      exchanges.push(x);
      pending.set(x.messageId, x);
    } else if (kind === 'RSP' && b.incoming) {
      const id = Number(b.fields.get('Message ID Being Responded To') ?? -1);
      const x = pending.get(id);
      const st = /^0x([0-9a-fA-F]{1,4})(?::\s*(.*))?$/.exec(b.fields.get('DIMSE Status') ?? '');
      if (!x || !st) return;
      pending.delete(id);
      x.status = Number.parseInt(st[1]!, 16);
      x.statusText = (st[2] ?? '').trim();
    }
  };

  for (const raw of log.split(/\r?\n/)) {
    const lm = /^([DIWEFT]): ?(.*)$/.exec(raw);
    if (!lm) continue;
    const [, level, text] = lm as unknown as [string, string, string];
    if (level === 'T') continue;
    if (level === 'D') {
      if (/^=+ (OUTGOING|INCOMING) DIMSE MESSAGE =+$/.test(text)) {
        block = { incoming: text.includes('INCOMING'), fields: new Map() };
        inDataSet = false;
        continue;
      }
      if (block) {
        if (/^=+ END DIMSE MESSAGE =+$/.test(text)) {
          finish(block);
          block = undefined;
        } else if (/^-{10,}$/.test(text)) {
          inDataSet = true;
        } else if (!inDataSet) {
          const f = /^([A-Za-z][A-Za-z ]*?)\s+:\s?(.*)$/.exec(text);
          if (f) block.fields.set(f[1]!, f[2]!.trim());
        }
      }
      continue;
    }
    if (level === 'I') {
      if (/^Requesting Association/.test(text)) {
        associations++;
        pending = new Map();
      } else if (/^Association accepted/i.test(text)) {
        accepted++;
      }
      continue;
    }
    if (level === 'W') {
      warnings.push(text);
      // W: Association Rejected / W: Result: Rejected Permanent, Source: Service User / W: Reason: ...
      const res = /^Result: (.*), Source: (.*)$/.exec(text);
      if (res) rejection = { result: res[1]!, source: res[2]!, reason: '' };
      const why = /^Reason: (.*)$/.exec(text);
      if (why && rejection) rejection.reason = why[1]!;
    } else {
      errors.push(text);
      // E: 0006:0301 DUL Association Rejected; 0006:0317 Peer aborted Association (or never
      // connected); 0006:031c TCP Initialization Error: Connection refused; DIMSE read failures.
      if (/Association Rejected/i.test(text)) rejected = true;
      else if (/abort|TCP Initialization Error|Network|Read PDV failed|No data available/i.test(text)) {
        aborted = true;
      }
    }
  }
  return {
    exchanges,
    associations,
    accepted,
    rejected,
    ...(rejection ? { rejection } : {}),
    aborted,
    errors,
    warnings,
    log,
  };
}

/** One line per exchange, e.g. "N-CREATE BasicFilmBoxSOPClass 0x0106": handy in assertions. */
export function exchangeSummary(r: Pick<PrintResult, 'exchanges'>): string[] {
  return r.exchanges.map((x) => {
    const status = x.status < 0 ? 'none' : `0x${x.status.toString(16).padStart(4, '0')}`;
    return `${x.request} ${x.sopClass} ${status}`;
  });
}

// ---------------------------------------------------------------------------------------------
// Synthetic images (dcmjs)

/** The part of dcmjs used here (it ships no types). */
interface DcmElement {
  vr: string;
  Value?: unknown[];
}
type DcmDataset = Record<string, DcmElement>;
interface DcmjsModule {
  data: {
    DicomDict: new (meta: DcmDataset) => { dict: DcmDataset; write(): ArrayBuffer };
    DicomMetaDictionary: {
      denaturalizeDataset(d: Record<string, unknown>): DcmDataset;
      uid(): string;
    };
  };
  log: { setLevel(level: string): void };
}
const lib = dcmjs as unknown as DcmjsModule;
lib.log.setLevel('error');

const SopClass = {
  CT: '1.2.840.10008.5.1.4.1.1.2',
  CR: '1.2.840.10008.5.1.4.1.1.1',
  MG: '1.2.840.10008.5.1.4.1.1.1.2',
  SC: '1.2.840.10008.5.1.4.1.1.7',
} as const;
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

interface ImageSpec {
  sopClass: string;
  modality: string;
  description: string;
  rows: number;
  columns: number;
  /** 1 (grey) or 3 (RGB, interleaved). */
  samples: 1 | 3;
  bitsStored: 8 | 12;
  photometric: 'MONOCHROME1' | 'MONOCHROME2' | 'RGB';
  pixels: Uint8Array | Uint16Array;
  extra?: Record<string, unknown>;
}

const STUDY_UID = lib.data.DicomMetaDictionary.uid();

function writeImage(file: string, s: ImageSpec): void {
  const sopInstance = lib.data.DicomMetaDictionary.uid();
  const bitsAllocated = s.bitsStored > 8 ? 16 : 8;
  const pixelBytes = s.pixels.buffer.slice(
    s.pixels.byteOffset,
    s.pixels.byteOffset + s.pixels.byteLength,
  ) as ArrayBuffer;
  const natural: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['ORIGINAL', 'PRIMARY'],
    SOPClassUID: s.sopClass,
    SOPInstanceUID: sopInstance,
    StudyDate: '20240102',
    StudyTime: '030405',
    ContentDate: '20240102',
    ContentTime: '030405',
    AccessionNumber: 'ACC0001',
    Modality: s.modality,
    Manufacturer: 'LIGHTBOX-TESTGEN',
    ReferringPhysicianName: '',
    SeriesDescription: s.description,
    PatientName: 'PRINT^TEST^PHANTOM',
    PatientID: 'LBX0001',
    PatientBirthDate: '19700101',
    PatientSex: 'O',
    StudyInstanceUID: STUDY_UID,
    SeriesInstanceUID: lib.data.DicomMetaDictionary.uid(),
    StudyID: '1',
    SeriesNumber: 1,
    InstanceNumber: 1,
    SamplesPerPixel: s.samples,
    PhotometricInterpretation: s.photometric,
    ...(s.samples === 3 ? { PlanarConfiguration: 0 } : {}),
    Rows: s.rows,
    Columns: s.columns,
    BitsAllocated: bitsAllocated,
    BitsStored: s.bitsStored,
    HighBit: s.bitsStored - 1,
    PixelRepresentation: 0,
    ...s.extra,
    PixelData: [pixelBytes],
    _vrMap: { PixelData: bitsAllocated === 16 ? 'OW' : 'OB' },
  };
  const meta: DcmDataset = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [s.sopClass] },
    '00020003': { vr: 'UI', Value: [sopInstance] },
    '00020010': { vr: 'UI', Value: [EXPLICIT_LE] },
    '00020012': { vr: 'UI', Value: ['2.25.208593190434126338104950327013548245710'] },
    '00020013': { vr: 'SH', Value: ['LIGHTBOX_TEST'] },
  };
  const dict = new lib.data.DicomDict(meta);
  dict.dict = lib.data.DicomMetaDictionary.denaturalizeDataset(natural);
  // Write under a temporary name, then rename: concurrent callers never see a partial file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(dict.write()));
  renameSync(tmp, file);
}

/** Deterministic pseudo-random numbers (LCG), so images are the same on every machine. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Inside an axis-aligned ellipse (coordinates normalised to -1..1). */
const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number): boolean =>
  ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;

/** A 512x512 head-like CT phantom, stored values 0..4095 (HU + 1024); `index` moves the anatomy. */
export function ctSlice(index: number): Uint16Array {
  const n = 512;
  const px = new Uint16Array(n * n);
  const rand = rng(1000 + index);
  const z = (index - 10) / 12;
  const a = (index * Math.PI) / 10;
  for (let row = 0; row < n; row++) {
    const y = (row - n / 2) / (n / 2);
    for (let col = 0; col < n; col++) {
      const x = (col - n / 2) / (n / 2);
      let hu = -1000;
      if (inEllipse(x, y, 0, 0, 0.69, 0.92)) hu = 900 + 50 * z; // skull
      if (inEllipse(x, y, 0, -0.018, 0.6624, 0.874)) hu = 40; // brain
      if (inEllipse(x, y, 0.22, 0, 0.11 + 0.02 * z, 0.41)) hu = -5; // ventricles
      if (inEllipse(x, y, -0.22, 0, 0.16, 0.31)) hu = -5;
      // an insert orbiting with the slice index, so every image differs visibly
      if (inEllipse(x, y, 0.35 * Math.cos(a), 0.35 * Math.sin(a), 0.08, 0.08)) hu = 70 + 5 * index;
      if (y > 0.93) hu = Math.floor((x + 1) * 8) * 200 - 1000; // step wedge
      hu += (rand() - 0.5) * 16;
      px[row * n + col] = Math.max(0, Math.min(4095, Math.round(hu + 1024)));
    }
  }
  return px;
}

function crChest(): Uint16Array {
  const rows = 2500;
  const cols = 2048;
  const px = new Uint16Array(rows * cols);
  const rand = rng(7);
  for (let r = 0; r < rows; r++) {
    const y = (r / rows) * 2 - 1;
    for (let c = 0; c < cols; c++) {
      const x = (c / cols) * 2 - 1;
      // MONOCHROME1: high values are dark (direct exposure), low values bright (bone).
      let v = 3600;
      if (inEllipse(x, y, 0, 0.1, 0.84, 0.96)) v = 1800; // body
      if (inEllipse(x, y, -0.36, 0, 0.28, 0.6) || inEllipse(x, y, 0.36, 0, 0.28, 0.6)) v = 3000; // lungs
      if (inEllipse(x, y, -0.08, 0.2, 0.24, 0.3)) v = 1400; // heart
      if (Math.abs(x) < 0.05 && inEllipse(x, y, 0, 0.1, 0.84, 0.96)) v = 700; // spine
      px[r * cols + c] = Math.max(0, Math.min(4095, Math.round(v + (rand() - 0.5) * 50)));
    }
  }
  return px;
}

export function mammo(): Uint16Array {
  const rows = 5120;
  const cols = 4096;
  const px = new Uint16Array(rows * cols);
  const rand = rng(11);
  for (let r = 0; r < rows; r++) {
    const y = r / rows;
    for (let c = 0; c < cols; c++) {
      const x = c / cols;
      const d = Math.sqrt(((y - 0.5) / 0.45) ** 2 + (x / 0.75) ** 2); // breast against the chest wall
      let v = 60;
      if (d < 1) v = 1200 + 1600 * Math.sqrt(1 - d) + (rand() - 0.5) * 200;
      if (inEllipse(x, y, 0.3, 0.42, 0.008, 0.01)) v = 3900; // a "mass"
      px[r * cols + c] = Math.max(0, Math.min(4095, Math.round(v)));
    }
  }
  return px;
}

function ramp8(): Uint8Array {
  const n = 256;
  const px = new Uint8Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) px[r * n + c] = (r + c) >> 1;
  return px;
}

function colourBars(): Uint8Array {
  const rows = 480;
  const cols = 640;
  const bars = [
    [255, 255, 255],
    [255, 255, 0],
    [0, 255, 255],
    [0, 255, 0],
    [255, 0, 255],
    [255, 0, 0],
    [0, 0, 255],
    [0, 0, 0],
  ];
  const px = new Uint8Array(rows * cols * 3);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const o = (r * cols + c) * 3;
      const ramp = Math.round((c / (cols - 1)) * 255);
      const rgb = r < (rows * 2) / 3 ? bars[Math.floor(c / (cols / bars.length))]! : [ramp, 255 - ramp, 128];
      px.set(rgb, o);
    }
  }
  return px;
}

export interface TestImages {
  /** 20 CT 512x512, 16 allocated / 12 stored, MONOCHROME2, window 40/400. */
  ct: string[];
  /** CR 2048x2500 (columns x rows), 12-bit MONOCHROME1. */
  cr: string;
  /** Secondary Capture 256x256 8-bit MONOCHROME2. */
  sc8: string;
  /**
   * Secondary Capture 640x480 RGB, interleaved. dcmpsprt refuses it (DCMTK's print path is
   * grayscale-only: "Wrong image photometric interpretation - not MONOCHROME1/2"), so it is for
   * other SCUs and for testing that failure.
   */
  rgb: string;
}

/** Write (or reuse, if present) the test images in `dir`. */
export async function generateImages(dir: string): Promise<TestImages> {
  const d = resolve(dir);
  mkdirSync(d, { recursive: true });
  const ct: string[] = [];
  for (let i = 1; i <= 20; i++) {
    const file = join(d, `ct_${String(i).padStart(2, '0')}.dcm`);
    ct.push(file);
    if (existsSync(file)) continue;
    writeImage(file, {
      sopClass: SopClass.CT,
      modality: 'CT',
      description: 'CT phantom head',
      rows: 512,
      columns: 512,
      samples: 1,
      bitsStored: 12,
      photometric: 'MONOCHROME2',
      pixels: ctSlice(i),
      extra: {
        ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
        InstanceNumber: i,
        SliceThickness: 5,
        ImagePositionPatient: [-125, -125, 5 * i],
        ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
        PixelSpacing: [0.488281, 0.488281],
        KVP: 120,
        RescaleIntercept: -1024,
        RescaleSlope: 1,
        RescaleType: 'HU',
        WindowCenter: 40,
        WindowWidth: 400,
      },
    });
  }
  const cr = join(d, 'cr.dcm');
  if (!existsSync(cr)) {
    writeImage(cr, {
      sopClass: SopClass.CR,
      modality: 'CR',
      description: 'CR chest PA',
      rows: 2500,
      columns: 2048,
      samples: 1,
      bitsStored: 12,
      photometric: 'MONOCHROME1',
      pixels: crChest(),
      extra: {
        BodyPartExamined: 'CHEST',
        ViewPosition: 'PA',
        ImagerPixelSpacing: [0.168, 0.168],
        WindowCenter: 2048,
        WindowWidth: 4096,
      },
    });
  }
  const sc8 = join(d, 'sc8.dcm');
  if (!existsSync(sc8)) {
    writeImage(sc8, {
      sopClass: SopClass.SC,
      modality: 'OT',
      description: '8-bit ramp',
      rows: 256,
      columns: 256,
      samples: 1,
      bitsStored: 8,
      photometric: 'MONOCHROME2',
      pixels: ramp8(),
      extra: { ConversionType: 'WSD' },
    });
  }
  const rgb = join(d, 'rgb.dcm');
  if (!existsSync(rgb)) {
    writeImage(rgb, {
      sopClass: SopClass.SC,
      modality: 'OT',
      description: 'RGB colour bars',
      rows: 480,
      columns: 640,
      samples: 3,
      bitsStored: 8,
      photometric: 'RGB',
      pixels: colourBars(),
      extra: { ConversionType: 'WSD' },
    });
  }
  return { ct, cr, sc8, rgb };
}

/** Write (or reuse) a 4096x5120 12-bit MG "for presentation" image (40 MB) in `dir`. */
export async function generateMammo(dir: string): Promise<string> {
  const d = resolve(dir);
  mkdirSync(d, { recursive: true });
  const file = join(d, 'mammo.dcm');
  if (!existsSync(file)) {
    writeImage(file, {
      sopClass: SopClass.MG,
      modality: 'MG',
      description: 'MG L CC',
      rows: 5120,
      columns: 4096,
      samples: 1,
      bitsStored: 12,
      photometric: 'MONOCHROME2',
      pixels: mammo(),
      extra: {
        PresentationIntentType: 'FOR PRESENTATION',
        ImageLaterality: 'L',
        ViewPosition: 'CC',
        BodyPartExamined: 'BREAST',
        ImagerPixelSpacing: [0.07, 0.07],
        WindowCenter: 2048,
        WindowWidth: 4096,
        RescaleIntercept: 0,
        RescaleSlope: 1,
        RescaleType: 'US',
      },
    });
  }
  return file;
}

// ---------------------------------------------------------------------------------------------
// DCMTK's reference Print SCP

export interface RefScpOptions {
  /** Working directory (config, database, log). */
  dir: string;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Our AE title (dcmprscp answers to any called AE title anyway). */
  aeTitle?: string;
  maxPdu?: number;
  /** Accepted film sizes (default: ALL_FILM_SIZES; the first one is the default). */
  filmSizes?: readonly string[];
  /** Accepted display formats "C,R" (default: ALL_DISPLAY_FORMATS). */
  displayFormats?: readonly string[];
}

export interface RefScp {
  port: number;
  /** dcmprscp's log so far (-d +d: every DIMSE message with its data set). */
  log(): string;
  /** Wait until the log after offset `since` (a previous log().length) matches; returns that part. */
  waitForLog(pattern: RegExp, since: number, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Write `dir/dcmpstat.cfg` with one LOCALPRINTER entry named REFSCP for dcmprscp. */
export function writeRefScpConfig(o: RefScpOptions & { port: number }): string {
  const dir = resolve(o.dir);
  const lines = [
    generalSection(dir, 'REFSCU'),
    '[[COMMUNICATION]]',
    '[REFSCP]',
    'Type = LOCALPRINTER',
    `Aetitle = ${o.aeTitle ?? 'PRINTSCP'}`,
    'Description = DCMTK reference Print SCP',
    'Hostname = localhost',
    `Port = ${o.port}`,
    `MaxPDU = ${o.maxPdu ?? 32768}`,
    'ImplicitOnly = false',
    'DisableNewVRs = false',
    'BorderDensity = BLACK\\WHITE\\150',
    'EmptyImageDensity = BLACK\\WHITE\\20',
    'FilmDestination = MAGAZINE\\PROCESSOR\\BIN_1\\BIN_2',
    `FilmSizeID = ${multi(o.filmSizes ?? ALL_FILM_SIZES)}`,
    `MagnificationType = ${multi(ALL_MAGNIFICATIONS)}`,
    'MaxDensity = 320',
    'MinDensity = 20',
    `MediumType = ${multi(ALL_MEDIA)}`,
    `DisplayFormat = ${multi(o.displayFormats ?? ALL_DISPLAY_FORMATS)}`,
    'ResolutionID = STANDARD\\HIGH',
    'SmoothingType = NONE\\SMOOTH\\MEDIUM\\SHARP',
    'Supports12Bit = true',
    'SupportsDecimateCrop = true',
    'SupportsImageSize = true',
    'SupportsPresentationLUT = true',
    'SupportsTrim = true',
    'PresentationLUTMatchRequired = false',
    'PresentationLUTinFilmSession = false',
    'OmitSOPClassUIDFromCreateResponse = false',
    'Configuration_1 = LIGHTBOX TEST CONFIG 1',
  ];
  const file = join(dir, 'dcmpstat.cfg');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolvePromise(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1', () => done(true));
  });
}

/**
 * Start dcmprscp in the background and wait until it listens. It serves one association at a
 * time and accepts any called AE title. The readiness probe is a bare TCP connect, which dcmprscp
 * logs as a failed association ("Bad AppContextName") and then carries on.
 */
export async function startDcmprscp(o: RefScpOptions): Promise<RefScp> {
  const port = o.port ?? (await freePort());
  const cfg = writeRefScpConfig({ ...o, port });
  const logFile = join(resolve(o.dir), 'dcmprscp.log');
  let log = '';
  const child: ChildProcess = spawn('dcmprscp', ['-d', '+d', '-c', cfg, '-p', 'REFSCP'], {
    env: DCMTK_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (b: Buffer) => {
    log += b.toString('latin1');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exited = false;
  const exit = new Promise<void>((r) => {
    child.once('exit', () => {
      exited = true;
      writeFileSync(logFile, log);
      r();
    });
    child.once('error', (e) => {
      log += `\nspawn error: ${e.message}\n`;
      exited = true;
      r();
    });
  });
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    const t = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, 3000);
    await exit;
    clearTimeout(t);
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) throw new Error(`dcmprscp exited before listening on ${port}:\n${log}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dcmprscp did not listen on ${port} within 10 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const waitForLog = async (pattern: RegExp, since: number, timeoutMs = 5000): Promise<string> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const part = log.slice(since);
      if (pattern.test(part)) return part;
      if (exited || Date.now() > until) {
        throw new Error(`dcmprscp log does not match ${pattern} (exited: ${exited}):\n${part}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { port, log: () => log, waitForLog, stop };
}
