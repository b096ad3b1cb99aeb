/**
 * Shared by the storage end-to-end tests (crash.test.ts, disk-full.test.ts): the compiled server
 * as a child process on free ports, its HTTP API, print sessions driven by the repository's own
 * SCU (test/support/scu.ts) over real TCP, what the data directory holds on disk, and the SQLite
 * index's integrity.
 *
 * The server is compiled into a directory of each test file's own under test/artifacts/ (not
 * dist/): test/cli.test.ts rewrites dist/ while the suite runs, and a server started from a file
 * being rewritten would fail for reasons that are not the store's. It is recompiled only when a
 * file under src/ is newer than the build.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  type Dirent,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandField } from '../../src/dicom/dimse/command-fields.js';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { connect } from '../../src/store/database.js';
import { freePort } from '../support/dcmprint.js';
import { grayImage, type Response, Scu } from '../support/scu.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const META = Uid.BasicGrayscalePrintManagementMeta;

// ---------------------------------------------------------------- build

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts')) continue;
    newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/**
 * The server's entry point compiled from this checkout's src/ into test/artifacts/<name>/, built
 * only when missing or older than a source file. tsc emits despite type errors (the typecheck step
 * reports those); only an entry point that is still stale afterwards is an error. Test files in
 * other workers may want the same build at the same moment: one builds under a lock directory
 * while the others wait for it, so none starts a server from files another tsc is rewriting.
 */
export async function ensureBuild(name: string): Promise<{ main: string; built: boolean; ms: number }> {
  const out = join(ROOT, 'test/artifacts', name);
  const main = join(out, 'src/main.js');
  const fresh = () => existsSync(main) && statSync(main).mtimeMs > newestMtime(join(ROOT, 'src'));
  if (fresh()) return { main, built: false, ms: 0 };
  const t0 = Date.now();
  await withBuildLock(`${out}.lock`, async () => {
    if (fresh()) return;
    const started = Date.now();
    await new Promise<void>((done) => {
      execFile(
        'npx',
        ['tsc', '-p', 'test/ci/tsconfig.build.json', '--outDir', out],
        { cwd: ROOT, timeout: 120_000 },
        () => done(),
      );
    });
    if (!existsSync(main) || statSync(main).mtimeMs < started - 1000)
      throw new Error(`could not compile the server into ${out}`);
  });
  return { main, built: true, ms: Date.now() - t0 };
}

/** Run fn holding the lock directory `lock` (mkdir is atomic); a lock older than 3 min is stale. */
async function withBuildLock(lock: string, fn: () => Promise<void>): Promise<void> {
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${lock}: another build held it for 4 minutes`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- server process

export interface Server {
  dataDir: string;
  dicomPort: number;
  httpPort: number;
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn to /healthz 200. */
  startupMs: number;
  /** The last 64 KiB of stdout and stderr. */
  output(): string;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after `graceMs`; resolved once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  alive(): boolean;
}

const children = new Set<ChildProcess>();

/** SIGKILL every server still running (afterAll; only the processes these tests started). */
export function killAllServers(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
}

/** The environment without LIGHTBOX_* settings, so only the arguments count. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LIGHTBOX_')));
}

function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => c.once('exit', () => r()));
}

export class StartError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(message);
  }
}

/**
 * `node <main> --data-dir D --dicom-port P --http-port H --host 127.0.0.1 --log-level warn [args]`,
 * resolved once /healthz answers 200. Rejects with StartError when the process exits first (a
 * configuration error: exit code 2 and one line on stderr) or does not come up in time.
 */
export async function startServer(
  main: string,
  o: { dataDir: string; args?: string[]; timeoutMs?: number },
): Promise<Server> {
  const dicomPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === dicomPort) httpPort = await freePort();
  const args = [
    main,
    '--data-dir',
    o.dataDir,
    '--dicom-port',
    String(dicomPort),
    '--http-port',
    String(httpPort),
    '--host',
    '127.0.0.1',
    '--log-level',
    'warn',
    ...(o.args ?? []),
  ];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-65536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', () => children.delete(child));
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StartError(
        `server exited (code ${child.exitCode}, signal ${child.signalCode}) before /healthz: ${out.trim()}`,
        child.exitCode,
        out,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited(child);
      throw new StartError(`server not healthy after ${o.timeoutMs ?? 20_000} ms: ${out.trim()}`, null, out);
    }
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await sleep(15);
  }
  const startupMs = performance.now() - t0;
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    dataDir: o.dataDir,
    dicomPort,
    httpPort,
    url,
    child,
    startupMs,
    output: () => out,
    alive,
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited(child);
    },
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(t);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------- HTTP

export interface HttpAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

export async function api(url: string, method = 'GET'): Promise<HttpAnswer> {
  const r = await fetch(url, { method, signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: r.status, body, headers: r.headers };
}

/**
 * Every film GET /api/films lists, following X-Next-Cursor when the listing comes a page at a time
 * (a server without pages answers everything at once and sends no cursor).
 */
export async function listAllFilms(url: string): Promise<ApiFilmSummary[]> {
  const all: ApiFilmSummary[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const r = await api(`${url}/api/films${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (r.status !== 200) throw new Error(`GET /api/films: ${r.status} ${JSON.stringify(r.body)}`);
    all.push(...(r.body as ApiFilmSummary[]));
    cursor = r.headers.get('x-next-cursor');
    if (!cursor) break;
  }
  return all;
}

export interface ApiJob {
  uid: string;
  status: string;
  statusInfo: string;
  films: string[];
}
export interface ApiFilm {
  id: string;
  jobUid: string;
  renderStatus: 'pending' | 'rendered' | 'failed';
  film: { filmBox: { uid: string } } | null;
}
export interface ApiFilmSummary {
  id: string;
  jobUid: string;
  render: 'pending' | 'rendered' | 'failed';
}

// ---------------------------------------------------------------- PRNG

/** sfc32 seeded through splitmix32: the same seed gives the same sequence on every platform. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** One of the keys, with the given weights. */
  weighted<K extends string>(w: Record<K, number>): K {
    const entries = Object.entries(w) as [K, number][];
    let x = this.next() * entries.reduce((s, [, v]) => s + v, 0);
    for (const [k, v] of entries) {
      x -= v;
      if (x < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
}

// ---------------------------------------------------------------- print sessions

export interface FilmPlan {
  /**
   * Image sizes (columns x rows), 12-bit, one per image box from position 1: a ramp
   * (test/support/scu.ts grayImage), or seeded noise when `noise` is given (PNGs that do not
   * compress away).
   */
  images: { columns: number; rows: number; noise?: number }[];
}
export interface SessionPlan {
  films: FilmPlan[];
  /** N-ACTION on the film session (all its film boxes) rather than on the (single) film box. */
  bySession: boolean;
  filmSize: string;
}

const cs = (v: string) => ({ vr: 'CS', Value: [v] });
const st = (v: string) => ({ vr: 'ST', Value: [v] });
const us = (v: number) => ({ vr: 'US', Value: [v] });
const ref = (cls: string, uid: string): DcmDataset => ({
  '00081150': { vr: 'UI', Value: [cls] },
  '00081155': { vr: 'UI', Value: [uid] },
});

export function displayFormat(n: number): string {
  return n <= 1 ? 'STANDARD\\1,1' : n === 2 ? 'STANDARD\\1,2' : n <= 4 ? 'STANDARD\\2,2' : 'STANDARD\\3,3';
}

/** The bytes each film's image boxes hold once set, by position: what box-NNN.raw must hold. */
export function expectedBytes(plan: SessionPlan): number[][] {
  return plan.films.map((f) => f.images.map((i) => i.columns * i.rows * 2));
}

/** Status classes: what counts as acknowledged, and as a refusal. */
export const isSuccess = (s: number | undefined) => s === 0x0000;
export const isFailure = (s: number | undefined) =>
  s !== undefined && ((s >= 0xc000 && s <= 0xcfff) || (s >= 0x0100 && s <= 0x02ff) || s === 0xa700);

export const isSuccessOrWarning = (s: number | undefined) =>
  s === 0x0000 || s === 0x0001 || (s !== undefined && s >= 0xb000 && s <= 0xbfff);

export function hex(s: number | undefined): string {
  return s === undefined ? 'none' : `0x${s.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * One print session, step by step, on its own association with Print Job negotiated (so the
 * N-ACTION response names the job). Steps: N-CREATE Film Session, then per film N-CREATE Film Box
 * and one N-SET per image; then the N-ACTION; then N-DELETE Film Session and release.
 */
export class PrintSession {
  sessionUid = '';
  readonly filmBoxUids: string[] = [];
  /** Every step's [what, status] so far. */
  readonly statuses: [string, number | undefined, string | undefined][] = [];
  #steps: { what: string; run: () => Promise<Response> }[] = [];
  #next = 0;
  /** Number of N-SET steps. */
  readonly nSets: number;
  setsDone = 0;

  private constructor(
    readonly scu: Scu,
    readonly plan: SessionPlan,
  ) {
    this.nSets = plan.films.reduce((n, f) => n + f.images.length, 0);
  }

  static async open(port: number, plan: SessionPlan, calling = 'STORETEST'): Promise<PrintSession> {
    const scu = await Scu.open(port, {
      called: 'LIGHTBOX',
      calling,
      abstractSyntaxes: [META, Uid.PrintJob, Uid.Verification],
    });
    if (!scu.accepted(META) || !scu.accepted(Uid.PrintJob)) {
      scu.destroy();
      throw new Error('Basic Grayscale Print Management or Print Job not accepted');
    }
    const s = new PrintSession(scu, plan);
    s.#plan();
    return s;
  }

  #plan(): void {
    this.#steps.push({
      what: 'N-CREATE Film Session',
      run: () => this.scu.nCreate(META, Uid.BasicFilmSession, { '20000010': { vr: 'IS', Value: [1] } }),
    });
    for (const [f, film] of this.plan.films.entries()) {
      let boxes: string[] = [];
      this.#steps.push({
        what: `N-CREATE Film Box ${f + 1}`,
        run: async () => {
          const r = await this.scu.nCreate(META, Uid.BasicFilmBox, {
            '20100010': st(displayFormat(film.images.length)),
            '20100050': cs(this.plan.filmSize),
            '20100500': { vr: 'SQ', Value: [ref(Uid.BasicFilmSession, this.sessionUid)] },
          });
          if (isSuccess(r.command.status)) {
            this.filmBoxUids.push(r.command.affectedSopInstanceUid!);
            boxes = ((r.dataset?.['20100510']?.Value ?? []) as DcmDataset[]).map((i) =>
              String(i['00081155']!.Value![0]),
            );
          }
          return r;
        },
      });
      for (const [p, img] of film.images.entries()) {
        this.#steps.push({
          what: `N-SET Image Box ${f + 1}.${p + 1}`,
          run: async () => {
            const r = await this.scu.nSet(META, Uid.BasicGrayscaleImageBox, boxes[p]!, {
              '20200010': us(p + 1),
              '20200110': {
                vr: 'SQ',
                Value: [
                  img.noise === undefined
                    ? grayImage(img.columns, img.rows, 12)
                    : noiseImage(img.columns, img.rows, img.noise),
                ],
              },
            });
            this.setsDone++;
            return r;
          },
        });
      }
    }
  }

  async #step(): Promise<number | undefined> {
    const s = this.#steps[this.#next++]!;
    const r = await s.run();
    const status = r.command.status;
    this.statuses.push([s.what, status, r.command.errorComment]);
    if (s.what === 'N-CREATE Film Session' && isSuccess(status))
      this.sessionUid = r.command.affectedSopInstanceUid!;
    return status;
  }

  /**
   * Run the steps up to the N-ACTION, stopping after `nSets` N-SETs when given (Infinity: all of
   * them). Returns the first status that is neither success nor warning, if any.
   */
  async runUntil(nSets = Number.POSITIVE_INFINITY): Promise<number | undefined> {
    while (this.#next < this.#steps.length) {
      const nextIsSet = this.#steps[this.#next]!.what.startsWith('N-SET');
      if (nextIsSet && this.setsDone >= nSets) return undefined;
      const status = await this.#step();
      if (!isSuccessOrWarning(status)) return status;
    }
    return undefined;
  }

  get ready(): boolean {
    return this.#next === this.#steps.length;
  }

  /** Send N-ACTION (print) on the film session or the film box; the promise is the response. */
  print(): Promise<Response> {
    const r = this.plan.bySession
      ? this.scu.nAction(META, Uid.BasicFilmSession, this.sessionUid)
      : this.scu.nAction(META, Uid.BasicFilmBox, this.filmBoxUids[0]!);
    return r.then((x) => {
      this.statuses.push([
        `N-ACTION ${this.plan.bySession ? 'Film Session' : 'Film Box'}`,
        x.command.status,
        x.command.errorComment,
      ]);
      return x;
    });
  }

  /** N-DELETE Film Session and A-RELEASE. */
  async finish(): Promise<void> {
    if (this.sessionUid) await this.scu.nDelete(META, Uid.BasicFilmSession, this.sessionUid);
    await this.scu.release();
  }

  destroy(): void {
    this.scu.destroy();
  }
}

/** A 12-bit MONOCHROME2 image of seeded noise (what grayImage gives, with other pixels). */
export function noiseImage(columns: number, rows: number, seed: number): DcmDataset {
  const ds = grayImage(columns, rows, 12);
  const next = prng(seed);
  const px = new Uint16Array(columns * rows);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(next() * 4096);
  ds['7FE00010'] = { vr: 'OW', Value: [px.buffer] };
  return ds;
}

/** The Print Job SOP Instance UID in an N-ACTION response: (2100,0500) > (0008,1155). */
export function jobUidOf(r: Response): string | undefined {
  const item = (r.dataset?.['21000500']?.Value as DcmDataset[] | undefined)?.[0];
  const v = item?.['00081155']?.Value?.[0];
  return typeof v === 'string' ? v : undefined;
}

/** C-ECHO on a fresh association: its status, or the error. */
export async function echo(port: number): Promise<number | string> {
  try {
    const scu = await Scu.open(port, { called: 'LIGHTBOX', abstractSyntaxes: [Uid.Verification] });
    try {
      const r = await scu.request(Uid.Verification, {
        commandField: CommandField.C_ECHO_RQ,
        affectedSopClassUid: Uid.Verification,
      });
      return r.command.status ?? 'no status';
    } finally {
      await scu.release().catch(() => undefined);
      scu.destroy();
    }
  } catch (e) {
    return (e as Error).message;
  }
}

// ---------------------------------------------------------------- the data directory on disk

export interface DiskFilm {
  id: string;
  jobUid?: string;
  filmBoxUid?: string;
  /** Why this film is not whole (film.json unreadable, a box file missing or short), if so. */
  problem?: string;
  /** Bytes of each image's box file by position order, as recorded in film.json. */
  imageBytes: number[];
  /** render.json: absent, rendered, or failed. */
  render: 'pending' | 'rendered' | 'failed';
  /** Files in the film directory whose name ends in .tmp (render or store leftovers). */
  tmpFiles: string[];
}

export interface DiskScan {
  /** Names in films/ starting with ".tmp-" (the staging area counts only when it holds files). */
  tmpEntries: string[];
  films: DiskFilm[];
  byJob: Map<string, DiskFilm[]>;
}

interface FilmJsonOnDisk {
  job?: { uid?: string };
  filmBox?: { uid?: string };
  imageBoxes?: { position: number; image?: { file: string; bytes: number } }[];
}

export function scanFilms(dataDir: string): DiskScan {
  const root = join(dataDir, 'films');
  const scan: DiskScan = { tmpEntries: [], films: [], byJob: new Map() };
  if (!existsSync(root)) return scan;
  for (const id of readdirSync(root)) {
    if (id === '.tmp-staging') {
      // Images received and not yet printed: emptied at every start-up.
      for (const n of readdirSync(join(root, id))) scan.tmpEntries.push(`${id}/${n}`);
      continue;
    }
    if (id.startsWith('.tmp-')) {
      scan.tmpEntries.push(id);
      continue;
    }
    if (id.startsWith('.')) continue;
    const dir = join(root, id);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // a file, not a film directory
    }
    const film: DiskFilm = {
      id,
      imageBytes: [],
      render: 'pending',
      tmpFiles: names.filter((n) => n.endsWith('.tmp') || n.startsWith('.tmp')),
    };
    try {
      const f = JSON.parse(readFileSync(join(dir, 'film.json'), 'utf8')) as FilmJsonOnDisk;
      film.jobUid = f.job?.uid;
      film.filmBoxUid = f.filmBox?.uid;
      for (const b of (f.imageBoxes ?? []).filter((x) => x.image).sort((x, y) => x.position - y.position)) {
        film.imageBytes.push(b.image!.bytes);
        const p = join(dir, b.image!.file);
        const size = existsSync(p) ? statSync(p).size : -1;
        if (size !== b.image!.bytes)
          film.problem ??= `${b.image!.file}: ${size < 0 ? 'missing' : `${size} bytes`}, film.json says ${b.image!.bytes}`;
      }
    } catch (e) {
      film.problem = `film.json: ${(e as Error).message.split('\n')[0]}`;
    }
    if (names.includes('render.json')) {
      try {
        const r = JSON.parse(readFileSync(join(dir, 'render.json'), 'utf8')) as { failed?: boolean };
        film.render = r.failed ? 'failed' : 'rendered';
      } catch {
        film.render = 'failed';
      }
    }
    scan.films.push(film);
    if (film.jobUid) scan.byJob.set(film.jobUid, [...(scan.byJob.get(film.jobUid) ?? []), film]);
  }
  return scan;
}

/** Every path under dir (relative) whose last component starts with ".tmp" or ends with ".tmp". */
export function tmpLeftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  // The staging area (films/.tmp-staging) is always there; what counts is a file left in it.
  const staged = (e: Dirent) => e.parentPath.endsWith(`${sep}.tmp-staging`);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(
      (e) =>
        staged(e) || ((e.name.startsWith('.tmp') || e.name.endsWith('.tmp')) && e.name !== '.tmp-staging'),
    )
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

// ---------------------------------------------------------------- the SQLite index

export const INDEX_DB = 'lightbox.db';

/**
 * PRAGMA integrity_check of <data-dir>/lightbox.db, with the server stopped or killed; undefined
 * when there is no such file. The database and its -wal/-journal files are copied first and the
 * copy is opened: a read-only connection can neither replay a WAL nor roll back a hot journal a
 * killed writer left, and the data directory must stay exactly as the killed server left it for
 * the next start-up.
 */
export async function indexIntegrity(dataDir: string): Promise<string | undefined> {
  const db = join(dataDir, INDEX_DB);
  if (!existsSync(db)) return undefined;
  const copy = mkdtempSync(join(tmpdir(), 'lightbox-db-check-'));
  try {
    for (const suffix of ['', '-wal', '-journal']) {
      if (existsSync(db + suffix)) copyFileSync(db + suffix, join(copy, INDEX_DB + suffix));
    }
    const conn = connect(join(copy, INDEX_DB));
    try {
      const rows = conn.prepare<[], { integrity_check: string }>('PRAGMA integrity_check').all();
      return rows.map((r) => r.integrity_check).join('; ');
    } finally {
      conn.close();
    }
  } catch (e) {
    return `cannot check: ${(e as Error).message}`;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
