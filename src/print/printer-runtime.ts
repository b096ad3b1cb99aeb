/**
 * One emulated printer while Lightbox runs: its status (shared by every association), its image
 * memory, its print queue and the jobs in it. Jobs move PENDING -> PRINTING -> DONE (or FAILURE)
 * with the profile's timing; their films are written to the data directory on the way.
 */
import type { Logger } from 'pino';
import { newUid } from '../dicom/dimse/dataset.js';
import type { EventBus } from '../events.js';
import type { Capabilities } from '../printers/capabilities.js';
import type { JobStatus, PrintJob } from './model.js';

export type PrinterStatus = 'NORMAL' | 'WARNING' | 'FAILURE';

/** Print Job N-EVENT-REPORT types (PS3.4 H.4.6). */
export const JOB_EVENT: Record<JobStatus, number> = { PENDING: 1, PRINTING: 2, DONE: 3, FAILURE: 4 };
/** Printer N-EVENT-REPORT types (PS3.4 H.4.7). */
export const PRINTER_EVENT: Record<PrinterStatus, number> = { NORMAL: 1, WARNING: 2, FAILURE: 3 };

export interface JobObserver {
  /** A state change of the job; resolves when the SCU has answered the event (or at once). */
  changed(job: PrintJob): Promise<void>;
}

export interface JobWork {
  /** Write the films; resolves with their directories. */
  spool(job: PrintJob): Promise<string[]>;
  filmCount: number;
}

const FINISHED_KEPT = 200;

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

export class PrinterRuntime {
  #status: PrinterStatus = 'NORMAL';
  #statusInfo = 'NORMAL';
  readonly #statusListeners = new Set<(status: PrinterStatus, info: string) => void>();
  readonly #jobs = new Map<string, PrintJob>();
  readonly finished: PrintJob[] = [];
  #memoryUsed = 0;
  /** Where status and job changes are published (the HTTP side's event stream). */
  events: EventBus | undefined;
  /** Told of every film written to the data directory (the renderer listens here). */
  onFilmsSpooled: ((dirs: string[]) => void) | undefined;
  /** Test-lab scripts for jobs (see JobLabHooks). */
  lab: JobLabHooks | undefined;

  constructor(
    readonly caps: Capabilities,
    readonly dataDir: string,
    readonly log: Logger,
  ) {}

  get status(): PrinterStatus {
    return this.#status;
  }
  get statusInfo(): string {
    return this.#statusInfo;
  }

  /** Change the printer's status; every association using the printer is told (N-EVENT-REPORT). */
  setStatus(status: PrinterStatus, info: string): void {
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
    for (const l of this.#statusListeners) l(this.#status, this.#statusInfo);
  }

  onStatus(fn: (status: PrinterStatus, info: string) => void): () => void {
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

  /** Queue a job and run it to the end in the background. */
  submit(
    o: { priority: string; originator: string; label?: string; copies: number },
    work: JobWork,
    observer: JobObserver,
  ): PrintJob {
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
    };
    this.#jobs.set(job.uid, job);
    void this.#run(job, work, observer);
    return job;
  }

  async #run(job: PrintJob, work: JobWork, observer: JobObserver): Promise<void> {
    const t = this.lab?.timing(job) ?? this.caps.printJob;
    const step = async (status: JobStatus, info: string) => {
      job.status = status;
      job.statusInfo = info;
      this.log.info({ printer: this.caps.aeTitle, job: job.uid, status, info }, `print job ${status}`);
      this.events?.publish({ type: 'job', printer: this.caps.aeTitle, job: job.uid, status, info });
      await observer.changed(job).catch(() => undefined);
      // After the SCU heard of this state: a scripted jam "mid-job" follows the PRINTING event.
      this.lab?.reported(job, work.filmCount * job.copies);
    };
    try {
      await observer.changed(job).catch(() => undefined);
      job.films = await work.spool(job);
      this.onFilmsSpooled?.(job.films);
      // A printer in FAILURE (or going there) fails the job with its own status info, as a jammed
      // or broken imager does; the films already received stay in the data directory.
      if (!(await this.#waitUnlessFailed(t.pendingMs))) return await step('FAILURE', this.#statusInfo);
      await step('PRINTING', 'NORMAL');
      if (!(await this.#waitUnlessFailed(t.msPerFilm * work.filmCount * job.copies)))
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
      // PS3.4 H.4.6: the job is deleted once its final event was answered.
      this.#jobs.delete(job.uid);
      this.finished.push(job);
      if (this.finished.length > FINISHED_KEPT) this.finished.shift();
    }
  }

  /** Wait `ms`; false as soon as the printer is (or goes) FAILURE. */
  #waitUnlessFailed(ms: number): Promise<boolean> {
    if (this.#status === 'FAILURE') return Promise.resolve(false);
    return new Promise((resolve) => {
      const off = this.onStatus((status) => {
        if (status !== 'FAILURE') return;
        clearTimeout(timer);
        off();
        resolve(false);
      });
      const timer = setTimeout(() => {
        off();
        resolve(true);
      }, ms);
    });
  }
}
