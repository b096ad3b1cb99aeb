/**
 * The store's Db interface on node:sqlite and on PostgreSQL (the synchronous bridge): statements,
 * named parameters, transactions and savepoints.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/database.js';
import { ENGINES, useEngine } from './engines.js';

describe.each(ENGINES)('on %s', (kind) => {
  const e = useEngine(kind);
  let db: Db;

  beforeEach(() => {
    db = e.connect();
    db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER)');
  });

  afterEach(() => {
    if (db.open) db.close();
  });

  const names = () =>
    db
      .prepare<[], { name: string }>('SELECT name FROM t ORDER BY seq')
      .all()
      .map((r) => r.name);
  const insert = (name: string) => db.prepare('INSERT INTO t (name) VALUES (?)').run(name);

  if (kind === 'sqlite')
    it('opens in WAL mode with synchronous=NORMAL', () => {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
    });

  it('binds positional and named parameters; keys a statement does not use are ignored', () => {
    const r = db.prepare('INSERT INTO t (name, n) VALUES (@name, @n)').run({ name: 'a', n: 7, unused: 'x' });
    expect(r.changes).toBe(1);
    const row = db
      .prepare<[string], { seq: number; name: string; n: number }>('SELECT * FROM t WHERE name = ?')
      .get('a');
    expect(row).toEqual({ seq: 1, name: 'a', n: 7 });
    expect(typeof row!.n).toBe('number');
    expect(db.prepare('SELECT * FROM t WHERE name = ?').get('none')).toBeUndefined();
    expect(db.prepare('SELECT * FROM t WHERE name = ?').all('none')).toEqual([]);
  });

  it('commits a transaction when its function returns, and hands back what it returned', () => {
    const result = db.transaction(() => {
      insert('a');
      insert('b');
      return 42;
    })();
    expect(result).toBe(42);
    expect(names()).toEqual(['a', 'b']);
  });

  it('rolls a transaction back when its function throws, and rethrows', () => {
    insert('before');
    expect(() =>
      db.transaction(() => {
        insert('a');
        throw new Error('boom');
      })(),
    ).toThrow('boom');
    expect(names()).toEqual(['before']);
    // The connection is usable afterwards, outside any transaction.
    db.transaction(() => insert('after'))();
    expect(names()).toEqual(['before', 'after']);
  });

  it('nests as a savepoint: an inner failure caught by the outer undoes the inner writes only', () => {
    db.transaction(() => {
      insert('outer-1');
      try {
        db.transaction(() => {
          insert('inner');
          throw new Error('inner');
        })();
      } catch {
        // the outer goes on
      }
      db.transaction(() => insert('inner-ok'))();
      insert('outer-2');
    })();
    expect(names()).toEqual(['outer-1', 'inner-ok', 'outer-2']);
  });

  it('an inner failure not caught rolls the whole transaction back', () => {
    expect(() =>
      db.transaction(() => {
        insert('outer');
        db.transaction(() => {
          insert('inner');
          throw new Error('inner');
        })();
      })(),
    ).toThrow('inner');
    expect(names()).toEqual([]);
  });

  it('a constraint failure inside a transaction rolls it back', () => {
    expect(() =>
      db.transaction(() => {
        insert('a');
        db.prepare('INSERT INTO t (name) VALUES (NULL)').run();
      })(),
    ).toThrow(/NOT NULL|not-null/);
    expect(names()).toEqual([]);
  });

  it('says whether it is open', () => {
    expect(db.open).toBe(true);
    db.close();
    expect(db.open).toBe(false);
  });
});
