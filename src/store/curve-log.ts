/**
 * Measured printer curves Lightbox analysed (POST /api/qa/curves), kept: the readings and settings
 * as uploaded, the analysis as answered, and a small summary for listings; optionally linked to
 * the film the readings were taken on, and removed with it. Ids (c1, c2, ...) come from the row
 * sequence. The analysis is opaque here (src/qa/ makes it; the store does not depend on it).
 */
import type { Db } from './database.js';

/** The listing's view of one analysis. */
export interface CurveSummary {
  id: string;
  filmId?: string;
  label?: string;
  createdAt: string;
  pass: boolean;
  /** What a listing shows of the analysis (protocol, readings, Dmin/Dmax, gamma, worst residual). */
  [key: string]: unknown;
}

export interface CurveInput {
  filmId?: string;
  label?: string;
  createdAt: string;
  pass: boolean;
  /** The summary's own fields, beyond those above. */
  summary: Record<string, unknown>;
  /** What was uploaded: readings and settings, enough to analyse it again. */
  input: unknown;
  analysis: unknown;
}

export interface StoredCurve {
  summary: CurveSummary;
  input: unknown;
  analysis: unknown;
}

interface Row {
  seq: number;
  id: string;
  film_id: string | null;
  label: string | null;
  created_at: string;
  pass: number;
  summary: string;
  input: string;
  analysis: string;
}

/** Listings return at most this many analyses; the store keeps at most MAX_CURVES. */
const LIST_LIMIT = 500;
export const MAX_CURVES = 10_000;

function summaryOf(r: Row): CurveSummary {
  return {
    id: r.id,
    ...(r.film_id ? { filmId: r.film_id } : {}),
    ...(r.label ? { label: r.label } : {}),
    createdAt: r.created_at,
    pass: r.pass === 1,
    ...(JSON.parse(r.summary) as Record<string, unknown>),
  };
}

export class CurveLog {
  readonly #db: Db;
  readonly #insert;
  readonly #setId;
  readonly #byId;
  readonly #count;
  readonly #remove;
  readonly #removeForFilm;
  readonly #removeOrphans;

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO curve_analyses (id, film_id, label, created_at, pass, summary, input, analysis)
       VALUES ('', @filmId, @label, @createdAt, @pass, @summary, @input, @analysis)`,
    );
    this.#setId = db.prepare('UPDATE curve_analyses SET id = ? WHERE seq = ?');
    this.#byId = db.prepare<[string], Row>('SELECT * FROM curve_analyses WHERE id = ?');
    this.#count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM curve_analyses');
    this.#remove = db.prepare<[string]>('DELETE FROM curve_analyses WHERE id = ?');
    this.#removeForFilm = db.prepare<[string]>('DELETE FROM curve_analyses WHERE film_id = ?');
    this.#removeOrphans = db.prepare<[]>(
      'DELETE FROM curve_analyses WHERE film_id IS NOT NULL AND film_id NOT IN (SELECT id FROM films)',
    );
  }

  /** How many are kept (the API refuses more than MAX_CURVES). */
  count(): number {
    return Number(this.#count.get()?.n ?? 0);
  }

  /** Keep one analysis; returns its id. */
  add(c: CurveInput): string {
    return this.#db.transaction(() => {
      const r = this.#insert.run({
        filmId: c.filmId ?? null,
        label: c.label ?? null,
        createdAt: c.createdAt,
        pass: c.pass ? 1 : 0,
        summary: JSON.stringify(c.summary),
        input: JSON.stringify(c.input),
        analysis: JSON.stringify(c.analysis),
      });
      const id = `c${Number(r.lastInsertRowid)}`;
      this.#setId.run(id, Number(r.lastInsertRowid));
      return id;
    })();
  }

  get(id: string): StoredCurve | undefined {
    const r = this.#byId.get(id);
    return r
      ? { summary: summaryOf(r), input: JSON.parse(r.input), analysis: JSON.parse(r.analysis) }
      : undefined;
  }

  /** Newest first; of one film when filmId is given. */
  list(filter: { filmId?: string } = {}): CurveSummary[] {
    const where = filter.filmId ? 'WHERE film_id = ?' : '';
    const sql = `SELECT seq, id, film_id, label, created_at, pass, summary, '' AS input, '' AS analysis
      FROM curve_analyses ${where} ORDER BY seq DESC LIMIT ${LIST_LIMIT}`;
    return this.#db
      .prepare<string[], Row>(sql)
      .all(...(filter.filmId ? [filter.filmId] : []))
      .map(summaryOf);
  }

  remove(id: string): boolean {
    return Number(this.#remove.run(id).changes) > 0;
  }

  /** Every analysis of a film (the film is being removed); returns how many. */
  removeForFilm(filmId: string): number {
    return Number(this.#removeForFilm.run(filmId).changes);
  }

  /** Start-up: analyses of films no longer indexed (a removal a crash cut short); returns how many went. */
  removeOrphans(): number {
    return Number(this.#removeOrphans.run().changes);
  }
}
