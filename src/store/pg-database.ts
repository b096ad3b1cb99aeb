/**
 * Db on PostgreSQL (--database postgres://...), synchronous like the SQLite one so the store and
 * its callers stay as they are: a worker thread (pg-worker.ts) owns the connection; each call
 * posts {sql, params} to it and blocks in Atomics.wait until it answers. The SQL is the store's
 * own, turned into PostgreSQL by sql-dialect.ts.
 *
 * Cost, per statement (test/store/pg-bridge.test.ts, median, shared 2-core VM at load ~12, local
 * cluster over TCP loopback): a SELECT by key ~230 µs, a one-row INSERT ~200 µs (node:sqlite: 5 and
 * 17 µs). The hand-off itself (post, Atomics.wait, receiveMessageOnPort) is ~12 µs; the rest is
 * PostgreSQL's round trip. The event loop is blocked for that long per statement: a print's dozen
 * statements cost it ~3 ms, where SQLite costs it ~0.2 ms.
 *
 * Bounded: every statement has a server-side statement_timeout and the wait has its own deadline
 * beyond it; a database that does not answer in time, or cannot be reached, makes the call throw
 * DatabaseUnavailableError with one line (never a hang). After a deadline passes the worker and its
 * connection are replaced (an open transaction there is rolled back by the server); after a failed
 * connect, calls fail at once for RETRY_MS before the next attempt, so a dead database costs each
 * print a thrown error, not seconds.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Db, Params, RunResult, SqlValue, Statement } from './database.js';
import type { Answer, Request, WorkerData } from './pg-worker.js';
import { type PgStatement, splitStatements, toPostgres } from './sql-dialect.js';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  readonly code = 'EDBUNAVAILABLE';
}

/** A statement PostgreSQL refused (constraint, syntax...): its message, and its SQLSTATE as code. */
export class PgError extends Error {
  override name = 'PgError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface PgOptions {
  /** Server-side statement_timeout; the wait for an answer allows 2 s more. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** After a failed connect, calls fail at once for this long. */
const RETRY_MS = 1000;

type Listener = (payload: string) => void;

/** What the bridge has cost so far (/metrics): statements, and the time the main thread waited. */
export interface BridgeStats {
  statements: number;
  waitMs: number;
  maxWaitMs: number;
}

export class PgDb implements Db {
  readonly dialect = 'postgres';
  readonly url: string;
  readonly stats: BridgeStats = { statements: 0, waitMs: 0, maxWaitMs: 0 };
  readonly #o: Required<PgOptions>;
  #worker: Worker | undefined;
  #port: MessagePort | undefined;
  #state: Int32Array | undefined;
  #id = 0;
  /** Bumped when the worker is replaced: a transaction begun on the old one cannot commit. */
  #generation = 0;
  #depth = 0;
  #open = true;
  #downUntil = 0;
  #downWhy = '';
  #seqTables = new Set<string>();
  readonly #translated = new Map<string, PgStatement>();
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(url: string, o: PgOptions = {}) {
    this.url = url;
    this.#o = {
      statementTimeoutMs: o.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    };
    this.#ensure();
  }

  get open(): boolean {
    return this.#open;
  }

  #start(): void {
    const { port1, port2 } = new MessageChannel();
    const state = new Int32Array(new SharedArrayBuffer(4));
    const data: WorkerData = {
      port: port2,
      state,
      url: this.url,
      statementTimeoutMs: this.#o.statementTimeoutMs,
      connectTimeoutMs: this.#o.connectTimeoutMs,
    };
    const script = new URL(
      import.meta.url.endsWith('.ts') ? './pg-worker.ts' : './pg-worker.js',
      import.meta.url,
    );
    // Named, so a thread listing (top -H, /proc/PID/task) shows what the bridge costs.
    const w = new Worker(script, { name: 'pg-bridge', workerData: data, transferList: [port2] });
    w.on('message', (m: { channel: string; payload: string }) => {
      for (const fn of this.#listeners.get(m.channel) ?? []) {
        try {
          fn(m.payload);
        } catch {
          // listeners own their errors
        }
      }
    });
    w.on('error', () => undefined);
    // Neither the worker nor its port keeps the process alive.
    w.unref();
    port1.unref();
    this.#worker = w;
    this.#port = port1;
    this.#state = state;
    this.#generation++;
  }

  /** A worker connected, or DatabaseUnavailableError. */
  #ensure(): void {
    if (!this.#open) throw new DatabaseUnavailableError('the database connection is closed');
    if (this.#worker) return;
    if (Date.now() < this.#downUntil) throw new DatabaseUnavailableError(this.#downWhy);
    this.#start();
    try {
      const a = this.#call({ op: 'connect' }, this.#o.connectTimeoutMs + 5000);
      if ('seqTables' in a) this.#seqTables = new Set(a.seqTables);
      for (const ch of this.#listeners.keys()) this.#call({ op: 'listen', channel: ch });
    } catch (e) {
      this.#stop();
      this.#downWhy = (e as Error).message;
      this.#downUntil = Date.now() + RETRY_MS;
      throw e instanceof DatabaseUnavailableError ? e : new DatabaseUnavailableError((e as Error).message);
    }
  }

  #stop(): void {
    void this.#worker?.terminate();
    this.#port?.close();
    this.#worker = undefined;
    this.#port = undefined;
  }

  /** Post a request and block until its answer (or the deadline). */
  #call(r: DistributiveOmit<Request, 'id'>, timeoutMs = this.#o.statementTimeoutMs + 2000): Answer {
    const port = this.#port!;
    const state = this.#state!;
    this.#id = (this.#id % 0x7fffffff) + 1;
    const id = this.#id;
    const t0 = performance.now();
    port.postMessage({ ...r, id } as Request);
    const deadline = t0 + timeoutMs;
    for (;;) {
      const seen = Atomics.load(state, 0);
      if (seen === id) break;
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(state, 0, seen, left) === 'timed-out') {
        if (Atomics.load(state, 0) === id) break;
        // The connection (and any transaction on it) is given up; the next call reconnects.
        this.#stop();
        throw new DatabaseUnavailableError(
          `database did not answer within ${Math.round(timeoutMs / 1000)} s (${this.#shownUrl()})`,
        );
      }
    }
    const waited = performance.now() - t0;
    this.stats.statements++;
    this.stats.waitMs += waited;
    if (waited > this.stats.maxWaitMs) this.stats.maxWaitMs = waited;
    for (;;) {
      const m = receiveMessageOnPort(port);
      if (!m) throw new DatabaseUnavailableError('database answer lost');
      const a = m.message as Answer;
      if (a.id !== id) continue;
      if ('error' in a) {
        if (r.op === 'connect' || a.code === 'ECONNECT' || isConnectionError(a.code, a.error))
          throw new DatabaseUnavailableError(a.error);
        throw new PgError(a.error, a.code);
      }
      return a;
    }
  }

  #shownUrl(): string {
    try {
      const u = new URL(this.url);
      if (u.password) u.password = '***';
      return u.toString();
    } catch {
      return 'database';
    }
  }

  #translate(sql: string): PgStatement {
    let t = this.#translated.get(sql);
    if (!t) {
      t = toPostgres(sql, this.#seqTables);
      this.#translated.set(sql, t);
    }
    return t;
  }

  #query(sql: string, params: unknown[]): Extract<Answer, { rows: unknown }> {
    this.#ensure();
    const t = this.#translate(sql);
    const values = bind(t, params);
    const a = this.#call({ op: 'query', text: t.text, values, returnsSeq: t.returnsSeq });
    return a as Extract<Answer, { rows: unknown }>;
  }

  prepare<P extends unknown[] = Params, R = Record<string, SqlValue>>(sql: string): Statement<P, R> {
    return {
      run: (...params: P): RunResult => {
        const a = this.#query(sql, params);
        return { changes: a.changes, lastInsertRowid: a.lastInsertRowid };
      },
      get: (...params: P): R | undefined => this.#query(sql, params).rows[0] as R | undefined,
      all: (...params: P): R[] => this.#query(sql, params).rows as R[],
    };
  }

  exec(sql: string): void {
    this.#ensure();
    const text = splitStatements(sql)
      .map((s) => toPostgres(s, this.#seqTables).text)
      .join(';\n');
    const a = this.#call({ op: 'exec', text });
    if ('seqTables' in a && a.seqTables.length > 0) {
      this.#seqTables = new Set(a.seqTables);
      this.#translated.clear();
    }
  }

  transaction<T>(fn: () => T): () => T {
    return () => {
      if (this.#depth === 0) {
        this.exec('BEGIN');
        const generation = this.#generation;
        this.#depth++;
        try {
          const result = fn();
          if (generation !== this.#generation)
            throw new DatabaseUnavailableError('the database connection was lost during a transaction');
          this.exec('COMMIT');
          return result;
        } catch (e) {
          if (generation === this.#generation && this.#worker) {
            try {
              this.exec('ROLLBACK');
            } catch {
              // the connection is gone: the server rolled it back
            }
          }
          throw e;
        } finally {
          this.#depth--;
        }
      }
      const name = `lightbox_${this.#depth}`;
      this.exec(`SAVEPOINT ${name}`);
      this.#depth++;
      try {
        const result = fn();
        this.exec(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (e) {
        try {
          this.exec(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
        } catch {
          // the outer transaction fails as a whole
        }
        throw e;
      } finally {
        this.#depth--;
      }
    };
  }

  /**
   * Call fn with each NOTIFY payload on channel, from any connection (any instance), asynchronously
   * on the main thread's event loop.
   */
  listen(channel: string, fn: Listener): () => void {
    const set = this.#listeners.get(channel) ?? new Set();
    const first = set.size === 0;
    set.add(fn);
    this.#listeners.set(channel, set);
    if (first && this.#worker) this.#call({ op: 'listen', channel });
    return () => set.delete(fn);
  }

  /**
   * NOTIFY channel (sent when the transaction it is in commits; at once outside one), as post().
   */
  notify(channel: string, payload: string): void {
    this.post('SELECT pg_notify(?, ?)', channel, payload);
  }

  /**
   * Run a statement whose answer nobody needs, without waiting for it (a NOTIFY, a heartbeat):
   * the worker runs it in turn, before any later statement, and the event loop goes on (a round
   * trip saved; one that fails is lost, as one sent just before the database went away would be).
   * Inside a transaction it is run and waited for as any other, so that it commits with it.
   */
  post(sql: string, ...params: SqlValue[]): void {
    if (this.#depth > 0) {
      this.prepare(sql).run(...params);
      return;
    }
    this.#ensure();
    const t = this.#translate(sql);
    this.#id = (this.#id % 0x7fffffff) + 1;
    this.#port!.postMessage({
      op: 'query',
      id: this.#id,
      text: t.text,
      values: bind(t, params),
      returnsSeq: false,
    } satisfies Request);
    this.stats.statements++;
  }

  close(): void {
    if (!this.#open) return;
    if (this.#worker) {
      try {
        this.#call({ op: 'close' }, 3000);
      } catch {
        // closing anyway
      }
    }
    this.#stop();
    this.#open = false;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Errors that mean the connection is gone rather than the statement wrong. */
function isConnectionError(code: string | undefined, message: string): boolean {
  if (code && /^(08|57P0)/.test(code)) return true;
  return /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE|not queryable/i.test(message);
}

/** The statement's parameters as node-postgres values ($1...). */
function bind(t: PgStatement, params: unknown[]): unknown[] {
  const value = (v: unknown) => {
    if (v === undefined) return null;
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array && !Buffer.isBuffer(v))
      return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return v;
  };
  if (t.names) {
    const named = (params[0] ?? {}) as Record<string, unknown>;
    return t.names.map((n) => value(named[n]));
  }
  if (params.length !== t.positional)
    throw new PgError(`${t.positional} parameters expected, ${params.length} given`, undefined);
  return params.map(value);
}
