/**
 * The PostgreSQL side of the synchronous bridge (pg-database.ts): this worker thread owns the
 * connections (node-postgres) and answers one request at a time. The main thread posts a request
 * on the port and sleeps in Atomics.wait; the answer goes back on the same port, then the request's
 * id is stored in the shared word and the main thread is woken to read it with
 * receiveMessageOnPort. A second connection LISTENs; what it hears is posted to the main thread as
 * an ordinary (asynchronous) message.
 *
 * Self-contained (no relative imports): under the test runner this file runs as TypeScript by
 * Node's own type stripping.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';

export interface WorkerData {
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: [0] the id of the last request answered. */
  state: Int32Array;
  url: string;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}

export type Request =
  | { id: number; op: 'query'; text: string; values: unknown[]; returnsSeq: boolean }
  | { id: number; op: 'exec'; text: string }
  | { id: number; op: 'connect' }
  | { id: number; op: 'listen'; channel: string }
  | { id: number; op: 'close' };

export type Answer =
  | { id: number; rows: Record<string, unknown>[]; changes: number; lastInsertRowid: number }
  | { id: number; seqTables: string[] }
  | { id: number; error: string; code?: string };

// Counts and sums (bigint, numeric) as numbers: the store's values are far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));
pg.types.setTypeParser(1700, (v: string) => Number(v));

const d = workerData as WorkerData;
let client: pg.Client | undefined;
let listener: pg.Client | undefined;
const channels = new Set<string>();

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the database URL';
  }
}

function newClient(): pg.Client {
  const c = new pg.Client({
    connectionString: d.url,
    statement_timeout: d.statementTimeoutMs,
    connectionTimeoutMillis: d.connectTimeoutMs,
    keepAlive: true,
    application_name: 'lightbox',
    // The store's statements are small and planned once (named); JIT compiling one whose estimate
    // looks large (a listing filtered by outcome over 100,000 films) cost 10-35 ms for a 0.3 ms query.
    options: '-c jit=off',
  });
  return c;
}

async function connected(): Promise<pg.Client> {
  if (client) return client;
  const c = newClient();
  // A connection lost later (server stopped, network) is noticed here; the next request reconnects.
  c.on('error', () => {
    if (client === c) client = undefined;
  });
  c.on('end', () => {
    if (client === c) client = undefined;
  });
  try {
    await c.connect();
  } catch (e) {
    void c.end().catch(() => undefined);
    const err = e as Error & { code?: string };
    throw Object.assign(new Error(`database ${shown(d.url)} unreachable: ${oneLine(err)}`), {
      code: err.code ?? 'ECONNECT',
    });
  }
  client = c;
  return c;
}

async function listening(): Promise<void> {
  if (listener || channels.size === 0) return;
  const c = newClient();
  c.on('error', () => {
    if (listener === c) listener = undefined;
    setTimeout(() => void listening().catch(() => undefined), 1000).unref();
  });
  c.on('notification', (n) => parentPort?.postMessage({ channel: n.channel, payload: n.payload ?? '' }));
  await c.connect();
  for (const ch of channels) await c.query(`LISTEN ${quoteIdent(ch)}`);
  listener = c;
}

/**
 * Statements are prepared once per connection under a name (node-postgres keeps which names its
 * connection has): PostgreSQL then skips parsing and planning them again, about half of a
 * primary-key SELECT's time.
 */
const names = new Map<string, string>();
function statementName(text: string): string {
  let n = names.get(text);
  if (!n) {
    n = `lb${names.size + 1}`;
    names.set(text, n);
  }
  return n;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function oneLine(e: Error & { code?: string }): string {
  const m = (e.message || e.code || String(e)).split('\n')[0]!;
  return m;
}

async function seqTables(c: pg.Client): Promise<string[]> {
  const r = await c.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.columns WHERE column_name = 'seq' AND table_schema = current_schema()",
  );
  return r.rows.map((x) => x.table_name);
}

async function answer(r: Request): Promise<Answer> {
  switch (r.op) {
    case 'connect': {
      const c = await connected();
      await c.query(`CREATE TABLE IF NOT EXISTS lightbox_schema_version (version INTEGER NOT NULL)`);
      return { id: r.id, seqTables: await seqTables(c) };
    }
    case 'query': {
      const c = await connected();
      const res = await c.query({ name: statementName(r.text), text: r.text, values: r.values });
      const first = res.rows[0] as { seq?: number } | undefined;
      return {
        id: r.id,
        rows: r.returnsSeq ? [] : res.rows,
        changes: res.rowCount ?? 0,
        lastInsertRowid: r.returnsSeq && first?.seq !== undefined ? Number(first.seq) : 0,
      };
    }
    case 'exec': {
      const c = await connected();
      await c.query(r.text);
      return { id: r.id, seqTables: /\bCREATE\s+TABLE\b/i.test(r.text) ? await seqTables(c) : [] };
    }
    case 'listen':
      channels.add(r.channel);
      if (listener) await listener.query(`LISTEN ${quoteIdent(r.channel)}`);
      else await listening();
      return { id: r.id, seqTables: [] };
    case 'close':
      await Promise.all([client?.end(), listener?.end()].map((p) => p?.catch(() => undefined)));
      client = undefined;
      listener = undefined;
      return { id: r.id, seqTables: [] };
  }
}

/** One request at a time, in order (the main thread waits for each anyway). */
let queue: Promise<void> = Promise.resolve();
d.port.on('message', (r: Request) => {
  queue = queue.then(async () => {
    let a: Answer;
    try {
      a = await answer(r);
    } catch (e) {
      const err = e as Error & { code?: string };
      a = { id: r.id, error: oneLine(err), ...(err.code ? { code: err.code } : {}) };
    }
    d.port.postMessage(a);
    Atomics.store(d.state, 0, r.id);
    Atomics.notify(d.state, 0);
  });
});
