/**
 * The index database: one SQLite file in the data directory, in WAL mode. Writes are synchronous
 * and short (a row or two per event), so they run on the main thread; a commit survives a crash of
 * the process (synchronous=NORMAL: the WAL reaches the OS before the call returns). Film files are
 * fsynced by the spool and are the truth for films: a film whose index row was lost is indexed
 * again at start-up.
 */
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export type Db = Database.Database;

export class DatabaseVersionError extends Error {}

export function openDatabase(path: string): Db {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Bring the schema to SCHEMA_VERSION; returns the versions applied. */
export function migrate(db: Db, upTo = SCHEMA_VERSION): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION)
    throw new DatabaseVersionError(
      `the index database is at schema version ${current}, newer than this Lightbox knows (${SCHEMA_VERSION})`,
    );
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > upTo) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
