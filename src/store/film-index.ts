/**
 * The index of printed films: one row per film directory, with what the listings filter on and
 * its render state, so no request reads or parses film.json to list or find a film.
 */
import type { Db } from './database.js';
import { FILM_COLUMNS, FILM_OUTCOME_SQL, type Outcome, parseWarnings } from './outcome.js';
import { Conditions, type Page, type PageRequest, pageOf, sinceInstant } from './page.js';

/** 'broken': the film's directory is there but its film.json cannot be read (error says why). */
export type RenderState = 'pending' | 'rendered' | 'failed' | 'broken';

export interface FilmSummary {
  id: string;
  printer: string;
  callingAeTitle: string;
  jobUid: string;
  filmBoxUid?: string;
  associationId?: string;
  printedAt: string;
  /** Image boxes holding an image. */
  imageBoxes: number;
  /** Bytes on disk (pixels, records, rendered images). */
  bytes: number;
  render: RenderState;
  /** Why rendering failed, or why the film is broken. */
  error?: string;
  /** Kept by retention whatever its age. */
  pinned: boolean;
  /**
   * Warning statuses the SCU was answered with for this film (film box and image boxes), distinct,
   * ascending; absent for films indexed before they were recorded.
   */
  warnings?: number[];
  /** Read from the index, never written: what became of the film (see outcome.ts). */
  outcome?: Outcome;
  /** Read from the index: the status of its print job, and why. */
  jobStatus?: string;
  jobStatusInfo?: string;
}

export interface FilmFilter {
  printer?: string;
  callingAe?: string;
  since?: string;
  status?: RenderState;
  job?: string;
  outcome?: Outcome;
  pinned?: boolean;
}

interface Row {
  seq: number;
  id: string;
  printer: string;
  calling_ae: string;
  job_uid: string;
  film_box_uid: string | null;
  association_id: string | null;
  printed_at: string;
  image_boxes: number;
  bytes: number;
  render: RenderState;
  render_error: string | null;
  pinned: number;
  warnings: string | null;
  outcome: Outcome;
  job_status: string | null;
  job_status_info: string | null;
}

function summary(r: Row): FilmSummary {
  const f: FilmSummary = {
    id: r.id,
    printer: r.printer,
    callingAeTitle: r.calling_ae,
    jobUid: r.job_uid,
    printedAt: r.printed_at,
    imageBoxes: r.image_boxes,
    bytes: r.bytes,
    render: r.render,
    pinned: r.pinned === 1,
    outcome: r.outcome,
  };
  const warnings = parseWarnings(r.warnings);
  if (warnings) f.warnings = warnings;
  if (r.job_status) f.jobStatus = r.job_status;
  if (r.job_status_info) f.jobStatusInfo = r.job_status_info;
  if (r.film_box_uid) f.filmBoxUid = r.film_box_uid;
  if (r.association_id) f.associationId = r.association_id;
  if (r.render_error) f.error = r.render_error;
  return f;
}

export class FilmIndex {
  readonly #db: Db;
  readonly #insert;
  readonly #byId;
  readonly #setRender;
  readonly #remove;
  readonly #pin;

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO films (id, printer, calling_ae, job_uid, film_box_uid, association_id,
         printed_at, image_boxes, bytes, render, render_error, pinned, warnings)
       VALUES (@id, @printer, @callingAeTitle, @jobUid, @filmBoxUid, @associationId,
         @printedAt, @imageBoxes, @bytes, @render, @error, @pinned, @warnings)
       ON CONFLICT (id) DO UPDATE SET printer = excluded.printer, calling_ae = excluded.calling_ae,
         job_uid = excluded.job_uid, film_box_uid = excluded.film_box_uid, association_id = excluded.association_id,
         printed_at = excluded.printed_at, image_boxes = excluded.image_boxes, bytes = excluded.bytes,
         render = excluded.render, render_error = excluded.render_error, pinned = excluded.pinned,
         warnings = excluded.warnings`,
    );
    this.#byId = db.prepare<[string], Row>(`SELECT ${FILM_COLUMNS} FROM films WHERE id = ?`);
    this.#setRender = db.prepare(
      'UPDATE films SET render = ?, render_error = ?, bytes = coalesce(?, bytes) WHERE id = ?',
    );
    this.#remove = db.prepare('DELETE FROM films WHERE id = ?');
    this.#pin = db.prepare('UPDATE films SET pinned = ? WHERE id = ?');
  }

  add(f: FilmSummary): void {
    const { outcome: _o, jobStatus: _s, jobStatusInfo: _i, ...row } = f;
    this.#insert.run({
      ...row,
      warnings: f.warnings ? JSON.stringify(f.warnings) : null,
      filmBoxUid: f.filmBoxUid ?? null,
      associationId: f.associationId ?? null,
      error: f.error ?? null,
      pinned: f.pinned ? 1 : 0,
    });
  }

  get(id: string): FilmSummary | undefined {
    const r = this.#byId.get(id);
    return r ? summary(r) : undefined;
  }

  list(filter: FilmFilter, page: PageRequest): Page<FilmSummary> {
    const c = new Conditions()
      .add('printer = ?', filter.printer)
      .add('calling_ae = ?', filter.callingAe)
      .add('printed_at >= ?', sinceInstant(filter.since))
      .add('render = ?', filter.status)
      .add('job_uid = ?', filter.job)
      .add(`(${FILM_OUTCOME_SQL}) = ?`, filter.outcome)
      .add('pinned = ?', filter.pinned === undefined ? undefined : Number(filter.pinned));
    const sql = `SELECT ${FILM_COLUMNS} FROM films ${c.page(page)}`;
    return pageOf(this.#db.prepare<unknown[], Row>(sql).all(...c.params), page, summary);
  }

  /** The films an association printed, oldest first. */
  byAssociation(associationId: string): FilmSummary[] {
    return this.#db
      .prepare<[string], Row>('SELECT * FROM films WHERE association_id = ? ORDER BY seq')
      .all(associationId)
      .map(summary);
  }

  /** The films printed from a Film Box SOP Instance UID (one, unless printed again), oldest first. */
  byFilmBox(uid: string): FilmSummary[] {
    return this.#db
      .prepare<[string], Row>('SELECT * FROM films WHERE film_box_uid = ? ORDER BY seq')
      .all(uid)
      .map(summary);
  }

  /** Record how rendering ended (and the film's bytes on disk with its images). */
  setRender(id: string, state: RenderState, error?: string, bytes?: number): void {
    this.#setRender.run(state, error ?? null, bytes ?? null, id);
  }

  remove(id: string): boolean {
    return this.#remove.run(id).changes > 0;
  }

  setPinned(id: string, pinned: boolean): boolean {
    return this.#pin.run(pinned ? 1 : 0, id).changes > 0;
  }

  /** Films indexed before their warnings were recorded (migration 3). */
  withoutWarnings(): string[] {
    return this.#db
      .prepare<[], { id: string }>("SELECT id FROM films WHERE warnings IS NULL AND render <> 'broken'")
      .all()
      .map((r) => r.id);
  }

  setWarnings(id: string, warnings: readonly number[]): void {
    this.#db.prepare('UPDATE films SET warnings = ? WHERE id = ?').run(JSON.stringify(warnings), id);
  }

  /**
   * Take the film's render for `instance`: true when it is pending and unclaimed, already ours, or
   * claimed by an instance not seen since `aliveSince` (ms). One statement: of two instances asking
   * at once, one gets it.
   */
  claimRender(id: string, instance: string, aliveSince: number): boolean {
    return (
      this.#db
        .prepare(
          `UPDATE films SET render_claim = ? WHERE id = ? AND render = 'pending'
             AND (render_claim IS NULL OR render_claim = ? OR NOT EXISTS
               (SELECT 1 FROM instances WHERE instances.id = films.render_claim AND instances.seen_at >= ?))`,
        )
        .run(instance, id, instance, aliveSince).changes > 0
    );
  }

  /**
   * Pending films nobody alive is rendering, oldest first: claimed by an instance not seen since
   * `aliveSince`, or unclaimed and printed before `unclaimedBefore` (ISO; younger ones are left to
   * the instance that printed them).
   */
  abandonedRenders(aliveSince: number, unclaimedBefore: string, limit: number): string[] {
    return this.#db
      .prepare<[string, number, number], { id: string }>(
        `SELECT id FROM films WHERE render = 'pending' AND (
           (render_claim IS NULL AND printed_at < ?) OR (render_claim IS NOT NULL AND NOT EXISTS
             (SELECT 1 FROM instances WHERE instances.id = films.render_claim AND instances.seen_at >= ?)))
         ORDER BY seq LIMIT ?`,
      )
      .all(unclaimedBefore, aliveSince, limit)
      .map((r) => r.id);
  }

  /** Films whose rendering never finished, oldest first. */
  pendingRender(): string[] {
    return this.#db
      .prepare<[], { id: string }>("SELECT id FROM films WHERE render = 'pending' ORDER BY seq")
      .all()
      .map((r) => r.id);
  }

  /** Every indexed film id (start-up reconciliation with the films directory). */
  ids(): Set<string> {
    return new Set(
      this.#db
        .prepare<[], { id: string }>('SELECT id FROM films')
        .all()
        .map((r) => r.id),
    );
  }

  totals(): { films: number; bytes: number; pinned: number } {
    return this.#db
      .prepare<[], { films: number; bytes: number; pinned: number }>(
        'SELECT count(*) AS films, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(pinned), 0) AS pinned FROM films',
      )
      .get()!;
  }

  /** Is some unpinned film printed before `instant` (ISO 8601)? (Retention's age rule, cheaply.) */
  anyUnpinnedBefore(instant: string): boolean {
    return (
      this.#db
        .prepare<[string], { one: number }>(
          'SELECT 1 AS one FROM films WHERE pinned = 0 AND printed_at < ? LIMIT 1',
        )
        .get(instant) !== undefined
    );
  }

  /** Unpinned films, oldest first: what retention removes first. */
  oldestUnpinned(limit: number): { id: string; bytes: number; printedAt: string }[] {
    return this.#db
      .prepare<[number], { id: string; bytes: number; printedAt: string }>(
        'SELECT id, bytes, printed_at AS printedAt FROM films WHERE pinned = 0 ORDER BY seq LIMIT ?',
      )
      .all(limit);
  }
}
