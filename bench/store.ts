/**
 * Store benchmark: does Lightbox stay quick with a big durable store? The goals of the durable-store
 * work, measured on the compiled server as users run it (`npm start`'s V8 flags, rendering on):
 *
 *   G1  start-up, from spawn to the first 200 from /healthz, with 10,000 films and 10,000
 *       associations in the data directory: at most 3 s. The same for an empty data directory is
 *       shown beside it; starts alternate between the two.
 *   G2  `GET /api/films?limit=50`: p99 at most 50 ms over 500 sequential requests, for the first
 *       page, for a cursor deep in the list, and with filters (calling AE with a deep cursor; since,
 *       newest first). The variants take turns, request by request.
 *   G3  a C-ECHO while 50 thumbnail requests (`GET /api/films/{id}/thumb.png`) are in flight: at
 *       most 2x its idle time, on the medians of 20 idle/loaded pairs. The echo is DCMTK's echoscu
 *       (a new association, one C-ECHO, release: what a modality does). The thumbnails are those the
 *       web console shows (its jobs view lists the newest 100 films), in random order, from a worker
 *       thread that keeps 50 requests open (each answered one replaced at once) from before the echo
 *       starts until it ends. For scale, no goal: the same association from this process
 *       (test/support/scu.ts), without echoscu's process start-up: what the server itself adds.
 *       Control, no goal: both echoes, at the same moments, against a second Lightbox (empty store)
 *       that serves no thumbnails: what the load costs any process on this machine (the load
 *       generator and the server share its cores with the echo).
 *   G4  idle RSS of the server with that store: at most 20 MiB above the same server's with an
 *       empty store (median of 3 paired differences). The six servers are started first and left
 *       idle while G1 to G3 are measured (they take no part), then read once at least 45 s old and
 *       still: V8 hands start-up garbage back after 7 to 31 s (see readIdleRss).
 *
 * The store: one film is printed to a Lightbox first (DCMTK dcmpsprt + dcmprscu, 12 CT images on
 * 14INX17IN STANDARD\3,4: an association of 40 DIMSE messages) and rendered. Its film.json,
 * render.json and thumb.png, its index row and its association record (read back with the store)
 * are the template for 10,000 films and 10,000 associations, written by this process with the
 * store's own classes (src/store/) into a fresh data directory: UIDs, ids, calling AE titles (four
 * modalities) and times changed, one film every 7 minutes, 1000 index rows per transaction. The
 * films carry no pixel files (neither do they need to: they are rendered already).
 *
 * The page cache holds the data directory throughout (it was just written): start-up is measured
 * warm, as after a restart, not after a reboot.
 *
 * This is a measurement, not a test: the exit code is 0 whether or not the goals are met, and
 * non-zero only when something failed to run (a server did not start, the print failed, a request
 * did not answer 200, an echo failed).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CommandField } from '../src/dicom/dimse/command-fields.js';
import { Uid } from '../src/dicom/uids.js';
import type { FilmRecord } from '../src/print/spool.js';
import type { AssociationSummary } from '../src/store/association-record.js';
import { DATABASE_FILE, Store } from '../src/store/store.js';
import { dcmPrint, generateImages } from '../test/support/dcmprint.js';
import { Scu } from '../test/support/scu.js';
import {
  DCMTK_ENV,
  fmtMiB,
  fmtMs,
  HOST,
  median,
  pairedRatios,
  percentile,
  procCpuMs,
  progress,
  runBench,
  runProgram,
  type Server,
  sampleAlternating,
  settledRss,
  sleep,
  startLightbox,
  stopChild,
  withWorkDir,
} from './support.js';

const SELF = fileURLToPath(import.meta.url);
/** Shared with bench:print and the interoperability tests: generated once per machine. */
const IMAGE_DIR = join(tmpdir(), 'lightbox-test-images-v1');
const CALLED_AE = 'LIGHTBOX';

const FILMS = 10_000;
/** One association per film: the one that printed it. */
const ROWS_PER_TRANSACTION = 1000;
/** Seeded films are printed one every 7 minutes from here on (about 49 days in all). */
const SEED_START = Date.parse('2026-01-05T08:00:00.000Z');
const SEED_INTERVAL_MS = 7 * 60_000;
/** The seeded films' calling AE titles, in turn: a filter on one matches a quarter of the films. */
const CALLING_AES = ['CT_ROOM1', 'MR_ROOM2', 'CR_ROOM3', 'US_ROOM4'] as const;

const STARTUP_RUNS = 5;
const STARTUP_GOAL_MS = 3000;
const LIST_REQUESTS = 500;
const LIST_WARMUP = 50;
const LIST_GOAL_P99_MS = 50;
const ECHO_PAIRS = 20;
const THUMBS_IN_FLIGHT = 50;
/** The films whose thumbnails the web console shows: web/js/views/jobs.js lists the newest 100. */
const CONSOLE_FILMS = 100;
const ECHO_GOAL_RATIO = 2;
const RSS_PAIRS = 3;
const RSS_GOAL_MIB = 20;
/** Idle RSS is read once the servers are this old (from /healthz 200) and RSS has held still this long. */
const RSS_MIN_AGE_MS = 45_000;
const RSS_QUIET_MS = 3000;
const RSS_MAX_MS = 30_000;
const RENDER_TIMEOUT_MS = 60_000;
/** echoscu timeouts (seconds): a hung SCP fails the run instead of hanging it. */
const ECHOSCU_ARGS = ['-aec', CALLED_AE, '-to', '10', '-ta', '10', '-td', '10'];

type LightboxServer = Server & { httpPort: number; readyMs: number };

// ---------------------------------------------------------------- small helpers

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

const apiOf = (s: LightboxServer) => `http://${HOST}:${s.httpPort}`;

/** Stop a server and take it off the list withWorkDir stops at the end. */
async function stop(s: Server, servers: Server[]): Promise<void> {
  await stopChild(s.child);
  servers.splice(servers.indexOf(s), 1);
}

async function start(dir: string, servers: Server[]): Promise<LightboxServer> {
  const s = await startLightbox(dir, { render: true, pollMs: 10 });
  servers.push(s);
  return s;
}

// ---------------------------------------------------------------- the template: one real film

interface Template {
  filmJson: FilmRecord;
  renderJson: Buffer;
  thumb: Buffer;
  association: AssociationSummary;
  imageBoxes: number;
}

/** Print one film with DCMTK to a fresh Lightbox, wait for its render, read it back as a template. */
async function printTemplate(work: string, ct: readonly string[], servers: Server[]): Promise<Template> {
  const dir = join(work, 'template');
  const s = await start(dir, servers);
  const r = await dcmPrint(
    { port: s.dicomPort, calledAe: CALLED_AE, images: ct.slice(0, 12), columns: 3, rows: 4 },
    join(work, 'scu'),
  );
  const bad = r.exchanges.filter((x) => x.status !== 0);
  if (r.accepted !== 1 || r.aborted || bad.length > 0)
    throw new Error(`template print failed: ${r.errors.join('; ')} ${JSON.stringify(bad)}`);
  const deadline = performance.now() + RENDER_TIMEOUT_MS;
  for (;;) {
    const films = await getJson<{ render: string }[]>(`${apiOf(s)}/api/films`);
    if (films.length === 1 && films[0]!.render === 'rendered') break;
    if (films.length === 1 && films[0]!.render !== 'pending')
      throw new Error(`template film: render ${films[0]!.render}`);
    if (performance.now() > deadline) throw new Error('template film not rendered in time');
    await sleep(100);
  }
  await stop(s, servers);
  const store = new Store(dir);
  try {
    const film = store.films.list({}, { limit: 1, order: 'asc' }).items[0]!;
    const association = film.associationId ? store.associations.get(film.associationId) : undefined;
    if (!association) throw new Error(`template film ${film.id}: no association record`);
    const files = store.filmFiles.local(film.id);
    return {
      filmJson: JSON.parse(readFileSync(join(files, 'film.json'), 'utf8')) as FilmRecord,
      renderJson: readFileSync(join(files, 'render.json')),
      thumb: readFileSync(join(files, 'thumb.png')),
      association,
      imageBoxes: film.imageBoxes,
    };
  } finally {
    store.close();
  }
}

// ---------------------------------------------------------------- seeding

interface Seeded {
  ids: string[];
  ms: number;
  filmBytes: number;
  dbBytes: number;
  messagesPerAssociation: number;
}

const UID = /\b2\.25\.(\d{20,39})\b/g;

/** Film n's own UIDs: each of the template's with its last 8 digits replaced by n. */
const remapUids = (text: string, n: number) =>
  text.replace(UID, (_, digits: string) => `2.25.${digits.slice(0, -8)}${String(n).padStart(8, '0')}`);

const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** The spool's film id: job creation time, printer, the job UID's tail, film number. */
function filmId(createdAt: string, printer: string, jobUid: string): string {
  const stamp = createdAt.replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${printer}-${jobUid.slice(-12)}-01`;
}

/** 10,000 films and their associations, from the template, in a fresh data directory. */
function seed(dir: string, t: Template): Seeded {
  const t0 = performance.now();
  const filmText = JSON.stringify(t.filmJson);
  const assocText = JSON.stringify(t.association);
  const printedAt0 = Date.parse(t.filmJson.printedAt);
  const ids: string[] = [];
  let filmBytes = 0;
  const store = new Store(dir, {
    onError: (e, what) => {
      throw new Error(`seeding ${what}: ${e.message}`);
    },
  });
  try {
    for (let first = 0; first < FILMS; first += ROWS_PER_TRANSACTION) {
      store.db.transaction(() => {
        for (let n = first; n < Math.min(first + ROWS_PER_TRANSACTION, FILMS); n++) {
          const shift = SEED_START + n * SEED_INTERVAL_MS - printedAt0;
          const callingAe = CALLING_AES[n % CALLING_AES.length]!;
          const associationId = store.associations.nextId();

          const a = JSON.parse(remapUids(assocText, n)) as AssociationSummary;
          a.id = associationId;
          a.peer = `127.0.0.1:${30000 + (n % 30000)}`;
          a.callingAeTitle = callingAe;
          a.startedAt = shifted(a.startedAt, shift);
          if (a.endedAt) a.endedAt = shifted(a.endedAt, shift);
          for (const m of a.messages) m.at += shift;

          const f = JSON.parse(remapUids(filmText, n)) as FilmRecord & { associationId?: string };
          f.job.createdAt = shifted(f.job.createdAt, shift);
          f.job.originator = callingAe;
          f.callingAeTitle = callingAe;
          f.associationId = associationId;
          f.printedAt = shifted(f.printedAt, shift);
          const id = filmId(f.job.createdAt, f.printer.aeTitle, f.job.uid);
          const json = Buffer.from(JSON.stringify(f, null, 1));
          const filmDir = store.filmFiles.local(id);
          mkdirSync(filmDir);
          writeFileSync(join(filmDir, 'film.json'), json);
          writeFileSync(join(filmDir, 'render.json'), t.renderJson);
          writeFileSync(join(filmDir, 'thumb.png'), t.thumb);
          const bytes = json.length + t.renderJson.length + t.thumb.length;
          filmBytes += bytes;

          store.associations.ended(a);
          store.films.add({
            id,
            printer: f.printer.aeTitle,
            callingAeTitle: callingAe,
            jobUid: f.job.uid,
            filmBoxUid: f.filmBox.uid,
            associationId,
            printedAt: f.printedAt,
            imageBoxes: t.imageBoxes,
            bytes,
            render: 'rendered',
            pinned: false,
          });
          ids.push(id);
        }
      })();
    }
    const films = store.films.totals().films;
    const associations = store.db
      .prepare<[], { n: number }>('SELECT count(*) AS n FROM associations')
      .get()!.n;
    if (films !== FILMS || associations !== FILMS)
      throw new Error(`seeded ${films} films and ${associations} associations, not ${FILMS} of each`);
  } finally {
    store.close();
  }
  return {
    ids,
    ms: performance.now() - t0,
    filmBytes,
    dbBytes: statSync(join(dir, DATABASE_FILE)).size,
    messagesPerAssociation: t.association.messages.length,
  };
}

// ---------------------------------------------------------------- G1 start-up

interface DataDir {
  name: 'empty' | '10k';
  dir: string;
}

async function measureStartup(dirs: readonly DataDir[], servers: Server[]): Promise<Map<string, number[]>> {
  progress(`G1 start-up: ${STARTUP_RUNS} starts per data directory, alternating`);
  return sampleAlternating(dirs, STARTUP_RUNS, async (d) => {
    const s = await start(d.dir, servers);
    await stop(s, servers);
    return s.readyMs;
  });
}

// ---------------------------------------------------------------- G4 idle RSS

interface RssResult {
  /** Settled RSS in MiB of each pair's servers, pair by pair. */
  empty: number[];
  full: number[];
}

/** Servers left idle from the start of the measurements to their end, then read. */
interface IdleServers {
  started: { d: DataDir; s: LightboxServer }[];
  /** performance.now() when the last of them answered /healthz. */
  youngest: number;
}

async function startIdleServers(dirs: readonly DataDir[], servers: Server[]): Promise<IdleServers> {
  progress(`G4 idle RSS: ${RSS_PAIRS} servers per data directory, left idle until the end`);
  const started: IdleServers['started'] = [];
  for (let i = 0; i < RSS_PAIRS; i++) {
    const order = i % 2 === 0 ? dirs : [...dirs].reverse();
    for (const d of order) started.push({ d, s: await start(d.dir, servers) });
  }
  return { started, youngest: performance.now() };
}

/**
 * V8's memory reducer hands about 20 MiB of start-up garbage back some time after start: 7 s on a
 * quiet machine, up to 31 s seen on a busy one. So RSS is read once every server is RSS_MIN_AGE_MS
 * old and has held still for RSS_QUIET_MS.
 */
async function readIdleRss(idle: IdleServers, servers: Server[]): Promise<RssResult> {
  await sleep(RSS_MIN_AGE_MS - (performance.now() - idle.youngest));
  const { started } = idle;
  const rss = await Promise.all(started.map((x) => settledRss(x.s.child.pid, RSS_QUIET_MS, RSS_MAX_MS)));
  if (rss.some((x) => x === undefined)) throw new Error('an idle server exited');
  for (const x of started) await stop(x.s, servers);
  const of = (name: DataDir['name']) => started.flatMap((x, i) => (x.d.name === name ? [rss[i]!] : []));
  const result = { empty: of('empty'), full: of('10k') };
  const mib = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
  progress(`G4 idle RSS: empty [${mib(result.empty)}]  10k [${mib(result.full)}] MiB`);
  return result;
}

// ---------------------------------------------------------------- the seeded store, as the server sees it

interface FilmDetail {
  renderStatus: string;
  associationId?: string;
  film: unknown;
  outcome?: { boxes: { status: { source: string } | null }[] };
}

/**
 * One seeded film read back through the API: rendered, its film.json there, each image box's
 * status found in its association's messages (so the UIDs of film and record agree), its record
 * whole, its thumbnail served.
 */
async function checkSeeded(s: LightboxServer, id: string, t: Template): Promise<void> {
  const api = apiOf(s);
  const f = await getJson<FilmDetail>(`${api}/api/films/${id}`);
  const fromConversation = f.outcome?.boxes.filter((b) => b.status?.source === 'conversation').length;
  if (f.renderStatus !== 'rendered' || !f.film || fromConversation !== t.imageBoxes || !f.associationId)
    throw new Error(
      `seeded film ${id}: render ${f.renderStatus}, ${fromConversation} of ${t.imageBoxes} box statuses from its association`,
    );
  const a = await getJson<{ messages: unknown[] }>(`${api}/api/associations/${f.associationId}`);
  if (a.messages.length !== t.association.messages.length)
    throw new Error(`seeded association ${f.associationId}: ${a.messages.length} messages`);
  const thumb = await fetch(`${api}/api/films/${id}/thumb.png`);
  if (thumb.status !== 200 || (await thumb.arrayBuffer()).byteLength !== t.thumb.length)
    throw new Error(`seeded film ${id}: thumb.png HTTP ${thumb.status}`);
}

// ---------------------------------------------------------------- G2 film listings

interface ListVariant {
  name: string;
  path: string;
  /** Items a page must hold. */
  items: number;
}

/** The cursor after `rows` films of a listing, paged through 1000 at a time. */
async function cursorAfter(api: string, query: string, rows: number): Promise<string> {
  let cursor: string | undefined;
  for (let seen = 0; seen < rows; seen += 1000) {
    const r = await fetch(`${api}/api/films?limit=1000${query}${cursor ? `&cursor=${cursor}` : ''}`);
    await r.arrayBuffer();
    cursor = r.headers.get('x-next-cursor') ?? undefined;
    if (r.status !== 200 || !cursor) throw new Error(`paging ${query}: HTTP ${r.status}, no next cursor`);
  }
  return cursor!;
}

async function listVariants(api: string): Promise<ListVariant[]> {
  const ae = CALLING_AES[1];
  const since = new Date(SEED_START + (FILMS / 2) * SEED_INTERVAL_MS).toISOString();
  return [
    { name: 'first page', path: '/api/films?limit=50', items: 50 },
    {
      name: 'cursor after 9,000 films',
      path: `/api/films?limit=50&cursor=${await cursorAfter(api, '', 9000)}`,
      items: 50,
    },
    {
      name: 'newest first, cursor after 9,000 films',
      path: `/api/films?limit=50&order=desc&cursor=${await cursorAfter(api, '&order=desc', 9000)}`,
      items: 50,
    },
    {
      name: `callingAe=${ae} (1 in 4), cursor after 2,000 of its films`,
      path: `/api/films?limit=50&callingAe=${ae}&cursor=${await cursorAfter(api, `&callingAe=${ae}`, 2000)}`,
      items: 50,
    },
    {
      name: 'since the middle of the range, newest first',
      path: `/api/films?limit=50&since=${since}&order=desc`,
      items: 50,
    },
  ];
}

async function timedList(api: string, v: ListVariant): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${api}${v.path}`);
  const body = (await r.json()) as unknown[];
  const ms = performance.now() - t0;
  if (r.status !== 200 || body.length !== v.items)
    throw new Error(`GET ${v.path}: HTTP ${r.status}, ${body.length} items (expected ${v.items})`);
  return ms;
}

async function measureLists(s: LightboxServer): Promise<{ v: ListVariant; ms: number[] }[]> {
  const api = apiOf(s);
  const variants = await listVariants(api);
  progress(
    `G2 listings: ${variants.length} variants, ${LIST_WARMUP} warm-up + ${LIST_REQUESTS} requests each, in turn`,
  );
  for (let i = 0; i < LIST_WARMUP; i++) for (const v of variants) await timedList(api, v);
  const out = variants.map((v) => ({ v, ms: [] as number[] }));
  for (let i = 0; i < LIST_REQUESTS; i++) for (const x of out) x.ms.push(await timedList(api, x.v));
  for (const x of out)
    progress(`    ${x.v.name}: p50 ${fmtMs(percentile(x.ms, 50))}, p99 ${fmtMs(percentile(x.ms, 99))} ms`);
  return out;
}

// ---------------------------------------------------------------- G3 echo under thumbnail load

interface LoadJob {
  api: string;
  ids: string[];
  inFlight: number;
}

type ToWorker = { type: 'start' } | { type: 'stop' };
type FromWorker =
  | { type: 'started' }
  | { type: 'stopped'; responses: number; bytes: number }
  | { type: 'failed'; error: string };

/**
 * The worker thread's body: on 'start', keep job.inFlight thumbnail requests open (each answered one
 * replaced by the next at once), say 'started' once as many have been answered; on 'stop', let the
 * open ones finish and report how many were answered.
 */
function thumbnailLoad(job: LoadJob): void {
  const port = parentPort!;
  let running = false;
  let responses = 0;
  let bytes = 0;
  let loops: Promise<void>[] = [];
  // node:http rather than fetch: about half the CPU per request, which the server would compete for.
  const agent = new HttpAgent({ keepAlive: true, maxSockets: job.inFlight });
  const thumb = (id: string) =>
    new Promise<number>((res, rej) => {
      const req = httpGet(`${job.api}/api/films/${id}/thumb.png`, { agent }, (r) => {
        let n = 0;
        r.on('data', (c: Buffer) => {
          n += c.length;
        });
        r.once('end', () =>
          r.statusCode === 200 && n > 0 ? res(n) : rej(new Error(`thumb.png of ${id}: HTTP ${r.statusCode}`)),
        );
        r.once('error', rej);
      });
      req.once('error', rej);
    });
  const loop = async () => {
    while (running) {
      bytes += await thumb(job.ids[Math.floor(Math.random() * job.ids.length)]!);
      if (++responses === job.inFlight) port.postMessage({ type: 'started' } satisfies FromWorker);
    }
  };
  const fail = (e: unknown) =>
    port.postMessage({
      type: 'failed',
      error: e instanceof Error ? e.message : String(e),
    } satisfies FromWorker);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'start') {
      running = true;
      responses = 0;
      bytes = 0;
      loops = Array.from({ length: job.inFlight }, loop);
      for (const l of loops) l.catch(fail);
    } else {
      running = false;
      Promise.all(loops)
        .then(() => port.postMessage({ type: 'stopped', responses, bytes } satisfies FromWorker))
        .catch(fail);
    }
  });
}

/** The load generator, seen from the main thread. */
class ThumbnailLoad {
  readonly #worker: Worker;
  #waiting: { type: FromWorker['type']; res: (m: FromWorker) => void; rej: (e: Error) => void } | undefined;

  constructor(job: LoadJob) {
    this.#worker = new Worker(SELF, { workerData: job });
    this.#worker.on('message', (m: FromWorker) => {
      const w = this.#waiting;
      if (!w) return;
      this.#waiting = undefined;
      if (m.type === 'failed') w.rej(new Error(`thumbnail load: ${m.error}`));
      else if (m.type === w.type) w.res(m);
    });
    this.#worker.on('error', (e) => this.#waiting?.rej(e));
  }

  #ask(m: ToWorker, answer: FromWorker['type']): Promise<FromWorker> {
    return new Promise((res, rej) => {
      this.#waiting = { type: answer, res, rej };
      this.#worker.postMessage(m);
    });
  }

  /** Resolves once the first `inFlight` responses are in: the server is busy with the load. */
  async start(): Promise<void> {
    await this.#ask({ type: 'start' }, 'started');
  }

  async stop(): Promise<{ responses: number; bytes: number }> {
    const m = await this.#ask({ type: 'stop' }, 'stopped');
    return m as { responses: number; bytes: number };
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

interface EchoSeries {
  idle: number[];
  loaded: number[];
}

interface EchoResult {
  /** Against the server the thumbnails are asked of: echoscu (the goal), and from this process. */
  echoscu: EchoSeries;
  inProcess: EchoSeries;
  /** The same against a second Lightbox (empty store) that serves no thumbnails: the machine's share. */
  bystanderEchoscu: EchoSeries;
  bystanderInProcess: EchoSeries;
  thumbsPerS: number;
  /** CPU used while loaded, as a share of one core: the server's, and this process's (load worker). */
  serverCpu: number;
  benchCpu: number;
}

async function timeEchoscu(s: Server): Promise<number> {
  const t0 = performance.now();
  await runProgram('echoscu', [...ECHOSCU_ARGS, HOST, String(s.dicomPort)], DCMTK_ENV);
  return performance.now() - t0;
}

/** A whole association from this process: associate, one C-ECHO, release (bench:echo's B2, via test/support/scu.ts). */
async function timeInProcessEcho(s: Server): Promise<number> {
  const t0 = performance.now();
  const scu = await Scu.open(s.dicomPort, {
    called: CALLED_AE,
    calling: 'BENCH',
    abstractSyntaxes: [Uid.Verification],
  });
  try {
    const r = await scu.request(Uid.Verification, {
      commandField: CommandField.C_ECHO_RQ,
      affectedSopClassUid: Uid.Verification,
    });
    if (r.command.status !== 0) throw new Error(`in-process C-ECHO: status ${r.command.status}`);
    await scu.release();
  } catch (e) {
    scu.destroy();
    throw e;
  }
  return performance.now() - t0;
}

async function measureEcho(s: LightboxServer, bystander: Server, ids: string[]): Promise<EchoResult> {
  progress(
    `G3 C-ECHO: ${ECHO_PAIRS} idle/loaded pairs (order alternating), ${THUMBS_IN_FLIGHT} thumbnails in flight`,
  );
  const load = new ThumbnailLoad({ api: apiOf(s), ids, inFlight: THUMBS_IN_FLIGHT });
  const r: EchoResult = {
    echoscu: { idle: [], loaded: [] },
    inProcess: { idle: [], loaded: [] },
    bystanderEchoscu: { idle: [], loaded: [] },
    bystanderInProcess: { idle: [], loaded: [] },
    thumbsPerS: 0,
    serverCpu: 0,
    benchCpu: 0,
  };
  let loadMs = 0;
  let cpuMs = 0;
  let benchCpuUs = 0;
  let thumbs = 0;
  try {
    // Warm-up: both echoes, idle and loaded.
    for (let i = 0; i < 3; i++) {
      await timeEchoscu(s);
      await timeInProcessEcho(s);
    }
    await load.start();
    await timeEchoscu(s);
    await timeInProcessEcho(s);
    await load.stop();
    for (let i = 0; i < ECHO_PAIRS; i++) {
      const phases = i % 2 === 0 ? (['idle', 'loaded'] as const) : (['loaded', 'idle'] as const);
      for (const phase of phases) {
        if (phase === 'loaded') await load.start();
        const t0 = performance.now();
        const cpu0 = procCpuMs(s.child.pid) ?? 0;
        const benchCpu0 = process.cpuUsage();
        r.echoscu[phase].push(await timeEchoscu(s));
        r.bystanderEchoscu[phase].push(await timeEchoscu(bystander));
        r.inProcess[phase].push(await timeInProcessEcho(s));
        r.bystanderInProcess[phase].push(await timeInProcessEcho(bystander));
        if (phase === 'loaded') {
          cpuMs += (procCpuMs(s.child.pid) ?? 0) - cpu0;
          const used = process.cpuUsage(benchCpu0);
          benchCpuUs += used.user + used.system;
          loadMs += performance.now() - t0;
          thumbs += (await load.stop()).responses;
        }
      }
    }
  } finally {
    await load.terminate();
  }
  r.thumbsPerS = thumbs / (loadMs / 1000);
  r.serverCpu = cpuMs / loadMs;
  r.benchCpu = benchCpuUs / 1000 / loadMs;
  const line = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
  progress(`    echoscu idle [${line(r.echoscu.idle)}]`);
  progress(`    echoscu loaded [${line(r.echoscu.loaded)}]`);
  progress(`    in-process idle [${line(r.inProcess.idle)}]  loaded [${line(r.inProcess.loaded)}] ms`);
  progress(
    `    bystander: echoscu idle [${line(r.bystanderEchoscu.idle)}] loaded [${line(r.bystanderEchoscu.loaded)}]`,
  );
  progress(
    `    bystander: in-process idle [${line(r.bystanderInProcess.idle)}] loaded [${line(r.bystanderInProcess.loaded)}] ms`,
  );
  return r;
}

// ---------------------------------------------------------------- report

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** "2.10 (median 84.0 / 40.0 ms; paired 2.05, 20 pairs)": loaded over idle, both ways. */
function loadedOverIdle(x: EchoSeries): string {
  const [loaded, idle] = [median(x.loaded), median(x.idle)];
  const paired = pairedRatios(x.loaded, x.idle);
  return (
    `${(loaded / idle).toFixed(2)} (median ${fmtMs(loaded)} / ${fmtMs(idle)} ms; ` +
    `paired ${paired.median.toFixed(2)}, ${paired.pairs} pairs)`
  );
}

function report(
  seeded: Seeded,
  startup: Map<string, number[]>,
  lists: { v: ListVariant; ms: number[] }[],
  echo: EchoResult,
  rss: RssResult,
): string[] {
  const full = startup.get('10k')!;
  const empty = startup.get('empty')!;
  const fullMax = Math.max(...full);
  const rssDiffs = rss.full.map((x, i) => x - rss.empty[i]!);
  const rssDiff = median(rssDiffs);
  const eRatio = median(echo.echoscu.loaded) / median(echo.echoscu.idle);
  const store = `${FILMS.toLocaleString('en')} films + ${FILMS.toLocaleString('en')} associations`;
  const rows: string[][] = [
    [
      `G1 start-up, spawn to /healthz 200, ${store}`,
      `<= ${STARTUP_GOAL_MS} ms`,
      `max ${fmtMs(fullMax)} ms (median ${fmtMs(median(full))}, ${full.length} starts)`,
      verdict(fullMax <= STARTUP_GOAL_MS),
    ],
    [
      'G1 (for scale) the same, empty data directory',
      '-',
      `max ${fmtMs(Math.max(...empty))} ms (median ${fmtMs(median(empty))}); 10k/empty ${(median(full) / median(empty)).toFixed(2)}`,
      '-',
    ],
    ...lists.map((x) => {
      const p99 = percentile(x.ms, 99);
      return [
        `G2 GET /api/films?limit=50, ${x.v.name}`,
        `p99 <= ${LIST_GOAL_P99_MS} ms`,
        `p99 ${fmtMs(p99)} ms (p50 ${fmtMs(percentile(x.ms, 50))}, max ${fmtMs(Math.max(...x.ms))}, ${x.ms.length} requests)`,
        verdict(p99 <= LIST_GOAL_P99_MS),
      ];
    }),
    [
      `G3 C-ECHO (echoscu) with ${THUMBS_IN_FLIGHT} thumb.png in flight / idle`,
      `<= ${ECHO_GOAL_RATIO.toFixed(1)}`,
      loadedOverIdle(echo.echoscu),
      verdict(eRatio <= ECHO_GOAL_RATIO),
    ],
    [
      'G3 (for scale) the same association from this process, loaded / idle',
      '-',
      loadedOverIdle(echo.inProcess),
      '-',
    ],
    [
      'G3 (control) echoscu to a second Lightbox (empty store, no thumbnails asked), same load',
      '-',
      loadedOverIdle(echo.bystanderEchoscu),
      '-',
    ],
    [
      'G3 (control) the same association from this process to that second Lightbox',
      '-',
      loadedOverIdle(echo.bystanderInProcess),
      '-',
    ],
    [
      `G4 idle RSS, ${store} minus empty store`,
      `<= ${RSS_GOAL_MIB} MiB`,
      `${rssDiff >= 0 ? '+' : ''}${rssDiff.toFixed(1)} MiB (median of ${rssDiffs.length} pairs: ${rssDiffs.map((d) => d.toFixed(1)).join(', ')})`,
      verdict(rssDiff <= RSS_GOAL_MIB),
    ],
  ];
  const out = ['| goal | target | measured | verdict |', '|---|---|---|:---:|'];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  out.push(
    '',
    `store: ${store} (${seeded.messagesPerAssociation} messages each), seeded in ${(seeded.ms / 1000).toFixed(1)} s; ` +
      `index database ${fmtMiB(seeded.dbBytes / 2 ** 20)}, film files ${fmtMiB(seeded.filmBytes / 2 ** 20)}`,
    `G1 starts, ms: 10k [${list(full)}], empty [${list(empty)}]`,
    `G3 while loaded: ${echo.thumbsPerS.toFixed(0)} thumb.png/s answered, CPU: server ${(echo.serverCpu * 100).toFixed(0)} %, bench process ${(echo.benchCpu * 100).toFixed(0)} % of one core; ` +
      `echoscu loaded [${list(echo.echoscu.loaded)}] idle [${list(echo.echoscu.idle)}] ms`,
    `G4 settled RSS, MiB: 10k [${rss.full.map((x) => x.toFixed(1)).join(', ')}], empty [${rss.empty.map((x) => x.toFixed(1)).join(', ')}]`,
  );
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const tStart = performance.now();
  await withWorkDir<Server>('lightbox-bench-store-', 20, async (work, servers) => {
    progress(`bench:store: test images in ${IMAGE_DIR} (generated on first use)`);
    const images = await generateImages(IMAGE_DIR);
    progress('template: one 3x4 film printed with dcmprscu to a fresh Lightbox, rendered');
    const template = await printTemplate(work, images.ct, servers);
    const dirs: DataDir[] = [
      { name: 'empty', dir: join(work, 'empty') },
      { name: '10k', dir: join(work, 'seeded') },
    ];
    progress(`seeding ${FILMS} films and ${FILMS} associations`);
    const seeded = seed(dirs[1]!.dir, template);
    progress(`    ${(seeded.ms / 1000).toFixed(1)} s`);
    // G4's servers age while the others are measured (they only idle): see readIdleRss.
    const idle = await startIdleServers(dirs, servers);
    const startup = await measureStartup(dirs, servers);
    const server = await start(dirs[1]!.dir, servers);
    const bystander = await start(dirs[0]!.dir, servers);
    await checkSeeded(server, seeded.ids[FILMS / 2]!, template);
    const lists = await measureLists(server);
    const echo = await measureEcho(server, bystander, seeded.ids.slice(-CONSOLE_FILMS));
    await stop(server, servers);
    await stop(bystander, servers);
    const rss = await readIdleRss(idle, servers);
    const out = report(seeded, startup, lists, echo, rss);
    out.push('', `total bench time: ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

if (isMainThread) runBench(main);
else thumbnailLoad(workerData as LoadJob);
