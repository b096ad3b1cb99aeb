/**
 * One render process as the printer sees it: started on demand (or at start-up), one request at a
 * time per message id, each answered with its result or why it failed; when the process dies every
 * request still waiting fails and the next request starts another. What the process does with a
 * request is render-process.ts's business.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

/** util-linux's chrt, to start a process under the SCHED_IDLE policy (Linux). */
const CHRT = ['/usr/bin/chrt', '/bin/chrt'].find((p) => process.platform === 'linux' && existsSync(p));

/** What a request to the render process asks. */
export type RenderRequest =
  | { kind: 'film'; dir: string; thumb: boolean; density: boolean }
  | { kind: 'preview'; dir: string }
  | { kind: 'density'; dir: string };

/** A request's answer: what the process returned, or why it failed. */
export type ChildAnswer = { result: unknown } | { error: string };

export class RenderChild {
  #child: ChildProcess | undefined;
  readonly #pending = new Map<number, (a: ChildAnswer) => void>();
  #seq = 0;

  /**
   * `idle`: under SCHED_IDLE (chrt) and nice 19, for work that must never take the CPU from
   * printing; otherwise niced a little, by render-process.ts (previews: small, and a user waits on them).
   */
  constructor(
    readonly name: string,
    readonly idle: boolean,
    readonly log: Logger,
  ) {}

  #start(): ChildProcess {
    if (this.#child) return this.#child;
    // The V8 flags of the printer's own process (execArgv) suit the render process too.
    const script = fileURLToPath(new URL('./render-process.js', import.meta.url));
    const args = this.idle ? ['--idle'] : [];
    const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
    const c =
      this.idle && CHRT
        ? spawn(CHRT, ['--idle', '0', process.execPath, ...process.execArgv, script, ...args], { stdio })
        : fork(script, args, { stdio });
    c.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const resolve = this.#pending.get(m.id);
      if (!resolve) return;
      this.#pending.delete(m.id);
      resolve(
        m.error !== undefined || m.result === undefined
          ? { error: m.error ?? 'no result' }
          : { result: m.result },
      );
    });
    c.on('exit', (code, signal) => {
      if (this.#child !== c) return;
      this.#child = undefined;
      if (this.#pending.size === 0) return;
      const why = `${this.name} process ended (${signal ?? `exit code ${code}`})`;
      this.log.error({ code, signal }, `${why}; starting another for the next film`);
      for (const resolve of this.#pending.values()) resolve({ error: why });
      this.#pending.clear();
    });
    c.on('error', (e) => this.log.error({ err: e.message }, `${this.name} process error`));
    // Neither the process nor its channel keeps the printer's event loop alive.
    c.unref();
    c.channel?.unref();
    this.#child = c;
    return c;
  }

  /** Start the process now (forking costs the event loop some 10 ms: start-up's, not a print's). */
  start(): void {
    this.#start();
  }

  request(r: RenderRequest): Promise<ChildAnswer> {
    return new Promise((resolve) => {
      const id = ++this.#seq;
      this.#pending.set(id, resolve);
      this.#start().send({ id, ...r });
    });
  }

  /** The process's id, once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async stop(): Promise<void> {
    const c = this.#child;
    this.#child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGKILL');
    await exited;
  }
}
