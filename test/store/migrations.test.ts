/** The index database's schema: built from empty, upgraded from the previous version, never downgraded. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import {
  connect,
  DatabaseVersionError,
  type Db,
  migrate,
  openDatabase,
  schemaVersion,
} from '../../src/store/database.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'lightbox-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const columns = (db: Db, table: string) =>
  db
    .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
    .all()
    .map((c) => c.name);
const pragma = (db: Db, name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];

it('numbers its migrations 1, 2, ... with a reason each', () => {
  expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  for (const m of MIGRATIONS) expect(m.why).toMatch(/\S/);
  expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
});

it('builds the whole schema on an empty database, in WAL mode, and reopens without changing it', () => {
  const path = join(dir, 'empty.db');
  const db = openDatabase(path);
  expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
  expect(pragma(db, 'journal_mode')).toBe('wal');
  expect(columns(db, 'films')).toContain('pinned');
  for (const t of ['films', 'jobs', 'job_states', 'associations', 'association_messages', 'fault_firings'])
    expect(columns(db, t).length).toBeGreaterThan(0);
  db.close();
  const again = openDatabase(path);
  expect(migrate(again)).toEqual([]);
  expect(pragma(again, 'integrity_check')).toBe('ok');
  again.close();
});

it('upgrades a version 1 database with its rows: films keep everything and are unpinned', () => {
  const path = join(dir, 'v1.db');
  const v1 = connect(path);
  expect(migrate(v1, 1)).toEqual([1]);
  v1.prepare(
    `INSERT INTO films (id, printer, calling_ae, job_uid, printed_at, image_boxes, bytes, render)
     VALUES ('f1', 'LIGHTBOX', 'CT1', '1.2.3', '2026-01-01T00:00:00.000Z', 3, 1000, 'rendered')`,
  ).run();
  v1.close();

  const store = new Store(dir.concat('/upgraded'));
  store.close();
  const db = openDatabase(path);
  expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
  expect(db.prepare('SELECT id, printer, image_boxes, bytes, render, pinned FROM films').get()).toEqual({
    id: 'f1',
    printer: 'LIGHTBOX',
    image_boxes: 3,
    bytes: 1000,
    render: 'rendered',
    pinned: 0,
  });
  db.close();
});

it('refuses a database from a newer Lightbox instead of guessing', () => {
  const path = join(dir, 'newer.db');
  const db = connect(path);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  expect(() => openDatabase(path)).toThrow(DatabaseVersionError);
});
