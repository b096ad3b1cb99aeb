/**
 * Export jobs (src/export/): one row per film and target, written when the film is stored, so an
 * export survives restarts from the moment the print was acknowledged. States:
 *   queued   waiting for its first attempt (or the film's render)
 *   sending  an attempt is under way (a crash leaves it here: start-up queues it again)
 *   sent     the target took it (sent_at)
 *   failed   the last attempt failed (last_error: the peer's answer); next_at is the retry, or
 *            null when retrying cannot help (the film never rendered) until sent again by hand
 */
import type { Db } from './database.js';

export type ExportState = 'queued' | 'sending' | 'sent' | 'failed';

export interface ExportJob {
  id: number;
  filmId: string;
  printer: string;
  target: string;
  kind: string;
  state: ExportState;
  attempts: number;
  /** When the next attempt is due (ms since the epoch); absent: none planned. */
  nextAt?: number;
  createdAt: string;
  updatedAt: string;
  sentAt?: string;
  error?: string;
}

interface Row {
  seq: number;
  film_id: string;
  printer: string;
  target: string;
  kind: string;
  state: ExportState;
  attempts: number;
  next_at: number | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  last_error: string | null;
}

function job(r: Row): ExportJob {
  const j: ExportJob = {
    id: r.seq,
    filmId: r.film_id,
    printer: r.printer,
    target: r.target,
    kind: r.kind,
    state: r.state,
    attempts: r.attempts,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.next_at !== null) j.nextAt = r.next_at;
  if (r.sent_at) j.sentAt = r.sent_at;
  if (r.last_error) j.error = r.last_error;
  return j;
}

/** An error text kept: one line's worth of the peer's answer. */
const MAX_ERROR = 1000;

export class ExportLog {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Queue a film for each target (a film and target already queued are left as they are). */
  add(
    filmId: string,
    printer: string,
    targets: readonly { name: string; kind: string }[],
    now = Date.now(),
  ): void {
    const at = new Date(now).toISOString();
    const insert = this.#db.prepare(
      `INSERT INTO exports (film_id, printer, target, kind, state, attempts, next_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT (film_id, target) DO NOTHING`,
    );
    this.#db.transaction(() => {
      for (const t of targets) insert.run(filmId, printer, t.name, t.kind, now, at, at);
    })();
  }

  get(id: number): ExportJob | undefined {
    const r = this.#db.prepare<[number], Row>('SELECT * FROM exports WHERE seq = ?').get(id);
    return r ? job(r) : undefined;
  }

  forFilm(filmId: string): ExportJob[] {
    return this.#db
      .prepare<[string], Row>('SELECT * FROM exports WHERE film_id = ? ORDER BY seq')
      .all(filmId)
      .map(job);
  }

  list(filter: { state?: ExportState; target?: string }, limit: number): ExportJob[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.state) {
      where.push('state = ?');
      params.push(filter.state);
    }
    if (filter.target) {
      where.push('target = ?');
      params.push(filter.target);
    }
    const sql = `SELECT * FROM exports ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return this.#db
      .prepare<unknown[], Row>(sql)
      .all(...params, limit)
      .map(job);
  }

  /** Jobs whose attempt is due, oldest first. */
  due(now: number, limit: number): ExportJob[] {
    return this.#db
      .prepare<[number, number], Row>(
        `SELECT * FROM exports WHERE state IN ('queued', 'failed') AND next_at IS NOT NULL AND next_at <= ?
         ORDER BY next_at, seq LIMIT ?`,
      )
      .all(now, limit)
      .map(job);
  }

  /** The earliest planned attempt, if any (when the queue should look again). */
  nextDue(): number | undefined {
    const r = this.#db
      .prepare<[], { at: number | null }>(
        "SELECT min(next_at) AS at FROM exports WHERE state IN ('queued', 'failed') AND next_at IS NOT NULL",
      )
      .get();
    return r?.at ?? undefined;
  }

  /**
   * An attempt starts: true when this caller took the job (queued or failed), false when another
   * instance sharing the database is already sending it.
   */
  sending(id: number): boolean {
    return (
      this.#db
        .prepare(
          `UPDATE exports SET state = 'sending', attempts = attempts + 1, updated_at = ?
           WHERE seq = ? AND state IN ('queued', 'failed')`,
        )
        .run(new Date().toISOString(), id).changes > 0
    );
  }

  sent(id: number): void {
    const at = new Date().toISOString();
    this.#db
      .prepare(
        "UPDATE exports SET state = 'sent', next_at = NULL, sent_at = ?, updated_at = ?, last_error = NULL WHERE seq = ?",
      )
      .run(at, at, id);
  }

  /** The attempt failed; `retryAt` undefined: no retry planned. */
  failed(id: number, error: string, retryAt: number | undefined): void {
    this.#db
      .prepare(
        "UPDATE exports SET state = 'failed', next_at = ?, last_error = ?, updated_at = ? WHERE seq = ?",
      )
      .run(retryAt ?? null, error.slice(0, MAX_ERROR), new Date().toISOString(), id);
  }

  /** Not attempted now (the film is not rendered yet): look again at `at`, state unchanged. */
  later(id: number, at: number): void {
    this.#db.prepare('UPDATE exports SET next_at = ? WHERE seq = ?').run(at, id);
  }

  /** The film is rendered: its jobs waiting for that are due now. */
  wake(filmId: string): void {
    this.#db
      .prepare("UPDATE exports SET next_at = ? WHERE film_id = ? AND state = 'queued'")
      .run(Date.now(), filmId);
  }

  /** Send again by hand: queued, due now, attempts counted afresh. */
  resend(id: number): boolean {
    return (
      this.#db
        .prepare(
          "UPDATE exports SET state = 'queued', attempts = 0, next_at = ?, updated_at = ? WHERE seq = ? AND state <> 'sending'",
        )
        .run(Date.now(), new Date().toISOString(), id).changes > 0
    );
  }

  /**
   * Start-up: attempts a crash interrupted are queued again; with `startedBefore` (ISO), only those
   * started before it (instances sharing the database: younger ones may be another's, under way).
   */
  recover(startedBefore?: string): number {
    return Number(
      this.#db
        .prepare(
          "UPDATE exports SET state = 'queued', next_at = ? WHERE state = 'sending' AND updated_at < ?",
        )
        .run(Date.now(), startedBefore ?? '9999').changes,
    );
  }

  /** Films with an export not yet sent: retention keeps them. */
  unsentFilms(): Set<string> {
    return new Set(
      this.#db
        .prepare<[], { film_id: string }>(
          "SELECT DISTINCT film_id FROM exports WHERE state <> 'sent' AND NOT (state = 'failed' AND next_at IS NULL)",
        )
        .all()
        .map((r) => r.film_id),
    );
  }

  removeFilm(filmId: string): void {
    this.#db.prepare('DELETE FROM exports WHERE film_id = ?').run(filmId);
  }

  /** Jobs by target and state, for /metrics. */
  counts(): { target: string; state: ExportState; n: number }[] {
    return this.#db
      .prepare<[], { target: string; state: ExportState; n: number }>(
        'SELECT target, state, count(*) AS n FROM exports GROUP BY target, state ORDER BY target, state',
      )
      .all();
  }
}
