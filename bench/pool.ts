/**
 * Pool benchmark (issue 23): does a second Lightbox instance on the same PostgreSQL database add
 * throughput, and does the shared index still list films fast when it is large?
 *
 * 1. Scale-out. A throw-away PostgreSQL cluster (test/support/postgres.ts) and, in turn:
 *    ONE  one instance pinned to core 0 (`taskset -c 0`);
 *    TWO  two instances on the same database and films directory, pinned to cores 0 and 1.
 *    --scus DCMTK print SCUs (default 8) each send --films W1 films (default 3; W1: 14INX17IN
 *    STANDARD\4,5, 20 CT images), one after the other, spread over the instances; rendering on.
 *    Measured: films per minute from the first send until the last film is rendered; CPU per film
 *    of the Lightbox processes with their render processes, and of PostgreSQL's backends. Goal:
 *    TWO/ONE films per minute >= 1.6. The SCUs and PostgreSQL are not pinned.
 * 2. Listing. --rows film rows (default 100,000) inserted with one generate_series INSERT (not
 *    through DICOM), then GET /api/films?limit=50 --gets times (default 300), one after the other.
 *    Goal: p99 <= 50 ms.
 *
 * The machine may be shared: the load average before and after is printed with the figures. A
 * measurement: exit 0 whether or not the goals are met, 1 when something failed.
 *   npm run bench:pool [-- --scus 8 --films 3 --rows 100000 --gets 300] [--only scale|listing]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDcmprscuLog } from '../test/support/dcmprint.js';
import { type PgCluster, startPostgres } from '../test/support/postgres.js';
import { type PrintJob, prepareW1, runTool } from './dcmtk-tool.js';
import {
  childPids,
  HOST,
  median,
  numberArg,
  percentile,
  printerProfile,
  procCpuMs,
  progress,
  runBench,
  type Server,
  scrapeMetrics,
  sleep,
  startLightbox,
  stopChild,
  withWorkDir,
} from './support.js';

// A printer that takes films as fast as they come: the printer's own pace is not what is measured.
const PROFILE = printerProfile('pool bench', { pendingMs: 0, msPerFilm: 0 });

type Lightbox = Server & { httpPort: number };

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** CPU ms of each process and its children (the render process), summed. */
function cpuOf(pids: readonly number[]): number {
  let ms = 0;
  for (const pid of pids) for (const p of [pid, ...childPids(pid)]) ms += procCpuMs(p) ?? 0;
  return ms;
}

/** The cluster's server processes (postmaster and its backends). */
function postgresPids(cluster: PgCluster): number[] {
  const pid = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return [pid];
}

interface RunResult {
  films: number;
  seconds: number;
  perMinute: number;
  cpuPerFilmMs: number;
  pgCpuPerFilmMs: number;
  refused: number;
  /** Event-loop lag of each instance over the run (/metrics), ms. */
  lagP99Ms: number[];
  lagMaxMs: number[];
  /** Per instance: PostgreSQL statements, the event loop's total and longest wait for them (ms). */
  db: { statements: number; waitMs: number; maxWaitMs: number }[];
}

async function scaleRun(
  name: string,
  cluster: PgCluster,
  workDir: string,
  servers: Lightbox[],
  cores: number[],
  scus: number,
  filmsEach: number,
  engine: 'postgres' | 'sqlite' = 'postgres',
): Promise<RunResult> {
  const database =
    engine === 'postgres' ? await cluster.createDatabase(`bench_${name.toLowerCase()}`) : undefined;
  const dataDir = join(workDir, name);
  const printers = join(workDir, 'printers');
  mkdirSync(printers, { recursive: true });
  writeFileSync(join(printers, 'lightbox.yaml'), PROFILE);
  const args = [
    ...(database ? ['--database', database] : []),
    '--printers',
    printers,
    '--min-free-space',
    '0',
    '--retention-max-bytes',
    '0',
  ];
  const pool: Lightbox[] = [];
  for (const core of cores) {
    const lb = await startLightbox(dataDir, { wrap: ['taskset', '-c', String(core)], args });
    servers.push(lb);
    pool.push(lb);
  }
  const jobs: PrintJob[] = [];
  for (let i = 0; i < scus; i++) {
    const lb = pool[i % pool.length]!;
    jobs.push(await prepareW1(join(workDir, `${name}-scu${i}`), lb.dicomPort, { callingAe: `POOL${i}` }));
  }
  const pids = pool.map((s) => s.child.pid!);
  const pg = postgresPids(cluster);
  const pgChildren = () => pg.flatMap((p) => [p, ...childPids(p)]);
  const cpu0 = cpuOf(pids);
  const pgCpu0 = pgChildren().reduce((s, p) => s + (procCpuMs(p) ?? 0), 0);
  const t0 = performance.now();
  let refused = 0;
  await Promise.all(
    jobs.map(async (job) => {
      for (let f = 0; f < filmsEach; f++) {
        const r = await runTool(
          'dcmprscu',
          ['-d', '-c', job.cfg, '-p', 'TARGET', job.storedPrint],
          180_000,
          job.dir,
        );
        const log = parseDcmprscuLog(r.output);
        const action = log.exchanges.find((x) => x.request === 'N-ACTION');
        if (r.code !== 0 || log.accepted !== 1 || !action)
          throw new Error(`dcmprscu failed:\n${r.output.slice(-2000)}`);
        if (action.status !== 0) refused++;
      }
    }),
  );
  const expected = scus * filmsEach - refused;
  // Asked of the database itself where there is one: the instances' own work is what is measured.
  const rendered = async () => {
    if (engine === 'postgres') {
      const [row] = await cluster.query<{ n: string }>(
        "SELECT count(*) AS n FROM films WHERE render <> 'pending'",
        [],
        `bench_${name.toLowerCase()}`,
      );
      return Number(row!.n);
    }
    const r = await fetch(`http://${HOST}:${pool[0]!.httpPort}/api/films?limit=1000&status=rendered`);
    return ((await r.json()) as unknown[]).length;
  };
  for (;;) {
    if ((await rendered()) >= expected) break;
    if (performance.now() - t0 > 600_000) throw new Error(`${name}: films not rendered after 10 min`);
    await sleep(100);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuOf(pids) - cpu0;
  const pgCpu = pgChildren().reduce((s, p) => s + (procCpuMs(p) ?? 0), 0) - pgCpu0;
  const lags = await Promise.all(pool.map((s) => scrapeMetrics(s.httpPort)));
  for (const s of pool) await stopChild(s.child);
  return {
    films: expected,
    seconds,
    perMinute: (expected / seconds) * 60,
    cpuPerFilmMs: cpu / expected,
    pgCpuPerFilmMs: pgCpu / expected,
    refused,
    lagP99Ms: lags.map((m) => (m.get('lightbox_event_loop_lag_p99_seconds') ?? Number.NaN) * 1000),
    lagMaxMs: lags.map((m) => (m.get('lightbox_event_loop_lag_max_seconds') ?? Number.NaN) * 1000),
    db: lags.map((m) => ({
      statements: m.get('lightbox_db_statements') ?? 0,
      waitMs: Math.round((m.get('lightbox_db_wait_seconds') ?? 0) * 1000),
      maxWaitMs: Math.round((m.get('lightbox_db_wait_max_seconds') ?? 0) * 1000),
    })),
  };
}

async function listing(cluster: PgCluster, workDir: string, servers: Lightbox[], rows: number, gets: number) {
  const db = 'bench_listing';
  const url = await cluster.createDatabase(db);
  const lb = await startLightbox(join(workDir, 'listing'), {
    args: ['--database', url, '--min-free-space', '0', '--retention-max-bytes', '0', '--no-render'],
  });
  servers.push(lb);
  const t0 = performance.now();
  // One statement, no DICOM: rows as the spool writes them, a job per 4 films, printed a second apart.
  await cluster.query(
    `INSERT INTO jobs (uid, printer, originator, status, status_info, priority, created_at, updated_at, copies, films)
     SELECT '1.2.826.0.1.' || g, 'LIGHTBOX', 'BENCH' || (g % 8), 'DONE', 'NORMAL', 'MED', '2026-01-01T00:00:00.000Z',
       '2026-01-01T00:00:00.000Z', 1, '[]' FROM generate_series(1, $1::int / 4) g`,
    [rows],
    db,
  );
  await cluster.query(
    `INSERT INTO films (id, printer, calling_ae, job_uid, printed_at, image_boxes, bytes, render, pinned, warnings)
     SELECT 'bench-' || g, 'LIGHTBOX', 'BENCH' || (g % 8), '1.2.826.0.1.' || (1 + (g - 1) / 4),
       to_char(timestamp '2026-01-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       20, 1000, 'rendered', 0, '[]' FROM generate_series(1, $1::int) g`,
    [rows],
    db,
  );
  await cluster.query('ANALYZE', [], db);
  const insertS = (performance.now() - t0) / 1000;
  const base = `http://${HOST}:${lb.httpPort}`;
  const time = async (path: string) => {
    const t = performance.now();
    const r = await fetch(`${base}${path}`);
    const body = (await r.json()) as unknown[];
    if (r.status !== 200 || body.length !== 50)
      throw new Error(`GET ${path}: ${r.status}, ${body.length} items`);
    return performance.now() - t;
  };
  const result: Record<string, { p50: number; p99: number }> = {};
  for (const path of [
    '/api/films?limit=50',
    '/api/films?limit=50&callingAe=BENCH3',
    '/api/films?limit=50&outcome=ok',
  ]) {
    for (let i = 0; i < 10; i++) await time(path);
    const ms: number[] = [];
    for (let i = 0; i < gets; i++) ms.push(await time(path));
    result[path] = { p50: median(ms), p99: percentile(ms, 99) };
  }
  await stopChild(lb.child);
  return { insertS, result };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const scus = numberArg(argv, 'scus', 8);
  const films = numberArg(argv, 'films', 3);
  const rows = numberArg(argv, 'rows', 100_000);
  const gets = numberArg(argv, 'gets', 300);
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const loadBefore = loadavg();
  await withWorkDir('lightbox-bench-pool-', 20, async (workDir, servers: Lightbox[]) => {
    const cluster = await startPostgres();
    try {
      const f = (x: number) => x.toFixed(1);
      const lines: string[] = [];
      if (only !== 'listing') {
        progress(`scale-out: ${scus} SCUs x ${films} W1 films, rendering on (load ${loadavg()})`);
        const one = await scaleRun('ONE', cluster, workDir, servers, [0], scus, films);
        progress(`ONE: ${JSON.stringify(one)}`);
        const two = await scaleRun('TWO', cluster, workDir, servers, [0, 1], scus, films);
        progress(`TWO: ${JSON.stringify(two)}`);
        // The same single instance on its embedded SQLite: what the shared database costs.
        const lite = await scaleRun('LITE', cluster, workDir, servers, [0], scus, films, 'sqlite');
        progress(`LITE: ${JSON.stringify(lite)}`);
        const lag = (r: RunResult) =>
          `event-loop lag p99 ${r.lagP99Ms.map(f).join('/')} ms, max ${r.lagMaxMs.map(f).join('/')} ms`;
        lines.push(
          `ONE (1 instance, core 0): ${one.films} films in ${f(one.seconds)} s = ${f(one.perMinute)} films/min; CPU per film ${f(one.cpuPerFilmMs)} ms Lightbox+render, ${f(one.pgCpuPerFilmMs)} ms PostgreSQL`,
          `TWO (2 instances, cores 0,1): ${two.films} films in ${f(two.seconds)} s = ${f(two.perMinute)} films/min; CPU per film ${f(two.cpuPerFilmMs)} ms Lightbox+render, ${f(two.pgCpuPerFilmMs)} ms PostgreSQL`,
          `TWO/ONE films per minute: ${(two.perMinute / one.perMinute).toFixed(2)} (goal >= 1.6)`,
          `SQLite (1 instance, core 0): ${lite.films} films in ${f(lite.seconds)} s = ${f(lite.perMinute)} films/min; CPU per film ${f(lite.cpuPerFilmMs)} ms`,
          `ONE ${lag(one)}; TWO ${lag(two)}; SQLite ${lag(lite)}`,
        );
      }
      if (only === 'scale') {
        process.stdout.write(
          `load average before ${loadBefore}, after ${loadavg()} (2 cores shared)\n${lines.join('\n')}\n`,
        );
        return;
      }
      progress(`listing: ${rows} film rows, ${gets} GETs per query (load ${loadavg()})`);
      const list = await listing(cluster, workDir, servers, rows, gets);
      lines.unshift(`load average before ${loadBefore}, after ${loadavg()} (2 cores shared)`);
      lines.push(
        `listing: ${rows} rows inserted in ${f(list.insertS)} s`,
        ...Object.entries(list.result).map(
          ([p, r]) =>
            `GET ${p}: p50 ${f(r.p50)} ms, p99 ${f(r.p99)} ms${p === '/api/films?limit=50' ? ' (goal p99 <= 50 ms)' : ''}`,
        ),
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      await cluster.stop();
    }
  });
}

runBench(main);
