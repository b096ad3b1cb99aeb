/**
 * C-ECHO benchmark: Lightbox against DCMTK's storescp, the reference SCP, with a "Node floor".
 *
 * What is measured (wall time, milliseconds, on 127.0.0.1):
 *   A   1000 C-ECHOs on one association (`echoscu --repeat 1000`): the DIMSE round-trip cost of an
 *       established association (PDU framing, command decoding, dispatch, response encoding).
 *   B1  200 short associations, one sequential `echoscu` process each: what a modality script
 *       sees. Mostly echoscu's own start-up, so a ratio near 1.0 says little about the SCP.
 *   B2  200 short associations opened sequentially by an in-process client (raw sockets, the
 *       repo's own PDU and command codecs): associate, one C-ECHO, release, close. This isolates
 *       the SCP's association set-up and tear-down cost.
 *
 * Why: Verification is the first thing every modality does against a printer, often once per print
 * job, so Lightbox should be no slower than DCMTK at it. The goal is a Lightbox/DCMTK ratio of at
 * most 1.0 for each scenario.
 *
 * The third target, the Node floor (bench/echo-floor.ts), is the least any Node DICOM server must
 * do: a bare socket server on the same PDU and command codecs, without state machine, validation or
 * logging. On these micro round trips it is itself slower than storescp, so the report separates
 * what Node costs (floor/DCMTK) from what Lightbox adds on top of it (Lightbox/floor).
 *
 * All three servers run at the same time; the order of targets alternates between runs so that
 * drift in machine load hits all alike; each scenario gets a warm-up per target first (5,000 echoes
 * for A, 1,000 associations for B2): a printer runs for days, so it is measured warm.
 *
 * This is a measurement, not a test: the exit code is 0 whether or not the goal is met, and
 * non-zero only when something failed to run (an SCP did not start, echoscu failed, a C-ECHO did
 * not succeed). Runs: --runs N or BENCH_RUNS, for every scenario. By default 5, except B1 which
 * gets 3: at ~40-70 ms per echoscu process it alone would otherwise take well over a minute.
 *
 * DCMTK as packaged by Debian only disables Nagle's algorithm when TCP_NODELAY is set in the
 * environment; without it every round trip waits ~40 ms for a delayed ACK, so both storescp and
 * echoscu run with TCP_NODELAY=1.
 */
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { joined } from '../src/dicom/chunked-bytes.js';
import { decodeCommand, encodeCommand } from '../src/dicom/dimse/command-codec.js';
import { CommandField, NO_DATA_SET, RESPONSE_BIT } from '../src/dicom/dimse/command-fields.js';
import { Uid } from '../src/dicom/uids.js';
import { emptyUserInfo, type Pdu } from '../src/dicom/ul/pdu.js';
import { decodePdu, encodePdu } from '../src/dicom/ul/pdu-codec.js';
import { PduFramer } from '../src/dicom/ul/pdu-framer.js';
import {
  acceptsTcp,
  DCMTK_ENV,
  fmtMiB,
  fmtMs,
  freePort,
  HOST,
  median,
  parseRuns,
  printServerOutput,
  procMemoryMiB,
  progress,
  ROOT,
  runBench,
  runProgram,
  type Server,
  sampleAlternating,
  spawnServer,
  startLightbox,
  stopChild,
  waitUntil,
  withWorkDir,
} from './support.js';

const CALLED_AE = 'LIGHTBOX';
const CALLING_AE = 'BENCH';
/** Maximum P-DATA-TF length the in-process client advertises (and enforces on what it receives). */
const CLIENT_MAX_PDU = 16384;
/** Under the UUID root 2.25: an implementation class UID for the bench client only. */
const CLIENT_IMPLEMENTATION_UID = '2.25.311768459102358740251239084728316532941';
/** echoscu timeouts (seconds): a hung SCP fails the run instead of hanging it. */
const ECHOSCU_TIMEOUTS = ['-to', '10', '-ta', '10', '-td', '10'];
const ASSOCIATION_TIMEOUT_MS = 10_000;

const FLOOR_MAIN = join(ROOT, 'dist/bench/echo-floor.js');

// ---------------------------------------------------------------- child processes

async function startStorescp(workDir: string): Promise<Server> {
  const dicomPort = await freePort();
  const args = ['--aetitle', CALLED_AE, '--output-directory', workDir, String(dicomPort)];
  const { child, output } = spawnServer('storescp', args, workDir, DCMTK_ENV);
  await waitUntil('storescp', () => acceptsTcp(dicomPort), child);
  return { name: 'DCMTK storescp', child, dicomPort, output };
}

async function startFloor(): Promise<Server> {
  const dicomPort = await freePort();
  const { child, output } = spawnServer(process.execPath, [FLOOR_MAIN, String(dicomPort)], ROOT, process.env);
  await waitUntil('Node floor', () => acceptsTcp(dicomPort), child);
  return { name: 'Node floor', child, dicomPort, output };
}

function echoscu(port: number, extra: string[] = []): Promise<void> {
  return runProgram(
    'echoscu',
    ['-aec', CALLED_AE, ...ECHOSCU_TIMEOUTS, ...extra, HOST, String(port)],
    DCMTK_ENV,
  );
}

// ---------------------------------------------------------------- in-process SCU (scenario B2)

/** Turns a socket into a queue of decoded PDUs. */
class PduStream {
  readonly #framer = new PduFramer({ maxPDataLength: CLIENT_MAX_PDU, maxAssociateLength: 64 * 1024 });
  readonly #ready: Pdu[] = [];
  #waiter: { res: (p: Pdu) => void; rej: (e: Error) => void } | undefined;
  #error: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const raw of this.#framer.push(chunk)) this.#ready.push(decodePdu(raw));
      } catch (e) {
        this.#fail(e as Error);
      }
      this.#wake();
    });
    socket.on('error', (e) => this.#fail(e));
    socket.on('close', () => this.#fail(new Error('connection closed by the SCP')));
  }

  next(): Promise<Pdu> {
    return new Promise((res, rej) => {
      this.#waiter = { res, rej };
      this.#wake();
    });
  }

  #fail(e: Error): void {
    this.#error ??= e;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    if (!w) return;
    const pdu = this.#ready.shift();
    if (pdu) {
      this.#waiter = undefined;
      w.res(pdu);
    } else if (this.#error) {
      this.#waiter = undefined;
      w.rej(this.#error);
    }
  }
}

const ASSOCIATE_RQ = encodePdu({
  type: 'A-ASSOCIATE-RQ',
  protocolVersion: 1,
  calledAeTitle: CALLED_AE,
  callingAeTitle: CALLING_AE,
  applicationContext: Uid.ApplicationContext,
  presentationContexts: [
    { id: 1, abstractSyntax: Uid.Verification, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
  ],
  userInfo: {
    ...emptyUserInfo(),
    maxLength: CLIENT_MAX_PDU,
    implementationClassUid: CLIENT_IMPLEMENTATION_UID,
  },
});
const RELEASE_RQ = encodePdu({ type: 'A-RELEASE-RQ' });

function echoRequest(messageId: number): Buffer {
  const command = encodeCommand({
    affectedSopClassUid: Uid.Verification,
    commandField: CommandField.C_ECHO_RQ,
    messageId,
    commandDataSetType: NO_DATA_SET,
  });
  return encodePdu({
    type: 'P-DATA-TF',
    pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: command }],
  });
}

function expectPdu<T extends Pdu['type']>(p: Pdu, type: T, step: string): Extract<Pdu, { type: T }> {
  if (p.type !== type) throw new Error(`${step}: expected ${type}, got ${JSON.stringify(p)}`);
  return p as Extract<Pdu, { type: T }>;
}

function expectAccepted(p: Pdu): void {
  const ac = expectPdu(p, 'A-ASSOCIATE-AC', 'association');
  const pc = ac.presentationContexts.find((c) => c.id === 1);
  if (pc?.result !== 0 || pc.transferSyntax !== Uid.ImplicitVrLittleEndian) {
    throw new Error(`Verification context not accepted: ${JSON.stringify(ac.presentationContexts)}`);
  }
}

/** Read P-DATA-TF PDUs until the last fragment of a command, return the command bytes. */
async function readCommand(pdus: PduStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (;;) {
    const p = expectPdu(await pdus.next(), 'P-DATA-TF', 'C-ECHO-RSP');
    for (const v of p.pdvs) {
      if (!v.isCommand) throw new Error('C-ECHO-RSP: unexpected data set fragment');
      parts.push(joined(v.data));
      if (v.isLast) return Buffer.concat(parts);
    }
  }
}

function expectEchoSuccess(bytes: Buffer, messageId: number): void {
  const { command } = decodeCommand(bytes);
  const ok =
    command.commandField === (CommandField.C_ECHO_RQ | RESPONSE_BIT) &&
    command.messageIdBeingRespondedTo === messageId &&
    command.status === 0;
  if (!ok) throw new Error(`C-ECHO-RSP not a success for message ${messageId}: ${JSON.stringify(command)}`);
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect({ host: HOST, port });
    s.setNoDelay(true);
    s.once('connect', () => {
      s.off('error', rej);
      res(s);
    });
    s.once('error', rej);
  });
}

/** One whole association: A-ASSOCIATE, one C-ECHO, A-RELEASE, transport closed by us. */
async function echoOnNewAssociation(port: number, messageId: number): Promise<void> {
  const socket = await openSocket(port);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  const timer = setTimeout(
    () => socket.destroy(new Error(`association timed out after ${ASSOCIATION_TIMEOUT_MS} ms`)),
    ASSOCIATION_TIMEOUT_MS,
  );
  const pdus = new PduStream(socket);
  try {
    socket.write(ASSOCIATE_RQ);
    expectAccepted(await pdus.next());
    socket.write(echoRequest(messageId));
    expectEchoSuccess(await readCommand(pdus), messageId);
    socket.write(RELEASE_RQ);
    expectPdu(await pdus.next(), 'A-RELEASE-RP', 'release');
    socket.end(); // PS3.8 7.2: the requestor closes the transport after A-RELEASE-RP.
  } catch (e) {
    socket.destroy();
    throw e;
  } finally {
    await closed;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- scenarios

interface Scenario {
  /** Short label for one-line summaries. */
  id: string;
  name: string;
  /** Echoes (A) or associations (B) per run. */
  size: number;
  /** Size of the warm-up run (smaller where a full one would only spend time on process start-up). */
  warmupSize: number;
  unit: string;
  /** Runs when none were asked for. */
  defaultRuns: number;
  exec(port: number, size: number): Promise<void>;
}

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'A',
    name: 'A: 1000 C-ECHOs on one association (echoscu --repeat)',
    size: 1000,
    // A printer runs for days: measure it warm (V8 has optimised the hot path), not just started.
    warmupSize: 5000,
    unit: 'echo',
    defaultRuns: 5,
    exec: (port, n) => echoscu(port, ['--repeat', String(n)]),
  },
  {
    id: 'B1',
    name: 'B1: 200 short associations (echoscu processes)',
    size: 200,
    warmupSize: 20,
    unit: 'assoc',
    defaultRuns: 3,
    exec: async (port, n) => {
      for (let i = 0; i < n; i++) await echoscu(port);
    },
  },
  {
    id: 'B2',
    name: 'B2: 200 short associations (in-process client)',
    size: 200,
    warmupSize: 1000,
    unit: 'assoc',
    defaultRuns: 5,
    exec: async (port, n) => {
      for (let i = 1; i <= n; i++) await echoOnNewAssociation(port, i);
    },
  },
];

interface Result {
  scenario: Scenario;
  /** Wall times in ms, keyed by server name. */
  samples: Map<string, number[]>;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function measure(scenario: Scenario, servers: readonly Server[], runs: number): Promise<Result> {
  progress(`  ${scenario.name}: warm-up, then ${runs} runs per target`);
  for (const s of servers) await scenario.exec(s.dicomPort, scenario.warmupSize);
  const samples = await sampleAlternating(servers, runs, (s) =>
    timed(() => scenario.exec(s.dicomPort, scenario.size)),
  );
  return { scenario, samples };
}

// ---------------------------------------------------------------- report

/** The three targets, by role. */
interface Targets {
  lightbox: Server;
  dcmtk: Server;
  floor: Server;
}

const medianOf = (r: Result, s: Server) => median(r.samples.get(s.name)!);
const ratioOf = (r: Result, a: Server, b: Server) => medianOf(r, a) / medianOf(r, b);

function printTables(results: readonly Result[], { lightbox, dcmtk, floor }: Targets): void {
  const out: string[] = [];
  out.push('Wall time in ms (lower is better): median of the runs, after a warm-up run per target.', '');
  out.push(
    '| scenario | Lightbox median ms | DCMTK storescp median ms | Node floor median ms ' +
      '| ratio (Lightbox/DCMTK) | Lightbox/floor | goal (<= 1.0) |',
  );
  out.push('|---|---:|---:|---:|---:|---:|:---:|');
  for (const r of results) {
    const ratio = ratioOf(r, lightbox, dcmtk);
    const cells = [
      r.scenario.name,
      fmtMs(medianOf(r, lightbox)),
      fmtMs(medianOf(r, dcmtk)),
      fmtMs(medianOf(r, floor)),
      ratio.toFixed(2),
      ratioOf(r, lightbox, floor).toFixed(2),
      ratio <= 1 ? 'met' : 'NOT met',
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('', '| scenario | target | runs | min ms | median ms | median per unit |');
  out.push('|---|---|---:|---:|---:|---:|');
  for (const r of results) {
    for (const s of [lightbox, dcmtk, floor]) {
      const xs = r.samples.get(s.name)!;
      const perUnit = (median(xs) / r.scenario.size) * 1000;
      out.push(
        `| ${r.scenario.name} | ${s.name} | ${xs.length} | ${fmtMs(Math.min(...xs))} | ${fmtMs(median(xs))} | ${perUnit.toFixed(0)} µs/${r.scenario.unit} |`,
      );
    }
  }
  process.stdout.write(`${out.join('\n')}\n\n`);
}

function verdict(results: readonly Result[], { lightbox, dcmtk, floor }: Targets): string {
  const missed = results
    .map((r) => ({ name: r.scenario.name, ratio: ratioOf(r, lightbox, dcmtk) }))
    .filter((x) => x.ratio > 1);
  const goal =
    missed.length === 0
      ? 'goal met'
      : `goal NOT met: ${missed.map((m) => `${m.name} (ratio ${m.ratio.toFixed(2)})`).join('; ')}`;
  const floorRatios = results.map((r) => `${r.scenario.id} ${ratioOf(r, floor, dcmtk).toFixed(2)}`);
  return `${goal}\nNode floor/DCMTK ratio: ${floorRatios.join(', ')} (what any Node server pays here)`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2), process.env);
  await withWorkDir<Server>('lightbox-bench-', 10, async (workDir, servers) => {
    const t0 = performance.now();
    const lightbox = await startLightbox(join(workDir, 'lightbox'));
    servers.push(lightbox);
    const storescpDir = join(workDir, 'storescp');
    mkdirSync(storescpDir);
    const dcmtk = await startStorescp(storescpDir);
    servers.push(dcmtk);
    const floor = await startFloor();
    servers.push(floor);
    const targets: Targets = { lightbox, dcmtk, floor };
    const rssAtStart = procMemoryMiB(lightbox.child.pid, 'VmRSS');
    progress(
      `Lightbox on ${lightbox.dicomPort} (HTTP ${lightbox.httpPort}), storescp on ${dcmtk.dicomPort}, ` +
        `Node floor on ${floor.dicomPort}`,
    );

    const results: Result[] = [];
    for (const scenario of SCENARIOS)
      results.push(await measure(scenario, servers, runs ?? scenario.defaultRuns));

    const peakLightbox = procMemoryMiB(lightbox.child.pid, 'VmHWM');
    const peakStorescp = procMemoryMiB(dcmtk.child.pid, 'VmHWM');
    const peakFloor = procMemoryMiB(floor.child.pid, 'VmHWM');
    printTables(results, targets);
    process.stdout.write(
      `Lightbox peak RSS (VmHWM): ${fmtMiB(peakLightbox)} (RSS after start-up: ${fmtMiB(rssAtStart)}); ` +
        `storescp peak RSS: ${fmtMiB(peakStorescp)}; Node floor peak RSS: ${fmtMiB(peakFloor)}\n`,
    );
    for (const s of servers) process.stdout.write(`${s.name} stopped: ${await stopChild(s.child)}\n`);
    for (const s of servers) printServerOutput(s.name, s.output);
    process.stdout.write(`total bench time: ${((performance.now() - t0) / 1000).toFixed(1)} s\n\n`);
    process.stdout.write(`${verdict(results, targets)}\n`);
  });
}

runBench(main);
