/**
 * One emulated printer while Lightbox runs: its status (shared by every association), its image
 * memory, its print queue and the jobs in it. A job exists once its films are durable in the
 * store; it then moves PENDING -> PRINTING -> DONE (or FAILURE) with the profile's timing, every
 * state recorded in the store. Jobs a stopped process left unfinished are resumed at start-up.
 */
import type { Logger } from 'pino';
import { newUid } from '../dicom/dimse/dataset.js';
import type { EventBus } from '../events.js';
import type { Capabilities } from '../profiles/capabilities.js';
import { haltsPrinting, PRINT_BUFF_FULL, type PrinterStatus } from '../profiles/printer-status.js';
import type { FilmSummary } from '../store/film-index.js';
import type { JobView } from '../store/job-log.js';
import type { Store } from '../store/store.js';
import type { JobStatus, PrintJob } from './model.js';

/** Print Job N-EVENT-REPORT types (PS3.4 H.4.6). */
export const JOB_EVENT: Record<JobStatus, number> = { PENDING: 1, PRINTING: 2, DONE: 3, FAILURE: 4 };

export interface JobObserver {
  /** A state change of the job; resolves when the SCU has answered the event (or at once). */
  changed(job: PrintJob): Promise<void>;
}

export interface JobWork {
  /** Write the films durably; resolves with their index entries. */
  spool(job: PrintJob): Promise<FilmSummary[]>;
  filmCount: number;
}

/** Why a print could not be kept: the reason for Error Comment, and the job's Execution Status Info. */
export class SpoolError extends Error {
  constructor(
    readonly reason: string,
    readonly statusInfo: string,
  ) {
    super(reason);
  }
}

/** Execution Status Info (C.13.9.1 defined terms) for a write that failed with this errno code. */
function spoolStatusInfo(code: string | undefined): string {
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' ? PRINT_BUFF_FULL : 'ELEC SW ERROR';
}

/**
 * Test-lab hooks (src/lab): what a scripted printer changes about a job. Absent: the profile's
 * timing, jobs end DONE.
 */
export interface JobLabHooks {
  /** Asked once as a job starts: its timing instead of the profile's. */
  timing(job: PrintJob): { pendingMs: number; msPerFilm: number } | undefined;
  /** Asked when a job would end DONE: Execution Status Info to end it in FAILURE with instead. */
  failure(job: PrintJob): string | undefined;
  /** A job state was reported (its N-EVENT-REPORT answered, or none due); `films` counts copies. */
  reported(job: PrintJob, films: number): void;
}

/**
 * Who set a printer's status: the printer itself (lab faults, disk space), an operator (PUT
 * /api/printers/{ae}/status), or another instance of the pool relaying an operator's change.
 */
/**
 * Who changed a printer's status: the printer itself (disk full, a flapping fault), an operator
 * (the API), a lab fault that fired on a print here (`fault`), or another instance of the pool.
 * Operator and fault changes are shared with the pool (src/pool).
 */
export type StatusSource = 'printer' | 'operator' | 'fault' | 'pool';

export class PrinterRuntime {
  #status: PrinterStatus = 'NORMAL';
  #statusInfo = 'NORMAL';
  readonly #statusListeners = new Set<(status: PrinterStatus, info: string, source: StatusSource) => void>();
  readonly #jobs = new Map<string, PrintJob>();
  #memoryUsed = 0;
  /** Where status and job changes are published (the HTTP side's event stream). */
  events: EventBus | undefined;
  /** Told of every film written to the store (the renderer listens here). */
  onFilmsSpooled: ((films: FilmSummary[]) => void) | undefined;
  /**
   * Writes that belong with the films' index rows, in the same transaction (the export jobs):
   * committed with the films, so what the N-ACTION promises includes them.
   */
  withFilms: ((films: FilmSummary[]) => void) | undefined;
  /** Test-lab scripts for jobs (see JobLabHooks). */
  lab: JobLabHooks | undefined;
  /**
   * Set by the disk-space watcher (src/store/disk-space.ts): while the data directory's volume is
   * below --min-free-space, why, for the Error Comment of the 0xC605 an image box N-SET then gets.
   */
  spaceShortage: (() => string | undefined) | undefined;

  constructor(
    readonly caps: Capabilities,
    readonly store: Store,
    readonly log: Logger,
  ) {}

  get dataDir(): string {
    return this.store.dataDir;
  }

  get status(): PrinterStatus {
    return this.#status;
  }
  get statusInfo(): string {
    return this.#statusInfo;
  }

  /**
   * Change the printer's status; every association using the printer is told (N-EVENT-REPORT).
   * `source`: who changed it (an operator's or a fired fault's change is shared with the pool).
   */
  setStatus(status: PrinterStatus, info: string, source: StatusSource = 'printer'): void {
    if (status === this.#status && info === this.#statusInfo) return;
    this.#status = status;
    this.#statusInfo = status === 'NORMAL' ? 'NORMAL' : info;
    this.log.info({ printer: this.caps.aeTitle, status, info: this.#statusInfo }, 'printer status changed');
    this.events?.publish({
      type: 'printer.status',
      printer: this.caps.aeTitle,
      status,
      info: this.#statusInfo,
    });
    for (const l of this.#statusListeners) l(this.#status, this.#statusInfo, source);
  }

  onStatus(fn: (status: PrinterStatus, info: string, source: StatusSource) => void): () => void {
    this.#statusListeners.add(fn);
    return () => this.#statusListeners.delete(fn);
  }

  // ---------------------------------------------------------------- memory

  get memoryUsed(): number {
    return this.#memoryUsed;
  }

  /**
   * Take bytes of image memory, giving back `replacing` bytes of an image being replaced; false
   * (and nothing changed) when the printer does not have them (0xC605).
   */
  reserve(bytes: number, replacing = 0): boolean {
    if (this.#memoryUsed - replacing + bytes > this.caps.memoryBytes) return false;
    this.#memoryUsed += bytes - replacing;
    return true;
  }

  release(bytes: number): void {
    this.#memoryUsed = Math.max(0, this.#memoryUsed - bytes);
  }

  // ---------------------------------------------------------------- jobs

  /** Jobs not yet finished, the ones the queue limit counts. */
  get queued(): number {
    let n = 0;
    for (const j of this.#jobs.values()) if (j.status === 'PENDING' || j.status === 'PRINTING') n++;
    return n;
  }

  get queueFull(): boolean {
    return this.queued >= this.caps.printJob.queueLimit;
  }

  job(uid: string): PrintJob | undefined {
    return this.#jobs.get(uid);
  }

  /** Jobs queued or printing, in submission order (a copy: read-only for the API). */
  get activeJobs(): PrintJob[] {
    return [...this.#jobs.values()];
  }

  /**
   * Write the films durably, then queue their job and run it to the end in the background.
   * Rejects with a SpoolError (nothing kept, the failed job recorded) when the films cannot be
   * stored: the N-ACTION must then fail, not promise a film the printer does not have.
   */
  async submit(
    o: { priority: string; originator: string; label?: string; copies: number; associationId?: string },
    work: JobWork,
    observer: JobObserver,
  ): Promise<PrintJob> {
    const job: PrintJob = {
      uid: newUid(),
      status: 'PENDING',
      statusInfo: 'QUEUED',
      priority: o.priority,
      createdAt: new Date(),
      originator: o.originator,
      printerName: this.caps.identity.printerName,
      filmSessionLabel: o.label,
      films: [],
      copies: o.copies,
      associationId: o.associationId,
    };
    const films: FilmSummary[] = [];
    try {
      for (const f of await work.spool(job)) films.push(f);
      job.films = films.map((f) => f.id);
      const db = this.store.db;
      db.transaction(() => {
        for (const f of films) this.store.films.add(f);
        this.store.jobs.add(this.caps.aeTitle, job, o.associationId);
        this.withFilms?.(films);
      })();
    } catch (e) {
      const err = e as Error & { code?: string };
      // Films written before the failure are not promised to anyone: they go too.
      await Promise.all(films.map((f) => this.store.filmFiles.remove(f.id).catch(() => undefined)));
      job.films = [];
      job.status = 'FAILURE';
      job.statusInfo = spoolStatusInfo(err.code);
      this.log.error(
        { printer: this.caps.aeTitle, job: job.uid, err: err.message, code: err.code },
        'films could not be stored: print refused',
      );
      this.#record(() => this.store.jobs.add(this.caps.aeTitle, job, o.associationId));
      this.events?.publish({
        type: 'job',
        printer: this.caps.aeTitle,
        job: job.uid,
        status: job.status,
        info: job.statusInfo,
      });
      throw new SpoolError(`film not stored: ${err.code ?? ''} ${err.message}`.trim(), job.statusInfo);
    }
    this.#jobs.set(job.uid, job);
    this.onFilmsSpooled?.(films);
    void this.#run(job, work.filmCount, observer, true);
    return job;
  }

  /**
   * A job a stopped process left PENDING or PRINTING: its films are in the store, so it prints to
   * the end (nobody to tell: its association is gone).
   */
  resume(j: JobView): void {
    const job: PrintJob = {
      uid: j.uid,
      status: j.status,
      statusInfo: j.statusInfo,
      priority: j.priority,
      createdAt: new Date(j.createdAt),
      originator: j.originator,
      printerName: j.printerName ?? this.caps.identity.printerName,
      filmSessionLabel: j.filmSessionLabel,
      films: j.films,
      copies: j.copies,
      associationId: j.associationId,
    };
    this.log.info(
      { printer: this.caps.aeTitle, job: job.uid, status: job.status },
      'print job resumed after restart',
    );
    this.#jobs.set(job.uid, job);
    void this.#run(job, job.films.length, { changed: async () => undefined }, job.status === 'PENDING');
  }

  /** A store write that must not break the job when it fails (disk full): logged. */
  #record(write: () => void): void {
    try {
      write();
    } catch (e) {
      this.log.error(
        { printer: this.caps.aeTitle, err: (e as Error).message },
        'print job state not recorded',
      );
    }
  }

  async #run(job: PrintJob, filmCount: number, observer: JobObserver, fromPending: boolean): Promise<void> {
    const t = this.lab?.timing(job) ?? this.caps.printJob;
    const step = async (status: JobStatus, info: string) => {
      job.status = status;
      job.statusInfo = info;
      this.#record(() => this.store.jobs.changed(job));
      this.log.info({ printer: this.caps.aeTitle, job: job.uid, status, info }, `print job ${status}`);
      this.events?.publish({ type: 'job', printer: this.caps.aeTitle, job: job.uid, status, info });
      await observer.changed(job).catch(() => undefined);
      // After the SCU heard of this state: a scripted jam "mid-job" follows the PRINTING event.
      this.lab?.reported(job, filmCount * job.copies);
    };
    try {
      if (fromPending) {
        await observer.changed(job).catch(() => undefined);
        // A printer in FAILURE (or going there) fails the job with its own status info, as a
        // jammed or broken imager does; the films already received stay in the store.
        if (!(await this.#waitUnlessFailed(t.pendingMs))) return await step('FAILURE', this.#statusInfo);
        await step('PRINTING', 'NORMAL');
      }
      if (!(await this.#waitUnlessFailed(t.msPerFilm * filmCount * job.copies)))
        return await step('FAILURE', this.#statusInfo);
      const failure = this.lab?.failure(job);
      await step(failure ? 'FAILURE' : 'DONE', failure ?? 'NORMAL');
    } catch (e) {
      this.log.error(
        { printer: this.caps.aeTitle, job: job.uid, err: (e as Error).message },
        'print job failed',
      );
      await step('FAILURE', 'ELEC SW ERROR');
    } finally {
      // PS3.4 H.4.6: the job is deleted once its final event was answered (its record stays).
      this.#jobs.delete(job.uid);
    }
  }

  /** Wait `ms`; false as soon as the printer is (or goes) FAILURE. */
  #waitUnlessFailed(ms: number): Promise<boolean> {
    if (haltsPrinting(this.#status, this.#statusInfo)) return Promise.resolve(false);
    // msPerFilm x films x copies may pass setTimeout's 2^31-1 ms (Node would fire after 1 ms).
    const wait = Math.min(ms, 2 ** 31 - 1);
    return new Promise((resolve) => {
      const off = this.onStatus((status, info) => {
        if (!haltsPrinting(status, info)) return;
        clearTimeout(timer);
        off();
        resolve(false);
      });
      const timer = setTimeout(() => {
        off();
        resolve(true);
      }, wait);
    });
  }
}
