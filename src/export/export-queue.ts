/**
 * The export queue: every film a printer with export targets prints gets one job per target in
 * the store (ExportLog), written in the transaction that stores the film; jobs run one at a time once their film is
 * rendered. A failed attempt is kept with the peer's answer and tried again after a delay that
 * doubles each time (base, 2 x base, ... up to the cap), for as long as it takes: an export is
 * only ever done when its target has taken the film, or when someone deletes the film.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../events.js';
import type { FilmDepth } from '../output/film-dicom.js';
import { dicomOf, FilmOutputError, pdfOf } from '../output/film-outputs.js';
import type { ExportTarget } from '../profiles/export-schema.js';
import type { ExportJob } from '../store/export-log.js';
import type { Store } from '../store/store.js';
import { CStoreSender } from './cstore-sender.js';
import { DirectorySender } from './directory-sender.js';
import { ExportError, type ExportSender, type FilmSource } from './sender.js';
import { StowSender } from './stow-sender.js';

export interface Backoff {
  baseMs: number;
  maxMs: number;
}
export const DEFAULT_BACKOFF: Backoff = { baseMs: 5_000, maxMs: 600_000 };
/** Shared database: a 'sending' export this old is a crashed instance's, not one under way. */
const SHARED_RECOVER_MS = 600_000;
/** A job whose film is still rendering is looked at again this much later (a render also wakes the queue). */
const RENDER_WAIT_MS = 10_000;
/** Jobs taken from the store per look. */
const BATCH = 16;

export function senderFor(t: ExportTarget): ExportSender {
  switch (t.type) {
    case 'directory':
      return new DirectorySender(t);
    case 'stow-rs':
      return new StowSender(t);
    case 'c-store':
      return new CStoreSender(t);
  }
}

/** The delay before attempt n + 1 after n failed attempts. */
export function retryDelay(attempts: number, b: Backoff): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, Math.min(30, attempts - 1)));
}

export interface ExportQueueOptions {
  store: Store;
  /** A printer's targets, by its AE title. */
  targets: (printer: string) => readonly ExportTarget[];
  events: EventBus;
  log: Logger;
  software: string;
  backoff?: Backoff;
  /** Tests: senders other than the real ones. */
  sender?: (t: ExportTarget) => ExportSender;
}

export class ExportQueue {
  readonly #o: ExportQueueOptions;
  readonly #backoff: Backoff;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(o: ExportQueueOptions) {
    this.#o = o;
    this.#backoff = o.backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * A film is being stored: one job per target of its printer (none: nothing to do). Called inside
   * the transaction that indexes the film; kick() once it is committed.
   */
  add(filmId: string, printer: string): void {
    const targets = this.#o.targets(printer);
    if (targets.length === 0) return;
    this.#o.store.exports.add(
      filmId,
      printer,
      targets.map((t) => ({ name: t.name, kind: t.type })),
    );
  }

  /** A film finished rendering: its jobs go now. */
  rendered(filmId: string): void {
    if (this.#stopped) return;
    this.#o.store.exports.wake(filmId);
    this.kick();
  }

  /** Send a job again by hand; false when there is no such job or it is being sent. */
  resend(id: number): boolean {
    const ok = this.#o.store.exports.resend(id);
    if (ok) this.kick();
    return ok;
  }

  start(): void {
    this.#stopped = false;
    // Shared database: an attempt younger than an attempt can last may be another instance's.
    const n = this.#o.store.exports.recover(
      this.#o.store.instances.shared ? new Date(Date.now() - SHARED_RECOVER_MS).toISOString() : undefined,
    );
    if (n > 0) this.#o.log.warn({ exports: n }, 'exports a stop interrupted are queued again');
    this.kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Look for due jobs now (a film rendered, a job added or re-sent). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#drain()
      .catch((e: unknown) => this.#o.log.error({ err: (e as Error).message }, 'export queue'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        } else this.#schedule();
      });
  }

  /** Resolves once nothing due is left (tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const next = this.#o.store.exports.nextDue();
    if (next === undefined) return;
    // setTimeout holds at most 2^31-1 ms; the cap keeps every delay well within it.
    this.#timer = setTimeout(() => this.kick(), Math.max(0, Math.min(next - Date.now(), 2 ** 31 - 1)));
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const due = this.#o.store.exports.due(Date.now(), BATCH);
      if (due.length === 0) return;
      for (const j of due) {
        if (this.#stopped) return;
        await this.#attempt(j);
      }
    }
  }

  async #attempt(j: ExportJob): Promise<void> {
    const { store, events, log } = this.#o;
    const film = store.films.get(j.filmId);
    if (!film) {
      store.exports.removeFilm(j.filmId);
      return;
    }
    if (film.render === 'pending') {
      store.exports.later(j.id, Date.now() + RENDER_WAIT_MS);
      return;
    }
    const target = this.#o.targets(j.printer).find((t) => t.name === j.target);
    let failure: string | undefined;
    let retry = true;
    if (film.render !== 'rendered') {
      failure = `film ${film.id} did not render (${film.error ?? film.render}): nothing to export`;
      retry = false;
    } else if (!target) {
      failure = `target ${j.target} is no longer configured for ${j.printer}`;
      retry = false;
    }
    // Another instance sharing the database took it first.
    if (!store.exports.sending(j.id)) return;
    const attempts = j.attempts + 1;
    if (failure === undefined && target) {
      try {
        await (this.#o.sender ?? senderFor)(target).send(this.#source(film.id));
      } catch (e) {
        failure = e instanceof ExportError || e instanceof FilmOutputError ? e.message : String(e);
        if (!(e instanceof ExportError) && !(e instanceof FilmOutputError))
          log.error({ err: (e as Error).stack }, 'export failed unexpectedly');
      }
    }
    if (failure === undefined) {
      store.exports.sent(j.id);
      log.info({ film: j.filmId, target: j.target, attempts }, 'film exported');
      events.publish({
        type: 'export',
        film: j.filmId,
        target: j.target,
        kind: j.kind,
        state: 'sent',
        attempts,
      });
      return;
    }
    const retryAt = retry ? Date.now() + retryDelay(attempts, this.#backoff) : undefined;
    store.exports.failed(j.id, failure, retryAt);
    log.warn({ film: j.filmId, target: j.target, attempts, retryAt, err: failure }, 'export failed');
    events.publish({
      type: 'export',
      film: j.filmId,
      target: j.target,
      kind: j.kind,
      state: 'failed',
      attempts,
      error: failure,
    });
  }

  #source(id: string): FilmSource {
    const dir = this.#o.store.filmFiles.local(id);
    const software = this.#o.software;
    // Made once per attempt, whichever of the sender's steps asks first.
    let dicom: ReturnType<typeof dicomOf> | undefined;
    return {
      id,
      pdf: () => pdfOf(dir, id),
      dicom: (depth: FilmDepth = 8) => {
        if (depth !== 8) return dicomOf(dir, id, depth, software);
        dicom ??= dicomOf(dir, id, 8, software);
        return dicom;
      },
    };
  }
}
