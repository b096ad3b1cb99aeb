/**
 * The durable queue of films to print on to a real printer (tee mode): one row per film, written
 * in the transaction that indexes the film (PrinterRuntime.withFilms), so before the modality hears
 * its print succeeded, and never one without the other. A film leaves `queued` only for `done` (the printer
 * took it) or `failed` (it answered a failure, or it stayed unreachable for maxAttempts); a
 * failed film is re-sent on request. A crash while sending leaves it queued: it is sent again
 * (at least once, never lost).
 */
import type { Db } from './database.js';

export type ForwardState = 'queued' | 'done' | 'failed';

export interface ForwardItem {
  filmId: string;
  printer: string;
  /** HOST:PORT:AE */
  target: string;
  state: ForwardState;
  attempts: number;
  /** When it is next due (ms since the epoch); queued only. */
  nextAt: number;
  createdAt: string;
  updatedAt: string;
  lastError?: string;
  /** The outbound run (o12) of the last attempt that reached the printer. */
  lastOutbound?: string;
}

interface Row {
  film_id: string;
  printer: string;
  target: string;
  state: string;
  attempts: number;
  next_at: number;
  created_at: string;
  updated_at: string;
  last_error: string | null;
  last_outbound: string | null;
}

function item(r: Row): ForwardItem {
  const i: ForwardItem = {
    filmId: r.film_id,
    printer: r.printer,
    target: r.target,
    state: r.state as ForwardState,
    attempts: r.attempts,
    nextAt: r.next_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.last_error) i.lastError = r.last_error;
  if (r.last_outbound) i.lastOutbound = r.last_outbound;
  return i;
}

/** Listings return at most this many rows. */
const LIST_LIMIT = 1000;

export class ForwardQueue {
  readonly #db: Db;
  readonly #insert;
  readonly #get;
  readonly #due;
  readonly #update;
  readonly #counts;
  readonly #queuedIds;

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO forward_queue (film_id, printer, target, state, attempts, next_at, created_at, updated_at)
       VALUES (?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT (film_id) DO NOTHING`,
    );
    this.#get = db.prepare<[string], Row>('SELECT * FROM forward_queue WHERE film_id = ?');
    this.#due = db.prepare<[number, number], Row>(
      "SELECT * FROM forward_queue WHERE state = 'queued' AND next_at <= ? ORDER BY next_at, seq LIMIT ?",
    );
    this.#update = db.prepare(
      `UPDATE forward_queue SET state = @state, attempts = @attempts, next_at = @nextAt, updated_at = @updatedAt,
         last_error = @lastError, last_outbound = coalesce(@lastOutbound, last_outbound) WHERE film_id = @filmId`,
    );
    this.#counts = db.prepare<[], { state: string; n: number }>(
      'SELECT state, count(*) AS n FROM forward_queue GROUP BY state',
    );
    this.#queuedIds = db.prepare<[], { film_id: string }>(
      "SELECT film_id FROM forward_queue WHERE state = 'queued'",
    );
  }

  /** Queue films (a film already queued, done or failed is left as it is). */
  add(films: readonly { filmId: string; printer: string; target: string }[], now = Date.now()): void {
    const at = new Date(now).toISOString();
    this.#db.transaction(() => {
      for (const f of films) this.#insert.run(f.filmId, f.printer, f.target, now, at, at);
    })();
  }

  get(filmId: string): ForwardItem | undefined {
    const r = this.#get.get(filmId);
    return r ? item(r) : undefined;
  }

  /** Queued films due by `now`, the most overdue first. */
  due(now: number, limit = 16): ForwardItem[] {
    return this.#due.all(now, limit).map(item);
  }

  /** The next time anything queued is due, if anything is. */
  nextDue(): number | undefined {
    const r = this.#db
      .prepare<[], { m: number | null }>("SELECT min(next_at) AS m FROM forward_queue WHERE state = 'queued'")
      .get();
    return r?.m ?? undefined;
  }

  /**
   * Take a due film for an attempt: its next_at moves to `leaseUntil`, so no other instance sharing
   * the database sends it meanwhile (and a crash leaves it due again then). False: someone else took it.
   */
  claim(filmId: string, now: number, leaseUntil: number): boolean {
    return (
      this.#db
        .prepare(
          "UPDATE forward_queue SET next_at = ? WHERE film_id = ? AND state = 'queued' AND next_at <= ?",
        )
        .run(leaseUntil, filmId, now).changes > 0
    );
  }

  /** Record an attempt's outcome. */
  settle(
    filmId: string,
    o: { state: ForwardState; attempts: number; nextAt?: number; lastError?: string; lastOutbound?: string },
  ): void {
    this.#update.run({
      filmId,
      state: o.state,
      attempts: o.attempts,
      nextAt: o.nextAt ?? 0,
      updatedAt: new Date().toISOString(),
      lastError: o.lastError ?? null,
      lastOutbound: o.lastOutbound ?? null,
    });
  }

  /** A failed (or done) film queued again to be sent now; false when there is no such film. */
  requeue(filmId: string, now = Date.now()): boolean {
    const cur = this.get(filmId);
    if (!cur) return false;
    this.settle(filmId, { state: 'queued', attempts: 0, nextAt: now, lastError: cur.lastError });
    return true;
  }

  /** Newest first. */
  list(filter: { state?: ForwardState; printer?: string; filmId?: string } = {}): ForwardItem[] {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.state) where.push('state = ?') && params.push(filter.state);
    if (filter.printer) where.push('printer = ?') && params.push(filter.printer);
    if (filter.filmId) where.push('film_id = ?') && params.push(filter.filmId);
    const sql = `SELECT * FROM forward_queue ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${LIST_LIMIT}`;
    return this.#db
      .prepare<string[], Row>(sql)
      .all(...params)
      .map(item);
  }

  counts(): Record<ForwardState, number> {
    const c: Record<ForwardState, number> = { queued: 0, done: 0, failed: 0 };
    for (const r of this.#counts.all()) if (r.state in c) c[r.state as ForwardState] = r.n;
    return c;
  }

  /** Films still to be sent: retention must keep them. */
  queuedFilms(): Set<string> {
    return new Set(this.#queuedIds.all().map((r) => r.film_id));
  }
}
