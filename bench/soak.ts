/**
 * Soak benchmark: Lightbox under hostile load, as `npm start` runs it (its V8 flags, default
 * options; --no-render, so that rendering does not add its own noise to the timings).
 *
 * A. Modalities while hostile sockets are held. 100 sockets that connect and send nothing, and 64
 *    that trickle a valid A-ASSOCIATE-RQ at one byte every 5 s, from 41 loopback addresses
 *    (127.0.0.2-42, so that no address passes the per-address bound), each reopened 20 ms after
 *    Lightbox closes it (--associate-timeout does that after 5 s): an attacker that keeps them held.
 *    Measured, with and without that load (wall time, ms, medians): an `echoscu` process (one
 *    association, one C-ECHO: what a modality's "test connection" button does); the same from an
 *    in-process SCU (connect, A-ASSOCIATE, C-ECHO, A-RELEASE: the server's own delay, without
 *    echoscu's start-up); and a DCMTK print (`dcmprscu`, one film, STANDARD\2,2 with four 512x512
 *    CT images, prepared once with dcmpsprt). Order: idle, loaded, idle again (the two idle blocks
 *    pooled), so drift in machine load is shared. Goal: loaded/idle at most 2 for each.
 *    Before this bound existed, 64 silent sockets locked every modality out for 30 s.
 *
 * B. Event stream clients that never read. A fresh Lightbox, left until its RSS settles; 50 HTTP
 *    clients ask for /api/events and never read a byte; 3,000 C-ECHOs then go through, one short
 *    association each (in-process SCU, 8 at a time): some 9,000 events for each client. Measured:
 *    the peak RSS meanwhile (VmHWM, reset before), how many clients Lightbox disconnected, then the
 *    RSS after the clients close, for 30 s. Goals: peak at most 600 MiB; back under 400 MiB within
 *    30 s. Before the bound, 100 such clients and 20,000 C-ECHOs took RSS from 297 MB to 2.41 GB,
 *    still held after they disconnected.
 *
 * C. Large data sets held open (bench/soak-memory.ts): 12 associations each send an image box
 *    N-SET of one 10240x10240 12-bit image (200 MiB), all but its last fragment, and hold it there
 *    together; then each completes it and prints. Goal: peak RSS (VmHWM) under 1.5 GiB. Before the
 *    pixels were streamed to disk, 10 such took RSS from 0.85 to 2.98 GB.
 * D. 64 concurrent W2 prints (one 4096x5120 12-bit image, 40 MiB, each on its own association,
 *    the repo's SCU). Goal: peak RSS under 1 GiB; every print stored or refused with a status.
 *    C and D run on a Lightbox whose printer has its limits raised (16384 px images, 16 GiB of image
 *    memory, 1000 queued jobs, jobs done at once): what is measured is Lightbox, not a printer's
 *    refusal. E: as C, but the 200 MiB data sets are film session N-CREATEs carrying a private OB
 *    attribute (the issue's own case: nothing to stream); the --max-inflight budget holds the first
 *    ones whole and answers the rest 0x0213; goal as C. `--quick` runs C, D and E small (3 x 2 MiB, 8 x 640 KiB), as test/bench runs them.
 *
 * This is a measurement, not a test: the exit code is 0 whether or not the goals are met, and
 * non-zero only when something failed to run (Lightbox did not start, a C-ECHO or a print failed).
 * Runs per phase: --runs N or BENCH_RUNS (default 11 for the echoes, 5 for the print). Needs DCMTK.
 * A and B take about a minute and a half; C and D about as long, and write some 5 GB to disk.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImages, parseDcmprscuLog } from '../test/support/dcmprint.js';
import { Peer } from '../test/support/peer.js';
import { prepareStoredPrint, runTool, type StoredPrint } from './dcmtk-tool.js';
import {
  HOSTILE_ADDRESSES,
  HostileLoad,
  REOPEN_AFTER_MS,
  SILENT,
  TRICKLE_EVERY_MS,
  TRICKLING,
} from './hostile-load.js';
import {
  concurrentPrints,
  heldLargeDatasets,
  heldOpaqueDatasets,
  type MemoryRun,
  outcomeLine,
} from './soak-memory.js';
import {
  fmtMiB,
  fmtMs,
  HOST,
  median,
  numberArg,
  parseRuns,
  procMemoryMiB,
  progress,
  resetPeakRss,
  runBench,
  type Server,
  scrapeMetrics,
  settledRss,
  sleep,
  startLightbox,
  withWorkDir,
} from './support.js';

const AE = 'LIGHTBOX';
const RATIO_GOAL = 2;
const DEFAULT_ECHO_RUNS = 11;
const DEFAULT_PRINT_RUNS = 5;

const DEFAULT_SSE_CLIENTS = 50;
const DEFAULT_ECHOES = 3000;
const ECHO_CONCURRENCY = 8;
const PEAK_GOAL_MIB = 600;
const BACK_GOAL_MIB = 400;
const BACK_WITHIN_MS = 30_000;

const IMAGE_DIR = join(tmpdir(), 'lightbox-test-images-v1');
const ECHOSCU_TIMEOUTS = ['-to', '10', '-ta', '10', '-td', '10'];

type Lightbox = Server & { httpPort: number };

// ---------------------------------------------------------------- tools

async function echoscu(lb: Lightbox): Promise<number> {
  const r = await runTool('echoscu', ['-aec', AE, ...ECHOSCU_TIMEOUTS, HOST, String(lb.dicomPort)], 30_000);
  if (r.code !== 0) throw new Error(`echoscu failed (exit ${r.code}):\n${r.output}`);
  return r.ms;
}

/** One short association from the in-process SCU: connect, associate, C-ECHO, release. */
async function echoAssociation(lb: Lightbox): Promise<number> {
  const t0 = performance.now();
  const p = await Peer.connect(lb.dicomPort, HOST);
  try {
    await p.associate({ calling: 'SOAKSCU' });
    const r = await p.echo(1);
    if (r.status !== 0) throw new Error(`C-ECHO status 0x${(r.status ?? -1).toString(16)}`);
    await p.release();
  } finally {
    p.destroy();
  }
  return performance.now() - t0;
}

/** One film (STANDARD\\2,2, four CT images) as a Stored Print, built once with dcmpsprt. */
async function preparePrint(lb: Lightbox, dir: string): Promise<StoredPrint> {
  const images = (await generateImages(IMAGE_DIR)).ct.slice(0, 4);
  return prepareStoredPrint(dir, {
    port: lb.dicomPort,
    calledAe: AE,
    images,
    columns: 2,
    rows: 2,
    filmSize: '14INX17IN',
  });
}

async function print(job: StoredPrint): Promise<number> {
  const r = await runTool('dcmprscu', ['-d', '-c', job.cfg, '-p', 'TARGET', job.storedPrint], 60_000);
  const log = parseDcmprscuLog(r.output);
  const failed = log.exchanges.filter((x) => x.status !== 0 && (x.status & 0xf000) !== 0xb000);
  if (r.code !== 0 || log.accepted !== 1 || log.aborted || failed.length > 0 || log.errors.length > 0) {
    const tail = r.output.split('\n').slice(-30).join('\n');
    throw new Error(`dcmprscu failed (exit ${r.code}, ${log.accepted} accepted):\n${tail}`);
  }
  return r.ms;
}

// ---------------------------------------------------------------- A: modalities under load

interface Phase {
  echoscu: number[];
  inProcess: number[];
  print: number[];
}

async function phase(lb: Lightbox, job: StoredPrint, echoRuns: number, printRuns: number): Promise<Phase> {
  const p: Phase = { echoscu: [], inProcess: [], print: [] };
  for (let i = 0; i < echoRuns; i++) {
    p.echoscu.push(await echoscu(lb));
    p.inProcess.push(await echoAssociation(lb));
  }
  for (let i = 0; i < printRuns; i++) p.print.push(await print(job));
  const line = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  progress(
    `    echoscu [${line(p.echoscu)}]  in-process [${line(p.inProcess)}]  print [${line(p.print)}] ms`,
  );
  return p;
}

async function modalitiesUnderLoad(workDir: string, servers: Server[], runs: number | undefined) {
  const lb = await startLightbox(join(workDir, 'a'), { render: false });
  servers.push(lb);
  const job = await preparePrint(lb, join(workDir, 'print'));
  const echoRuns = runs ?? DEFAULT_ECHO_RUNS;
  const printRuns = runs ?? DEFAULT_PRINT_RUNS;
  progress('A. warm-up');
  await phase(lb, job, 3, 2);
  progress('A. idle');
  const idle1 = await phase(lb, job, echoRuns, printRuns);

  const load = new HostileLoad(lb.dicomPort);
  await load.start();
  // Lightbox has closed (and the attacker reopened) the first wave by now.
  await sleep(1500);
  const before = await scrapeMetrics(lb.httpPort);
  progress(`A. loaded (${load.held} hostile sockets open)`);
  const loaded = await phase(lb, job, echoRuns, printRuns);
  const during = await scrapeMetrics(lb.httpPort);
  const heldAtEnd = load.held;
  load.stop();
  await sleep(500);

  progress('A. idle again');
  const idle2 = await phase(lb, job, echoRuns, printRuns);

  const rows: [string, number[], number[]][] = [
    ['C-ECHO, echoscu process', [...idle1.echoscu, ...idle2.echoscu], loaded.echoscu],
    ['C-ECHO, in-process association', [...idle1.inProcess, ...idle2.inProcess], loaded.inProcess],
    ['print, dcmprscu 1 film 2x2 CT', [...idle1.print, ...idle2.print], loaded.print],
  ];
  const out: string[] = [];
  out.push(
    '',
    `A. Modalities while ${SILENT} silent + ${TRICKLING} trickling (1 byte / ${TRICKLE_EVERY_MS / 1000} s) sockets are held`,
    `   (from ${HOSTILE_ADDRESSES} loopback addresses, each reopened ${REOPEN_AFTER_MS} ms after Lightbox closes it; default options)`,
    '',
    `${'what (median wall time)'.padEnd(34)} ${'idle ms'.padStart(9)} ${'loaded ms'.padStart(10)} ${'ratio'.padStart(6)}  goal <= ${RATIO_GOAL}`,
  );
  for (const [name, idle, hostile] of rows) {
    const ratio = median(hostile) / median(idle);
    out.push(
      `${name.padEnd(34)} ${fmtMs(median(idle)).padStart(9)} ${fmtMs(median(hostile)).padStart(10)} ${ratio.toFixed(2).padStart(6)}  ${ratio <= RATIO_GOAL ? 'PASS' : 'FAIL'}`,
    );
  }
  const dropped = (m: Map<string, number>, reason: string) =>
    m.get(`lightbox_dicom_connections_dropped_total{reason="${reason}"}`) ?? 0;
  const unassociated = during.get('lightbox_dicom_connections{phase="unassociated"}');
  out.push(
    '',
    `   during the loaded runs: ${heldAtEnd} hostile sockets open at the end on the attacker's side, ${unassociated} unassociated connections in Lightbox;`,
    `   closed by Lightbox meanwhile: associate-timeout ${dropped(during, 'associate-timeout') - dropped(before, 'associate-timeout')}, ` +
      `evicted ${dropped(during, 'evicted') - dropped(before, 'evicted')}, socket-limit ${dropped(during, 'socket-limit') - dropped(before, 'socket-limit')} ` +
      `(attacker reopened ${load.closedByServer} in all);`,
    `   event loop lag over the loaded runs: p99 ${((during.get('lightbox_event_loop_lag_p99_seconds') ?? 0) * 1000).toFixed(1)} ms, ` +
      `max ${((during.get('lightbox_event_loop_lag_max_seconds') ?? 0) * 1000).toFixed(1)} ms`,
  );
  return out;
}

// ---------------------------------------------------------------- B: event stream clients that never read

/** An HTTP client that asks for the event stream and never reads. */
function stalledClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: HOST }, () => {
      s.pause();
      s.write(`GET /api/events HTTP/1.1\r\nHost: ${HOST}\r\nAccept: text/event-stream\r\n\r\n`);
      resolve(s);
    });
    s.on('error', () => {});
    s.once('error', reject);
  });
}

/** A client that reads the event stream, counting what it is sent. */
function readingClient(port: number): { bytes: () => number; close: () => void } {
  const ac = new AbortController();
  let bytes = 0;
  void (async () => {
    try {
      const res = await fetch(`http://${HOST}:${port}/api/events`, { signal: ac.signal });
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        bytes += value.length;
      }
    } catch {
      // closed at the end
    }
  })();
  return { bytes: () => bytes, close: () => ac.abort() };
}

async function stalledEventClients(
  workDir: string,
  servers: Server[],
  clientCount: number,
  echoCount: number,
) {
  const lb = await startLightbox(join(workDir, 'b'), { render: false });
  servers.push(lb);
  const pid = lb.child.pid;
  progress('B. waiting for RSS to settle after start-up');
  const settled = await settledRss(pid, 3000, 20_000);
  const reset = resetPeakRss(pid);
  const clients = await Promise.all(Array.from({ length: clientCount }, () => stalledClient(lb.httpPort)));
  const control = readingClient(lb.httpPort);
  progress(`B. ${clientCount} stalled event stream clients, ${echoCount} C-ECHOs (one association each)`);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: ECHO_CONCURRENCY }, async () => {
      while (next < echoCount) {
        next++;
        await echoAssociation(lb);
      }
    }),
  );
  const echoMs = performance.now() - t0;
  await sleep(200);
  const peak = procMemoryMiB(pid, 'VmHWM');
  const rssLoaded = procMemoryMiB(pid, 'VmRSS');
  const m = await scrapeMetrics(lb.httpPort);
  const droppedClients = m.get('lightbox_sse_clients_dropped_total') ?? 0;
  const connectedClients = (m.get('lightbox_sse_clients') ?? 1) - 1;
  const sentEach = control.bytes();
  control.close();

  for (const c of clients) c.destroy();
  const closedAt = performance.now();
  let backAfter: number | undefined;
  let rss = procMemoryMiB(pid, 'VmRSS');
  while (performance.now() - closedAt < BACK_WITHIN_MS) {
    rss = procMemoryMiB(pid, 'VmRSS');
    if (backAfter === undefined && rss !== undefined && rss < BACK_GOAL_MIB)
      backAfter = performance.now() - closedAt;
    await sleep(500);
  }
  const rssEnd = procMemoryMiB(pid, 'VmRSS');

  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  return [
    '',
    `B. ${clientCount} event stream clients that never read, ${echoCount} C-ECHOs (one short association each, ${ECHO_CONCURRENCY} at a time)`,
    '',
    `   RSS settled after start-up:      ${fmtMiB(settled)}`,
    `   C-ECHOs took:                    ${(echoMs / 1000).toFixed(1)} s (${((echoCount / echoMs) * 1000).toFixed(0)} associations/s)`,
    `   sent to each client:             ${fmtMiB(sentEach / 1024 / 1024)} of events (what a client that reads received)`,
    `   clients disconnected for not reading: ${droppedClients} of ${clientCount} (still connected: ${connectedClients})`,
    `   peak RSS (VmHWM${reset ? ', reset before the clients' : ', since start: reset refused'}): ${fmtMiB(peak)}   goal <= ${PEAK_GOAL_MIB} MiB  ${pass((peak ?? Infinity) <= PEAK_GOAL_MIB)}`,
    `   RSS after the C-ECHOs:           ${fmtMiB(rssLoaded)}`,
    `   RSS under ${BACK_GOAL_MIB} MiB after the clients closed: ${backAfter === undefined ? 'not within 30 s' : `after ${(backAfter / 1000).toFixed(1)} s`}  ${pass(backAfter !== undefined)}`,
    `   RSS ${BACK_WITHIN_MS / 1000} s after the clients closed:  ${fmtMiB(rssEnd)}`,
  ];
}

// ---------------------------------------------------------------- C and D: memory

const MEMORY_GOALS = { held: 1536, prints: 1024 };
/** The printer of C and D: limits raised so that Lightbox itself is what is measured. */
const RAISED_LIMITS = `aeTitle: LIGHTBOX
name: bench:soak printer with raised limits
maxImageSize: { rows: 16384, columns: 16384 }
memoryBytes: ${16 * 1024 ** 3}
printJob: { pendingMs: 0, msPerFilm: 0, queueLimit: 1000 }
`;

async function memoryScenarios(workDir: string, servers: Server[], quick: boolean, parts: string[]) {
  const dir = join(workDir, 'cd');
  mkdirSync(join(dir, 'printers'), { recursive: true });
  writeFileSync(join(dir, 'printers', 'lightbox.yaml'), RAISED_LIMITS);
  const lb = await startLightbox(dir, { render: false });
  servers.push(lb);
  const pid = lb.child.pid;
  const settled = await settledRss(pid, 3000, 20_000);
  const target = {
    dicomPort: lb.dicomPort,
    memory: {
      resetPeak: () => resetPeakRss(pid),
      read: (field: 'VmHWM' | 'VmRSS') => procMemoryMiB(pid, field),
    },
  };
  const held = quick
    ? { associations: 3, columns: 1024, rows: 1024 }
    : { associations: 12, columns: 10240, rows: 10240 };
  const w2 = quick ? { prints: 8, columns: 512, rows: 640 } : { prints: 64, columns: 4096, rows: 5120 };
  const mib = (o: { columns: number; rows: number }) => (o.columns * o.rows * 2) / 1024 ** 2;
  const out: string[] = ['', `C/D. memory (Lightbox RSS settled after start-up: ${fmtMiB(settled)})`];
  const report = (name: string, r: MemoryRun, goal: number) => {
    const ok = (r.peakMiB ?? Infinity) < goal && r.outcomes.every((x) => x.fate !== 'lost');
    out.push(
      '',
      `   ${name}`,
      `     outcomes: ${outcomeLine(r.outcomes)}`,
      `     peak RSS (VmHWM${r.peakReset ? ', reset before' : ', since start: reset refused'}): ${fmtMiB(r.peakMiB)}   goal < ${goal} MiB, none lost  ${ok ? 'PASS' : 'FAIL'}`,
      `     RSS ${name.startsWith('D') ? 'highest sample' : 'while all were held'}: ${fmtMiB(r.rssMiB)}; took ${(r.ms / 1000).toFixed(1)} s`,
    );
  };
  if (parts.includes('c')) {
    progress(`C. ${held.associations} associations each holding a ${mib(held)} MiB image box N-SET`);
    let inflightHeld = 0;
    const r = await heldLargeDatasets(target, held, async () => {
      inflightHeld = (await scrapeMetrics(lb.httpPort)).get('lightbox_inflight_bytes') ?? -1;
    });
    report(
      `C. ${held.associations} x ${mib(held)} MiB image box N-SETs held open, then printed`,
      r,
      MEMORY_GOALS.held,
    );
    out.push(`     in-flight bytes while held (pixels stream to disk): ${inflightHeld}`);
  }
  if (parts.includes('e')) {
    const opaque = quick
      ? { associations: 3, bytes: 2 * 1024 ** 2 }
      : { associations: 12, bytes: 200 * 1024 ** 2 };
    progress(
      `E. ${opaque.associations} associations each holding a ${opaque.bytes / 1024 ** 2} MiB non-image data set`,
    );
    const r = await heldOpaqueDatasets(target, opaque);
    report(
      `E. ${opaque.associations} x ${opaque.bytes / 1024 ** 2} MiB film session N-CREATEs (a private OB, nothing to stream) held open`,
      r,
      MEMORY_GOALS.held,
    );
  }
  if (parts.includes('d')) {
    progress(`D. ${w2.prints} concurrent prints of a ${mib(w2)} MiB image`);
    const r = await concurrentPrints(target, w2);
    report(`D. ${w2.prints} concurrent W2-sized prints (${mib(w2)} MiB each)`, r, MEMORY_GOALS.prints);
  }
  const m = await scrapeMetrics(lb.httpPort);
  out.push(
    `   in-flight budget: peak ${m.get('lightbox_inflight_peak_bytes')} of ${m.get('lightbox_inflight_limit_bytes')} bytes, ${m.get('lightbox_inflight_refused_total')} data sets refused;` +
      ` films stored ${m.get('lightbox_films_stored')}`,
  );
  return out;
}

/** `--name N` from argv, a positive integer, or the default. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = parseRuns(argv, process.env);
  // --part a, b, c, d or e runs one of them (c,d,e: the memory parts); --clients and --echoes scale B.
  const part = argv.includes('--part') ? argv[argv.indexOf('--part') + 1] : undefined;
  const runs_ = (p: string) => part === undefined || part.split(',').includes(p);
  const quick = argv.includes('--quick');
  const clients = numberArg(argv, 'clients', DEFAULT_SSE_CLIENTS);
  const echoes = numberArg(argv, 'echoes', DEFAULT_ECHOES);
  await withWorkDir('lightbox-soak-', 20, async (workDir, servers) => {
    const a = runs_('a') ? await modalitiesUnderLoad(workDir, servers, runs) : [];
    const b = runs_('b') ? await stalledEventClients(workDir, servers, clients, echoes) : [];
    const memory = ['c', 'd', 'e'].filter(runs_);
    const cd = memory.length > 0 ? await memoryScenarios(workDir, servers, quick, memory) : [];
    process.stdout.write(`${[...a, ...b, ...cd].join('\n')}\n`);
  });
}

runBench(main);
