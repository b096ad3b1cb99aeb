/**
 * The Lightbox instances sharing one database (PostgreSQL): each has an id, and a row it touches
 * every HEARTBEAT_MS while it runs. Work one instance claimed (a film to render) is taken over by
 * another once the claimant has not been seen for LEASE_MS: killed, frozen, or cut off from the
 * database. On SQLite there is only ever one instance: nothing is written, and any claim but this
 * run's counts as abandoned (a crash's leftovers).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from './database.js';
import { PgDb } from './pg-database.js';

export const HEARTBEAT_MS = 1000;
/** Not seen for this long: its claims are taken over. */
export const LEASE_MS = 5000;

export class Instances {
  /** This instance: host, process and a random suffix (a restarted process is another instance). */
  readonly id: string;
  readonly shared: boolean;
  readonly #db: Db;
  #timer: NodeJS.Timeout | undefined;
  readonly #log: (e: Error) => void;

  constructor(db: Db, log: (e: Error) => void = () => undefined) {
    this.#db = db;
    this.#log = log;
    this.shared = db.dialect === 'postgres';
    this.id = `${hostname().slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Register and keep the row fresh (shared database only). */
  start(): void {
    if (!this.shared || this.#timer) return;
    this.#db
      .prepare(
        `INSERT INTO instances (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`,
      )
      .run(this.id, hostname(), process.pid, new Date().toISOString(), Date.now());
    this.#timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.#timer.unref();
  }

  beat(): void {
    const sql = 'UPDATE instances SET seen_at = ? WHERE id = ?';
    try {
      // Nothing needs its answer: on PostgreSQL the event loop does not wait for it (see post()).
      if (this.#db instanceof PgDb) this.#db.post(sql, Date.now(), this.id);
      else this.#db.prepare(sql).run(Date.now(), this.id);
    } catch (e) {
      this.#log(e as Error);
    }
  }

  /** Leave: the row goes, so this instance's claims are free at once. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (!this.shared) return;
    try {
      this.#db.prepare('DELETE FROM instances WHERE id = ?').run(this.id);
      // Rows of instances long gone (killed) are of no use to anyone.
      this.#db.prepare('DELETE FROM instances WHERE seen_at < ?').run(Date.now() - 86_400_000);
    } catch (e) {
      this.#log(e as Error);
    }
  }

  /**
   * Claims of instances last seen before this (ms) are abandoned; on SQLite every other
   * instance's claim is (there is no other running instance).
   */
  aliveSince(now = Date.now()): number {
    return this.shared ? now - LEASE_MS : Number.MAX_SAFE_INTEGER;
  }

  /** Instances seen within the lease, this one included (shared database only). */
  alive(): { id: string; host: string; pid: number; startedAt: string; seenAt: number }[] {
    if (!this.shared)
      return [{ id: this.id, host: hostname(), pid: process.pid, startedAt: '', seenAt: Date.now() }];
    return this.#db
      .prepare<[number], { id: string; host: string; pid: number; startedAt: string; seenAt: number }>(
        'SELECT id, host, pid, started_at AS startedAt, seen_at AS seenAt FROM instances WHERE seen_at >= ? ORDER BY started_at',
      )
      .all(this.aliveSince());
  }
}
