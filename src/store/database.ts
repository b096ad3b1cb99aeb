/**
 * The index database: one SQLite file in the data directory, in WAL mode. Writes are synchronous
 * and short (a row or two per event), so they run on the main thread; a commit survives a crash of
 * the process (synchronous=NORMAL: the WAL reaches the OS before the call returns). Film files are
 * fsynced by the spool and are the truth for films: a film whose index row was lost is indexed
 * again at start-up.
 *
 * The rest of src/store/ sees only the small Db interface below (prepare, exec, transaction,
 * close), not the SQLite binding behind it: Node's own node:sqlite (no native addon to build; a
 * release candidate, without an ExperimentalWarning, since Node 24.15). Its rows are objects
 * without a prototype, keyed by column name, integers as numbers.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { PgDb, type PgOptions } from './pg-database.js';

/** What a column holds, and what a parameter may be. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** Positional parameters, or one object of named ones (`@name` in the SQL, `name` as its key). */
export type Params = SqlValue[] | [Record<string, SqlValue>];

export interface RunResult {
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}

/** A prepared statement. Rows are objects keyed by column name; integers are numbers. */
export interface Statement<P extends unknown[] = Params, R = Record<string, SqlValue>> {
  run(...params: P): RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

export interface Db {
  /** Which SQL engine: the few statements that differ (locks, claims) ask. */
  readonly dialect: 'sqlite' | 'postgres';
  prepare<P extends unknown[] = Params, R = Record<string, SqlValue>>(sql: string): Statement<P, R>;
  /** Run one or more statements without parameters or results (DDL, PRAGMA settings). */
  exec(sql: string): void;
  /**
   * fn as a function that runs in a transaction: committed when fn returns, rolled back when it
   * throws. Called within another transaction, it is a savepoint of that one.
   */
  transaction<T>(fn: () => T): () => T;
  readonly open: boolean;
  close(): void;
}

export class DatabaseVersionError extends Error {}

/** A --database value that names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The index database at `location` (a SQLite file path, created if missing, or a postgres:// URL),
 * its schema brought up to date.
 */
export function openDatabase(location: string, pg: PgOptions = {}): Db {
  const db = isPostgresUrl(location) ? new PgDb(location, pg) : connect(location);
  try {
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** A connection to the SQLite file at path (created if missing), as is: WAL, synchronous=NORMAL. */
export function connect(path: string): Db {
  const db = new NodeSqliteDb(path);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA busy_timeout = 5000');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** The database's schema version (PRAGMA user_version). */
export function schemaVersion(db: Db): number {
  return db.prepare<[], { user_version: number }>('PRAGMA user_version').get()!.user_version;
}

/** Statements kept prepared per connection: the store's fixed ones and its listings' filter shapes. */
const STATEMENT_CACHE = 256;

/** The advisory lock key migrations hold on PostgreSQL ("LBOXMIGR"). */
const MIGRATION_LOCK = 0x4c424f584d494752n;

/** Bring the schema to SCHEMA_VERSION; returns the versions applied. */
export function migrate(db: Db, upTo = SCHEMA_VERSION): number[] {
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version > upTo) break;
    db.transaction(() => {
      // Instances sharing one PostgreSQL database start together: one migrates, the others wait.
      if (db.dialect === 'postgres') db.prepare('SELECT pg_advisory_xact_lock(?)').get(MIGRATION_LOCK);
      const current = schemaVersion(db);
      if (current > SCHEMA_VERSION)
        throw new DatabaseVersionError(
          `the index database is at schema version ${current}, newer than this Lightbox knows (${SCHEMA_VERSION})`,
        );
      if (m.version <= current) return;
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
      applied.push(m.version);
    })();
  }
  return applied;
}

/**
 * Db on node:sqlite. Named parameters bind `@name` from the key `name`; keys the statement does not
 * use are ignored, so a whole record can be passed.
 */
class NodeSqliteDb implements Db {
  readonly dialect = 'sqlite';
  readonly #db: DatabaseSync;
  /** Prepared statements by SQL, least recently used first (a listing's prepare cost ~0.5 ms). */
  readonly #statements = new Map<string, StatementSync>();
  #savepoints = 0;

  constructor(path: string) {
    this.#db = new DatabaseSync(path, { allowUnknownNamedParameters: true });
  }

  get open(): boolean {
    return this.#db.isOpen;
  }

  prepare<P extends unknown[] = Params, R = Record<string, SqlValue>>(sql: string): Statement<P, R> {
    let st = this.#statements.get(sql);
    if (st) this.#statements.delete(sql);
    else {
      st = this.#db.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE)
        this.#statements.delete(this.#statements.keys().next().value!);
    }
    this.#statements.set(sql, st);
    return st as unknown as Statement<P, R>;
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  transaction<T>(fn: () => T): () => T {
    return () => {
      if (!this.#db.isTransaction) {
        this.#db.exec('BEGIN');
        try {
          const result = fn();
          this.#db.exec('COMMIT');
          return result;
        } catch (e) {
          // SQLite may have rolled back already (a full disk, an I/O error).
          if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
          throw e;
        }
      }
      const name = `lightbox_${++this.#savepoints}`;
      this.#db.exec(`SAVEPOINT ${name}`);
      try {
        const result = fn();
        this.#db.exec(`RELEASE ${name}`);
        return result;
      } catch (e) {
        if (this.#db.isTransaction) this.#db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
        throw e;
      } finally {
        this.#savepoints--;
      }
    };
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}
