/**
 * What Lightbox sent as an SCU and what it was answered: replays of recorded associations, films
 * forwarded to a real printer (tee), films printed to one on request and "check now" probes of a
 * forwarding printer's real printer, each kept whole (the report as JSON) with a small summary
 * for listings. Ids (o1, o2, ...) come from the row sequence.
 */
import type { Db } from './database.js';

export type OutboundKind = 'replay' | 'forward' | 'print' | 'probe';

/** The listing's view of one outbound run. */
export interface OutboundSummary {
  id: string;
  kind: OutboundKind;
  /** "association a12", "film 20261203-...-01". */
  source: string;
  /** HOST:PORT:AE */
  target: string;
  filmId?: string;
  associationId?: string;
  startedAt: string;
  endedAt: string;
  /** Replay: every answer as the original's. Forward: the film printed (N-ACTION not a failure). */
  ok: boolean;
  /** One line: the first difference or failure, or what went well. */
  outcome: string;
}

export interface OutboundInput extends Omit<OutboundSummary, 'id'> {
  report: unknown;
}

interface Row {
  seq: number;
  id: string;
  kind: string;
  source: string;
  target: string;
  film_id: string | null;
  association_id: string | null;
  started_at: string;
  ended_at: string;
  ok: number;
  summary: string;
  report: string;
}

function summaryOf(r: Row): OutboundSummary {
  const s: OutboundSummary = {
    id: r.id,
    kind: r.kind as OutboundKind,
    source: r.source,
    target: r.target,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    ok: r.ok === 1,
    outcome: r.summary,
  };
  if (r.film_id) s.filmId = r.film_id;
  if (r.association_id) s.associationId = r.association_id;
  return s;
}

/** Listings return at most this many runs. */
const LIST_LIMIT = 500;

export class OutboundLog {
  readonly #db: Db;
  readonly #insert;
  readonly #setId;
  readonly #byId;
  readonly #newest;
  readonly #prune;

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO outbound (id, kind, source, target, film_id, association_id, started_at, ended_at, ok, summary, report)
       VALUES ('', @kind, @source, @target, @filmId, @associationId, @startedAt, @endedAt, @ok, @outcome, @report)`,
    );
    this.#setId = db.prepare('UPDATE outbound SET id = ? WHERE seq = ?');
    this.#byId = db.prepare<[string], Row>('SELECT * FROM outbound WHERE id = ?');
    this.#newest = db.prepare<[string, string], Row>(
      'SELECT * FROM outbound WHERE kind = ? AND source = ? ORDER BY seq DESC LIMIT 1',
    );
    this.#prune = db.prepare<[string, string, string, string, number]>(
      `DELETE FROM outbound WHERE kind = ? AND source = ? AND seq <=
         (SELECT seq FROM outbound WHERE kind = ? AND source = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    );
  }

  /** Keep one run; returns its id. */
  add(o: OutboundInput): string {
    return this.#db.transaction(() => {
      const r = this.#insert.run({
        kind: o.kind,
        source: o.source,
        target: o.target,
        filmId: o.filmId ?? null,
        associationId: o.associationId ?? null,
        startedAt: o.startedAt,
        endedAt: o.endedAt,
        ok: o.ok ? 1 : 0,
        outcome: o.outcome,
        report: JSON.stringify(o.report),
      });
      const id = `o${Number(r.lastInsertRowid)}`;
      this.#setId.run(id, Number(r.lastInsertRowid));
      return id;
    })();
  }

  get(id: string): { summary: OutboundSummary; report: unknown } | undefined {
    const r = this.#byId.get(id);
    return r ? { summary: summaryOf(r), report: JSON.parse(r.report) } : undefined;
  }

  /** The newest run of a kind from a source ("printer PROXY"), whole. */
  newest(kind: OutboundKind, source: string): { summary: OutboundSummary; report: unknown } | undefined {
    const r = this.#newest.get(kind, source);
    return r ? { summary: summaryOf(r), report: JSON.parse(r.report) } : undefined;
  }

  /** Keep only the newest `keep` runs of a kind from a source (probes, which nothing else refers to). */
  prune(kind: OutboundKind, source: string, keep: number): void {
    this.#prune.run(kind, source, kind, source, keep);
  }

  /** Newest first. */
  list(filter: { kind?: OutboundKind; filmId?: string; associationId?: string } = {}): OutboundSummary[] {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.kind) where.push('kind = ?') && params.push(filter.kind);
    if (filter.filmId) where.push('film_id = ?') && params.push(filter.filmId);
    if (filter.associationId) where.push('association_id = ?') && params.push(filter.associationId);
    const sql = `SELECT seq, id, kind, source, target, film_id, association_id, started_at, ended_at, ok, summary, '' AS report
      FROM outbound ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${LIST_LIMIT}`;
    return this.#db
      .prepare<string[], Row>(sql)
      .all(...params)
      .map(summaryOf);
  }
}
