/**
 * What instances sharing one PostgreSQL database tell each other, over LISTEN/NOTIFY on one channel:
 *
 * - an operator's printer status change (PUT /api/printers/{ae}/status): every instance sets it on
 *   its own printer, so each sends the N-EVENT-REPORTs to its own associations;
 * - lab changes (a fault armed, disarmed, cleared, or a counted fault spent): every instance's
 *   book has the fault, so it fires on a print sent to any of them;
 * - live events (but the per-message `dimse` ones), shown by the other instances' event streams
 *   (GET /api/events) as if they were their own, with the instance they come from; the open
 *   associations they tell of are listed by every instance (GET /api/associations), naming theirs.
 *
 * The status and the armed faults are also kept in the database (printer_status, lab_faults), so an
 * instance that starts later begins with them. A counted fault's firings left are counted there
 * too, taken one at a time by one atomic UPDATE as the fault fires: a fault armed to fire 3 times
 * fires 3 times in the pool, wherever the prints go, and an instance that starts later gets what is
 * left. Notifications arrive asynchronously (pg-database.ts posts them from its worker); a message
 * from this instance itself is ignored.
 */
import type { Logger } from 'pino';
import type { EventBus, Stamped } from '../events.js';
import { poolCounted } from '../lab/fault-book.js';
import type { Fault } from '../lab/fault-schema.js';
import type { Lab, LabChange } from '../lab/lab.js';
import type { Printer } from '../print/printer.js';
import type { PrinterStatus } from '../profiles/printer-status.js';
import { LEASE_MS } from '../store/instances.js';
import { PgDb } from '../store/pg-database.js';
import type { Store } from '../store/store.js';

export const POOL_CHANNEL = 'lightbox_pool';
/** NOTIFY takes at most 8000 bytes: a larger message is not sent (logged). */
const MAX_PAYLOAD = 7900;

type Message = { from: string } & (
  | { kind: 'events'; events: Stamped[] }
  | { kind: 'status'; printer: string; status: PrinterStatus; info: string }
  | { kind: 'lab'; change: LabChange }
);

export interface PoolSyncOptions {
  store: Store;
  events: EventBus;
  lab: Lab;
  printers: readonly Printer[];
  log: Logger;
}

export class PoolSync {
  readonly #o: PoolSyncOptions;
  readonly #db: PgDb;
  readonly #me: string;
  readonly #undo: (() => void)[] = [];
  /** Events of this tick, sent together (one NOTIFY, one round trip) once it is over. */
  #outbox: Stamped[] = [];

  constructor(o: PoolSyncOptions) {
    if (!(o.store.db instanceof PgDb)) throw new Error('a pool needs a PostgreSQL database');
    this.#o = o;
    this.#db = o.store.db;
    this.#me = o.store.instances.id;
  }

  /** Take the pool's state (operator statuses, armed faults), then share from now on. */
  start(): void {
    const { store, lab, printers, events } = this.#o;
    const db = this.#db;
    for (const r of db
      .prepare<[], { printer: string; status: PrinterStatus; info: string }>(
        'SELECT printer, status, info FROM printer_status',
      )
      .all())
      this.#printer(r.printer)?.runtime.setStatus(r.status, r.info, 'pool');
    for (const r of db
      .prepare<
        [],
        {
          id: string;
          printer: string;
          fault: string;
          source: string;
          armed_at: string;
          remaining: number | null;
        }
      >('SELECT id, printer, fault, source, armed_at, remaining FROM lab_faults ORDER BY armed_at, id')
      .all()) {
      try {
        const fault = JSON.parse(r.fault) as Fault;
        const remaining = r.remaining ?? flapsLeft(fault, r.armed_at);
        lab.apply({
          type: 'arm',
          id: r.id,
          printer: r.printer,
          fault,
          source: r.source,
          ...(remaining === undefined ? {} : { remaining }),
        });
      } catch (e) {
        this.#o.log.warn({ fault: r.id, err: (e as Error).message }, 'stored lab fault not armed');
      }
    }
    this.#undo.push(db.listen(POOL_CHANNEL, (payload) => this.#received(payload)));
    // Associations open on an instance that died (no event says they ended) are forgotten.
    const prune = setInterval(
      () =>
        this.#safely('instances alive not read', () =>
          store.associations.keepRemote(new Set(store.instances.alive().map((i) => i.id))),
        ),
      LEASE_MS,
    );
    prune.unref();
    this.#undo.push(() => clearInterval(prune));
    lab.share((c) => this.#labChanged(c), `.${store.instances.id.slice(-6)}`, {
      take: (id, count) => this.#take(id, count),
      countFilms: (id, films, every) => this.#countFilms(id, films, every),
    });
    for (const p of printers)
      this.#undo.push(
        p.runtime.onStatus((status, info, source) => {
          // An operator's change, or a status a fault set on a print here: the printer's, pool-wide.
          if (source !== 'operator' && source !== 'fault') return;
          this.#safely('printer status not shared', () => {
            db.prepare(
              `INSERT INTO printer_status (printer, status, info, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (printer) DO UPDATE SET status = excluded.status, info = excluded.info,
                 updated_at = excluded.updated_at`,
            ).run(p.caps.aeTitle, status, info, new Date().toISOString());
            this.#send({ from: this.#me, kind: 'status', printer: p.caps.aeTitle, status, info });
          });
        }),
      );
    this.#undo.push(
      events.subscribe((e) => {
        if (e.type === 'dimse') return;
        if (this.#outbox.push(e) === 1) setImmediate(() => this.#flush());
      }),
    );
  }

  stop(): void {
    for (const u of this.#undo.splice(0)) u();
    this.#flush();
  }

  /** The events of the tick just over, in as few messages as fit a NOTIFY. */
  #flush(): void {
    const all = this.#outbox;
    this.#outbox = [];
    let batch: Stamped[] = [];
    let bytes = 0;
    const send = () => {
      if (batch.length === 0) return;
      const events = batch;
      this.#safely('events not shared', () => this.#send({ from: this.#me, kind: 'events', events }));
      batch = [];
      bytes = 0;
    };
    for (const e of all) {
      const size = JSON.stringify(e).length + 1;
      if (bytes + size > MAX_PAYLOAD - 200) send();
      batch.push(e);
      bytes += size;
    }
    send();
  }

  #printer(ae: string): Printer | undefined {
    return this.#o.printers.find((p) => p.caps.aeTitle === ae);
  }

  #labChanged(c: LabChange): void {
    this.#safely('lab change not shared', () => {
      const db = this.#db;
      db.transaction(() => {
        if (c.type === 'arm') {
          const count = 'count' in c.fault && poolCounted(c.fault) ? (c.fault.count ?? null) : null;
          db.prepare(
            `INSERT INTO lab_faults (id, printer, fault, source, armed_at, remaining) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING`,
          ).run(c.id, c.printer, JSON.stringify(c.fault), c.source, new Date().toISOString(), count);
        } else if (c.type === 'disarm') db.prepare('DELETE FROM lab_faults WHERE id = ?').run(c.id);
        else if (c.type === 'clear')
          if (c.printer === undefined) db.prepare('DELETE FROM lab_faults').run();
          else db.prepare('DELETE FROM lab_faults WHERE printer = ?').run(c.printer);
        this.#send({ from: this.#me, kind: 'lab', change: c });
      })();
    });
  }

  /**
   * One firing of a counted fault, from the pool's count: what is left after it, null when none
   * was (spent on other instances); undefined when the database cannot say (it fires on the local count).
   */
  #take(id: string, count: number): number | null | undefined {
    try {
      const r = this.#db
        .prepare<[number, string, number], { remaining: number }>(
          `UPDATE lab_faults SET remaining = coalesce(remaining, ?) - 1
           WHERE id = ? AND coalesce(remaining, ?) > 0 RETURNING remaining`,
        )
        .get(count, id, count);
      return r ? r.remaining : null;
    } catch (e) {
      this.#o.log.warn({ fault: id, err: (e as Error).message }, 'lab fault count not shared');
      return undefined;
    }
  }

  /** Films toward an afterFilms status fault, counted over the pool: reached (and started again)? */
  #countFilms(id: string, films: number, every: number): boolean | undefined {
    try {
      const r = this.#db
        .prepare<[number, number, number, string], { films: number }>(
          `UPDATE lab_faults SET films = CASE WHEN films + ? >= ? THEN 0 ELSE films + ? END
           WHERE id = ? RETURNING films`,
        )
        .get(films, every, films, id);
      return r ? r.films === 0 : undefined;
    } catch (e) {
      this.#o.log.warn({ fault: id, err: (e as Error).message }, 'lab fault films not counted in the pool');
      return undefined;
    }
  }

  #send(m: Message): void {
    const payload = JSON.stringify(m);
    if (payload.length > MAX_PAYLOAD) {
      this.#o.log.warn({ kind: m.kind, bytes: payload.length }, 'too large to share with the pool');
      return;
    }
    this.#db.notify(POOL_CHANNEL, payload);
  }

  #safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#o.log.warn({ err: (e as Error).message }, what);
    }
  }

  #received(payload: string): void {
    let m: Message;
    try {
      m = JSON.parse(payload) as Message;
    } catch {
      return;
    }
    if (m.from === this.#me) return;
    switch (m.kind) {
      case 'events':
        for (const e of m.events) {
          if (e.type === 'association.opened')
            this.#o.store.associations.remoteOpened({
              id: e.id,
              instance: m.from,
              peer: e.peer,
              callingAeTitle: e.callingAeTitle,
              calledAeTitle: e.calledAeTitle,
              ...(e.printer ? { printer: e.printer } : {}),
              startedAt: e.at,
            });
          else if (e.type === 'association.closed') this.#o.store.associations.remoteClosed(e.id);
          this.#o.events.publishRemote({ ...e, instance: m.from });
        }
        return;
      case 'status':
        this.#printer(m.printer)?.runtime.setStatus(m.status, m.info, 'pool');
        return;
      case 'lab':
        this.#safely('lab change from the pool not applied', () => this.#o.lab.apply(m.change));
        return;
    }
  }
}

/**
 * A flapping printer that started before this instance: the round trips it has still to make (each
 * instance plays them out for its own associations), so that one joining late does not start over.
 */
function flapsLeft(fault: Fault, armedAt: string): number | undefined {
  if (fault.kind !== 'status-flapping') return undefined;
  const elapsed = Date.now() - Date.parse(armedAt);
  if (!(elapsed > 0)) return fault.flaps;
  return Math.max(0, fault.flaps - Math.floor(elapsed / (2 * fault.everyMs)));
}
