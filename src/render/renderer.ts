/**
 * Renders printed films in a child process at the lowest CPU priority (render-process.ts), one at
 * a time, so neither the N-ACTION response nor other associations wait for it, and a bad image
 * fails its film (render.json says why) without taking the server down. Under vitest (TypeScript
 * sources, no compiled child file) it renders in-process instead; the compiled server always uses
 * the child process.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { RenderRecord } from './film.js';
import { writeAtomic } from './write-atomic.js';

/** util-linux's chrt, to start the render process under the SCHED_IDLE policy (Linux). */
const CHRT = ['/usr/bin/chrt', '/bin/chrt'].find((p) => process.platform === 'linux' && existsSync(p));

/** How one render ended: its record, or why it failed. */
export type RenderOutcome = { record: RenderRecord } | { error: string };

interface Pending {
  resolve: (r: RenderOutcome) => void;
  dir: string;
}

export class Renderer {
  #child: ChildProcess | undefined;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  readonly #inline = import.meta.url.endsWith('.ts');
  #inlineQueue: Promise<unknown> = Promise.resolve();

  constructor(readonly log: Logger) {}

  #start(): ChildProcess {
    if (this.#child) return this.#child;
    // The V8 flags of the printer's own process (execArgv) suit the render process too. Under
    // SCHED_IDLE (chrt, util-linux) when the machine has it: it runs only on an otherwise idle core.
    const script = fileURLToPath(new URL('./render-process.js', import.meta.url));
    const c = CHRT
      ? spawn(CHRT, ['--idle', '0', process.execPath, ...process.execArgv, script], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        })
      : fork(script, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    c.on('message', (m: { id: number; record?: RenderRecord; error?: string }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.error || !m.record) void this.#failed(p, m.error ?? 'no render record');
      else {
        this.log.info({ film: p.dir, ms: m.record.ms }, 'film rendered');
        p.resolve({ record: m.record });
      }
    });
    c.on('exit', (code, signal) => {
      if (this.#child !== c) return;
      this.#child = undefined;
      if (this.#pending.size === 0) return;
      const why = `render process ended (${signal ?? `exit code ${code}`})`;
      this.log.error({ code, signal }, `${why}; starting another for the next film`);
      for (const p of this.#pending.values()) void this.#failed(p, why);
      this.#pending.clear();
    });
    c.on('error', (e) => this.log.error({ err: e.message }, 'render process error'));
    // Neither the process nor its channel keeps the printer's event loop alive.
    c.unref();
    c.channel?.unref();
    this.#child = c;
    return c;
  }

  /**
   * Start the render process now rather than at the first film: forking a process costs the
   * event loop some 10 ms, which belongs to start-up, not to a modality's print.
   */
  start(): void {
    if (!this.#inline) this.#start();
  }

  async #failed(p: Pending, error: string): Promise<void> {
    this.log.error({ film: p.dir, err: error.split('\n')[0] }, 'film rendering failed');
    // Best effort (the disk may be full): the index records the failure whatever happens here.
    await writeAtomic(
      join(p.dir, 'render.json'),
      JSON.stringify({ format: 'lightbox-render/1', failed: true, error }),
    ).catch(() => undefined);
    p.resolve({ error });
  }

  /** Render a spooled film directory. */
  render(dir: string): Promise<RenderOutcome> {
    if (this.#inline) {
      // Loaded on demand (sharp stays out of the DICOM thread's memory); one film at a time, like the worker.
      const run = this.#inlineQueue.then(() => import('./film.js')).then((m) => m.renderFilm(dir));
      this.#inlineQueue = run.then(
        () => undefined,
        () => undefined,
      );
      return run.then(
        (record): RenderOutcome => ({ record }),
        (e: unknown) =>
          new Promise<RenderOutcome>((resolve) => {
            void this.#failed({ dir, resolve }, (e as Error).stack ?? String(e));
          }),
      );
    }
    return new Promise((resolve) => {
      const id = ++this.#seq;
      this.#pending.set(id, { resolve, dir });
      this.#start().send({ id, dir });
    });
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
