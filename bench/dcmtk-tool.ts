/**
 * A DCMTK command-line tool run to completion by a benchmark, timed from spawn to exit and killed
 * after a time limit; its output kept (DCMTK logs to stderr).
 */
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dcmpsprtArgs,
  generateImages,
  type PrintOptions,
  parseDcmprscuLog,
  writePrintScuConfig,
} from '../test/support/dcmprint.js';
import { DCMTK_ENV, spawnTracked } from './support.js';

export interface ToolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** stderr then stdout (DCMTK logs to stderr). */
  output: string;
  /** From spawn to process exit. */
  ms: number;
}

/** Run a DCMTK tool to completion, timing it from spawn to exit. */
export function runTool(cmd: string, args: string[], timeoutMs: number, cwd?: string): Promise<ToolRun> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    let ms = 0;
    const child = spawnTracked(cmd, args, { cwd, env: DCMTK_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const err: Buffer[] = [];
    const out: Buffer[] = [];
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      ms = performance.now() - t0;
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      rej(new Error(`${cmd}: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat([...err, ...out]).toString('latin1');
      res({ code, signal, timedOut, output, ms });
    });
  });
}

/** A film as a Stored Print built once with dcmpsprt, and the dcmprscu configuration that sends it. */
export interface StoredPrint {
  cfg: string;
  storedPrint: string;
}

/** One film of `o.images` (its layout, film size and the rest of PrintOptions) as a Stored Print in dir/db. */
export async function prepareStoredPrint(dir: string, o: PrintOptions): Promise<StoredPrint> {
  const cfg = writePrintScuConfig(dir, o);
  const r = await runTool('dcmpsprt', [...dcmpsprtArgs(cfg, o), ...o.images], 120_000);
  const made = readdirSync(join(dir, 'db')).filter((f) => f.startsWith('SP_'));
  if (r.code !== 0 || made.length !== 1) throw new Error(`dcmpsprt failed (exit ${r.code}):\n${r.output}`);
  const storedPrint = join(dir, 'db', `job-${made[0]}`);
  renameSync(join(dir, 'db', made[0]!), storedPrint);
  return { cfg, storedPrint };
}

/** Where the generated test images are kept between runs (the tests use the same). */
export const IMAGE_DIR = join(tmpdir(), 'lightbox-test-images-v1');

/** A Stored Print and the directory dcmprscu runs it from. */
export type PrintJob = StoredPrint & { dir: string };

/**
 * W1 (one 14INX17IN STANDARD\4,5 film of 20 CT images) as a Stored Print in `dir` (made), to send
 * to `port` (called LIGHTBOX unless said), from `callingAe` when given.
 */
export async function prepareW1(
  dir: string,
  port: number,
  o: { calledAe?: string; callingAe?: string } = {},
): Promise<PrintJob> {
  mkdirSync(dir, { recursive: true });
  const images = (await generateImages(IMAGE_DIR)).ct.slice(0, 20);
  const job = await prepareStoredPrint(dir, {
    port,
    calledAe: o.calledAe ?? 'LIGHTBOX',
    ...(o.callingAe ? { callingAe: o.callingAe } : {}),
    images,
    columns: 4,
    rows: 5,
    filmSize: '14INX17IN',
  });
  return { ...job, dir };
}

/**
 * dcmprscu prints the job `n` times, one association each, in one process; throws (with the end of
 * its log) unless every association was accepted and every N-ACTION answered with success.
 */
export async function printStored(job: PrintJob, n: number, timeoutMs: number): Promise<ToolRun> {
  const r = await runTool(
    'dcmprscu',
    ['-d', '-c', job.cfg, '-p', 'TARGET', ...Array<string>(n).fill(job.storedPrint)],
    timeoutMs,
    job.dir,
  );
  const log = parseDcmprscuLog(r.output);
  const printed = log.exchanges.filter((x) => x.request === 'N-ACTION' && x.status === 0).length;
  if (r.code !== 0 || log.accepted !== n || log.aborted || printed !== n) {
    const tail = r.output.split('\n').slice(-20).join('\n');
    throw new Error(
      `dcmprscu: ${printed} of ${n} printed (exit ${r.code}, ${log.accepted} accepted):\n${tail}`,
    );
  }
  return r;
}
