/**
 * A DCMTK command-line tool run to completion by a benchmark, timed from spawn to exit and killed
 * after a time limit; its output kept (DCMTK logs to stderr).
 */
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
