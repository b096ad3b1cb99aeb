/**
 * Keyset pagination over a table's `seq` (its insertion order): a page is `limit` rows after the
 * cursor, and the cursor of the next page is the last row's seq. Unlike OFFSET, a page costs the
 * same at row 10 as at row 10,000, and rows added meanwhile neither repeat nor go missing.
 */
export interface PageRequest {
  limit: number;
  /** Opaque to clients: the seq of the last row of the previous page. */
  cursor?: string;
  order: 'asc' | 'desc';
}

export interface Page<T> {
  items: T[];
  /** The cursor of the next page; absent on the last one. */
  next?: string;
}

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;
export const CURSOR_PATTERN = '^[0-9]{1,15}$';

/** A WHERE clause built from conditions that apply (undefined values are left out). */
export class Conditions {
  readonly #sql: string[] = [];
  readonly params: (string | number)[] = [];

  /** Add `sql` (with one `?`) when value is defined and not empty. */
  add(sql: string, value: string | number | undefined): this {
    if (value === undefined || value === '') return this;
    this.#sql.push(sql);
    this.params.push(value);
    return this;
  }

  /** Add a condition that takes no parameter. */
  raw(sql: string): this {
    this.#sql.push(sql);
    return this;
  }

  /** The keyset condition and ORDER BY ... LIMIT for a page (fetches one more row to know if there is a next). */
  page(p: PageRequest): string {
    if (p.cursor !== undefined) this.add(p.order === 'asc' ? 'seq > ?' : 'seq < ?', Number(p.cursor));
    return `${this.where} ORDER BY seq ${p.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ${Math.trunc(p.limit) + 1}`;
  }

  get where(): string {
    return this.#sql.length === 0 ? '' : `WHERE ${this.#sql.join(' AND ')}`;
  }
}

/** Rows fetched with Conditions.page (limit + 1 of them) as a page. */
export function pageOf<R extends { seq: number }, T>(rows: R[], p: PageRequest, map: (r: R) => T): Page<T> {
  const more = rows.length > p.limit;
  const kept = more ? rows.slice(0, p.limit) : rows;
  const page: Page<T> = { items: kept.map(map) };
  if (more) page.next = String(kept.at(-1)!.seq);
  return page;
}

/** A since filter (a date or a date-time) as the ISO instant stored rows compare against. */
export function sinceInstant(since: string | undefined): string | undefined {
  if (!since) return undefined;
  const t = Date.parse(since);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
