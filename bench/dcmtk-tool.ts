/**
 * A DCMTK command-line tool run to completion by a benchmark, timed from spawn to exit and killed
 * after a time limit; its output kept (DCMTK logs to stderr).
 */
import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { dcmpsprtArgs, type PrintOptions, writePrintScuConfig } from '../test/support/dcmprint.js';
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
