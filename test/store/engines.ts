/**
 * The store's two database engines, for tests that run once on each (describe.each(ENGINES)):
 * embedded SQLite in the data directory, and PostgreSQL (a throw-away cluster per test file, a fresh
 * database per data directory, so a Store reopened on the same directory is a restart).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { connect, type Db } from '../../src/store/database.js';
import { PgDb } from '../../src/store/pg-database.js';
import { Store, type StoreOptions } from '../../src/store/store.js';
import { type PgCluster, startPostgres } from '../support/postgres.js';

export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export interface EngineUnderTest {
  kind: Engine;
  /** A fresh temporary directory, removed after the test. */
  freshDir(): string;
  /** The --database value for a data directory (the same one each time for the same directory). */
  location(dataDir: string): string;
  /** A Store on dataDir (fresh when omitted) with this engine. */
  store(dataDir?: string, o?: StoreOptions): Store;
  /** A bare connection (no schema) on a fresh database. */
  connect(): Db;
  cluster(): PgCluster | undefined;
}

let databases = 0;

/** Call at the top of a describe block: starts (and stops) the PostgreSQL cluster when needed. */
export function useEngine(kind: Engine): EngineUnderTest {
  let cluster: PgCluster | undefined;
  let admin: PgDb | undefined;
  const dirs: string[] = [];
  const locations = new Map<string, string>();
  beforeAll(async () => {
    if (kind === 'postgres') cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    admin?.close();
    await cluster?.stop();
  });
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const freshDir = () => {
    const d = mkdtempSync(join(tmpdir(), `lightbox-${kind}-`));
    dirs.push(d);
    return d;
  };
  const newDatabase = () => {
    if (!cluster) throw new Error('no PostgreSQL cluster (beforeAll did not run)');
    admin ??= new PgDb(cluster.url());
    const name = `t${process.pid}_${++databases}`;
    admin.exec(`CREATE DATABASE ${name}`);
    return cluster.url(name);
  };
  const location = (dataDir: string) => {
    let l = locations.get(dataDir);
    if (!l) {
      l = kind === 'sqlite' ? join(dataDir, 'lightbox.db') : newDatabase();
      locations.set(dataDir, l);
    }
    return l;
  };
  return {
    kind,
    freshDir,
    location,
    store: (dataDir = freshDir(), o = {}) => new Store(dataDir, { ...o, database: location(dataDir) }),
    connect: () => (kind === 'sqlite' ? connect(join(freshDir(), 'test.db')) : new PgDb(newDatabase())),
    cluster: () => cluster,
  };
}
