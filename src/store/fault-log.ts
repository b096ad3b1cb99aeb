/** Every test-lab fault that fired, kept across restarts (the lab's own book counts the armed ones). */
import type { Db } from './database.js';
import { Conditions, type Page, type PageRequest, pageOf, sinceInstant } from './page.js';

export interface FaultFiring {
  at: string;
  printer: string;
  fault: string;
  kind: string;
  description: string;
  association?: string;
}

interface Row {
  seq: number;
  at: string;
  printer: string;
  fault: string;
  kind: string;
  description: string;
  association_id: string | null;
}

export class FaultLog {
  readonly #db: Db;
  readonly #insert;

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO fault_firings (at, printer, fault, kind, description, association_id)
       VALUES (@at, @printer, @fault, @kind, @description, @association)`,
    );
  }

  add(f: FaultFiring): void {
    this.#insert.run({ ...f, association: f.association ?? null });
  }

  list(
    filter: { printer?: string; since?: string; association?: string },
    page: PageRequest,
  ): Page<FaultFiring> {
    const c = new Conditions()
      .add('printer = ?', filter.printer)
      .add('at >= ?', sinceInstant(filter.since))
      .add('association_id = ?', filter.association);
    const rows = this.#db
      .prepare<unknown[], Row>(`SELECT * FROM fault_firings ${c.page(page)}`)
      .all(...c.params);
    return pageOf(rows, page, (r) => {
      const f: FaultFiring = {
        at: r.at,
        printer: r.printer,
        fault: r.fault,
        kind: r.kind,
        description: r.description,
      };
      if (r.association_id) f.association = r.association_id;
      return f;
    });
  }
}
