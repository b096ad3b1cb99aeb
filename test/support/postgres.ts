/**
 * A throw-away PostgreSQL cluster for tests: Debian's initdb and pg_ctl (package postgresql, which
 * scripts/test.sh installs) in a temporary directory, on a free port, on 127.0.0.1 and a socket in
 * that directory, never the machine's own cluster. The server runs as the `postgres` user (it refuses
 * root); without durability (fsync off): a test database is not kept. Stopped and removed by stop().
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './dcmprint.js';

export interface PgCluster {
  port: number;
  dir: string;
  /** postgres://postgres@127.0.0.1:port/<database> */
  url(database?: string): string;
  /** A new, empty database; its URL. */
  createDatabase(name?: string): Promise<string>;
  /** One statement on a database, through a short-lived connection. */
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<R[]>;
  /** pg_ctl stop (immediate: a test cluster needs no checkpoint) and remove the directory. */
  stop(): Promise<void>;
  /** pg_ctl stop without removing: the database goes away under running instances. */
  kill(): Promise<void>;
  /** pg_ctl start again after kill(). */
  start(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(
      'PostgreSQL not found under /usr/lib/postgresql: apt-get install postgresql, or run scripts/test.sh',
    );
  return join(root, versions[0]!, 'bin');
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  // Root cannot run the server: as the postgres user then (runuser, util-linux).
  const asRoot = userInfo().uid === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: timeoutMs, cwd: tmpdir() }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

let counter = 0;

export async function startPostgres(): Promise<PgCluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'lightbox-pg-'));
  if (userInfo().uid === 0) {
    const { uid, gid } = await pgUser();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
    '-c shared_buffers=32MB',
  ].join(' ');
  const start = () =>
    run(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-o',
      options,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '30',
      'start',
    ]).then(() => undefined);
  const halt = (mode = 'immediate') =>
    run(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']).then(
      () => undefined,
      () => undefined,
    );
  await start();
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async <R extends object>(sql: string, params: unknown[] = [], database = 'postgres') => {
    const c = new pg.Client({ connectionString: url(database) });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as R[];
    } finally {
      await c.end();
    }
  };
  return {
    port,
    dir,
    url,
    query,
    async createDatabase(name) {
      const db = name ?? `t${process.pid}_${++counter}`;
      await query(`CREATE DATABASE ${db}`);
      return url(db);
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    // Fast, not immediate: with synchronous_commit off, an immediate stop loses the last commits.
    kill: () => halt('fast'),
    start,
  };
}

async function pgUser(): Promise<{ uid: number; gid: number }> {
  const out = await new Promise<string>((resolve, reject) =>
    execFile('id', ['postgres'], (e, so) =>
      e ? reject(new Error('no postgres user: apt-get install postgresql')) : resolve(so),
    ),
  );
  const uid = Number(/uid=(\d+)/.exec(out)?.[1]);
  const gid = Number(/gid=(\d+)/.exec(out)?.[1]);
  return { uid, gid };
}
