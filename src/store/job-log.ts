/**
 * Print jobs as they were submitted and every state they went through, kept across restarts.
 * The printer runtime holds the jobs still queued or printing; this is their record.
 */
import type { Db } from './database.js';
import { JOB_COLUMNS, JOB_OUTCOME_SQL, type Outcome, parseWarnings } from './outcome.js';
import { Conditions, type Page, type PageRequest, pageOf, sinceInstant } from './page.js';

/** PS3.4 H.4.6 Execution Status. */
export type JobStatus = 'PENDING' | 'PRINTING' | 'DONE' | 'FAILURE';

/** A print job as the printer runtime holds it (src/print/model.ts PrintJob). */
export interface JobInput {
  uid: string;
  status: JobStatus;
  statusInfo: string;
  priority: string;
  createdAt: Date;
  originator: string;
  printerName: string;
  filmSessionLabel?: string;
  /** Ids of the films this job printed (their directories under films/), in order. */
  films: string[];
  copies: number;
}

export interface JobView {
  uid: string;
  printer: string;
  status: JobStatus;
  statusInfo: string;
  priority: string;
  createdAt: string;
  originator: string;
  associationId?: string;
  printerName?: string;
  filmSessionLabel?: string;
  copies: number;
  /** Film ids (see /api/films), in order. */
  films: string[];
  /** Every state the job went through, oldest first. */
  history?: { at: string; status: JobStatus; info: string }[];
  /** Read from the index (listing and detail): what became of the job and its films (outcome.ts). */
  outcome?: Outcome;
  /** Read from the index: the warning statuses its films got, distinct, ascending. */
  warnings?: number[];
}

export interface JobFilter {
  printer?: string;
  callingAe?: string;
  since?: string;
  status?: JobStatus;
  outcome?: Outcome;
}

interface Row {
  seq: number;
  uid: string;
  printer: string;
  originator: string;
  association_id: string | null;
  status: JobStatus;
  status_info: string;
  priority: string;
  created_at: string;
  printer_name: string | null;
  label: string | null;
  copies: number;
  films: string;
  /** With JOB_COLUMNS only. */
  outcome?: Outcome;
  film_warnings?: string | null;
}

function view(r: Row): JobView {
  const j: JobView = {
    uid: r.uid,
    printer: r.printer,
    status: r.status,
    statusInfo: r.status_info,
    priority: r.priority,
    createdAt: r.created_at,
    originator: r.originator,
    copies: r.copies,
    films: JSON.parse(r.films) as string[],
  };
  if (r.association_id) j.associationId = r.association_id;
  if (r.printer_name) j.printerName = r.printer_name;
  if (r.label) j.filmSessionLabel = r.label;
  if (r.outcome) j.outcome = r.outcome;
  const warnings = r.film_warnings === undefined ? undefined : parseWarnings(r.film_warnings);
  if (warnings) j.warnings = warnings;
  return j;
}

export class JobLog {
  readonly #db: Db;
  readonly #insert;
  readonly #update;
  readonly #state;
  readonly #byUid;
  readonly #history;

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO jobs (uid, printer, originator, association_id, status, status_info, priority,
         created_at, updated_at, printer_name, label, copies, films)
       VALUES (@uid, @printer, @originator, @associationId, @status, @statusInfo, @priority,
         @createdAt, @createdAt, @printerName, @label, @copies, @films)`,
    );
    this.#update = db.prepare(
      'UPDATE jobs SET status = ?, status_info = ?, films = ?, updated_at = ? WHERE uid = ?',
    );
    this.#state = db.prepare('INSERT INTO job_states (job_uid, at, status, info) VALUES (?, ?, ?, ?)');
    this.#byUid = db.prepare<[string], Row>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE uid = ?`);
    this.#history = db.prepare<[string], { at: string; status: JobStatus; info: string }>(
      'SELECT at, status, info FROM job_states WHERE job_uid = ? ORDER BY seq',
    );
  }

  /** A job was created (and its films written): its first state. */
  add(printer: string, job: JobInput, associationId?: string): void {
    const at = job.createdAt.toISOString();
    this.#db.transaction(() => {
      this.#insert.run({
        uid: job.uid,
        printer,
        originator: job.originator,
        associationId: associationId ?? null,
        status: job.status,
        statusInfo: job.statusInfo,
        priority: job.priority,
        createdAt: at,
        printerName: job.printerName,
        label: job.filmSessionLabel ?? null,
        copies: job.copies,
        films: JSON.stringify(job.films),
      });
      this.#state.run(job.uid, at, job.status, job.statusInfo);
    })();
  }

  /** The job moved to its current status. */
  changed(job: JobInput): void {
    const at = new Date().toISOString();
    this.#db.transaction(() => {
      this.#update.run(job.status, job.statusInfo, JSON.stringify(job.films), at, job.uid);
      this.#state.run(job.uid, at, job.status, job.statusInfo);
    })();
  }

  get(uid: string): JobView | undefined {
    const r = this.#byUid.get(uid);
    if (!r) return undefined;
    return { ...view(r), history: this.#history.all(uid) };
  }

  list(filter: JobFilter, page: PageRequest): Page<JobView> {
    const c = new Conditions()
      .add('printer = ?', filter.printer)
      .add('originator = ?', filter.callingAe)
      .add('created_at >= ?', sinceInstant(filter.since))
      .add('status = ?', filter.status)
      .add(`(${JOB_OUTCOME_SQL}) = ?`, filter.outcome);
    const sql = `SELECT ${JOB_COLUMNS} FROM jobs ${c.page(page)}`;
    return pageOf(this.#db.prepare<unknown[], Row>(sql).all(...c.params), page, view);
  }

  /** Jobs a stopped process left queued or printing, oldest first. */
  unfinished(): JobView[] {
    return this.#db
      .prepare<[], Row>("SELECT * FROM jobs WHERE status IN ('PENDING', 'PRINTING') ORDER BY seq")
      .all()
      .map(view);
  }
}
