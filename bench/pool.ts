/**
 * Pool benchmark (issue 23): does a second Lightbox instance on the same PostgreSQL database add
 * throughput, and does the shared index still list films fast when it is large?
 *
 * 1. Scale-out. A throw-away PostgreSQL cluster (test/support/postgres.ts) and, in turn:
 *    ONE    one instance pinned to core 0 (`taskset -c 0`);
 *    TWO    two instances on the same database and films directory, pinned to cores 0 and 1;
 *    APART  two instances on cores 0 and 1 sharing nothing (each its own database and directory):
 *           the same machine without the pool, so what the pool itself costs shows against TWO.
 *    --scus DCMTK print SCUs (default 8) each send --films W1 films (default 3; W1: 14INX17IN
 *    STANDARD\4,5, 20 CT images), one after the other, spread over the instances; rendering on.
 *    Measured: films per minute from the first send until the last film is rendered; CPU per film
 *    by kind of process from /proc (bench/cpu-split.ts): each instance's main thread, PostgreSQL
 *    bridge thread, V8 and libuv threads and render processes; PostgreSQL; the SCUs; this process;
 *    and what other users of the machine took meanwhile; PostgreSQL statements per film. Goal:
 *    TWO/ONE films per minute >= 1.6. The SCUs and PostgreSQL are not pinned. The ceiling lines
 *    say what two cores allow at the measured CPU per film (ceilingLines). --runs N repeats the
 *    three set-ups, the order reversed every other run, and reports each figure's median.
 * 2. Listing. --rows film rows (default 100,000) inserted with one generate_series INSERT (not
 *    through DICOM), then GET /api/films?limit=50 --gets times (default 300), one after the other.
 *    Goal: p99 <= 50 ms.
 *
 * The machine may be shared: the load average before and after is printed with the figures. A
 * measurement: exit 0 whether or not the goals are met, 1 when something failed.
 *   npm run bench:pool [-- --scus 8 --films 3 --rows 100000 --gets 300] [--only scale|listing] [--no-sqlite] [--runs N]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type PgCluster, startPostgres } from '../test/support/postgres.js';
import { type LightboxCpu, lightboxMs, machineMs, selfMs, treeMs } from './cpu-split.js';
import { type PrintJob, prepareW1, runTool } from './dcmtk-tool.js';
import {
  HOST,
  median,
  metricTotal,
  numberArg,
  percentile,
  printerProfile,
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

/** The cluster's postmaster (its backends and background processes are its children). */
function postmasterPid(cluster: PgCluster): number {
  return Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** CPU time by kind of process, ms (the instances' threads and renders summed), and the machine's. */
interface CpuSplit extends LightboxCpu {
  postgres: number;
  /** The DCMTK SCUs (dcmprscu), reaped by this process. */
  scus: number;
  /** This process: the bench's own driving and polling. */
  bench: number;
  /** Busy time of the machine not accounted for above (other users), and time the hypervisor stole. */
  others: number;
  steal: number;
}

function cpuNow(instances: readonly number[], postmaster: number): CpuSplit {
  const lb = instances.map(lightboxMs);
  const sum = (k: keyof LightboxCpu) => lb.reduce((s, x) => s + x[k], 0);
  const me = selfMs();
  const machine = machineMs();
  const split = {
    main: sum('main'),
    bridge: sum('bridge'),
    v8: sum('v8'),
    libuv: sum('libuv'),
    otherThreads: sum('otherThreads'),
    render: sum('render'),
    postgres: treeMs(postmaster),
    scus: me.reaped,
    bench: me.own,
    others: 0,
    steal: machine.steal,
  };
  split.others =
    machine.busy -
    (split.main +
      split.bridge +
      split.otherThreads +
      split.render +
      split.postgres +
      split.scus +
      split.bench);
  return split;
}

function cpuSince(a: CpuSplit, b: CpuSplit): CpuSplit {
  const d = { ...b };
  for (const k of Object.keys(d) as (keyof CpuSplit)[]) d[k] = b[k] - a[k];
  return d;
}

/** The Lightbox processes' CPU: threads and render processes. */
const lightboxTotal = (c: CpuSplit) => c.main + c.bridge + c.v8 + c.libuv + c.otherThreads + c.render;
/** What the films cost the machine: Lightbox, PostgreSQL, the SCUs and the bench driving them. */
const filmTotal = (c: CpuSplit) => lightboxTotal(c) + c.postgres + c.scus + c.bench;

interface RunResult {
  films: number;
  seconds: number;
  perMinute: number;
  /** CPU ms per film by kind of process. */
  perFilm: CpuSplit;
  /** PostgreSQL statements the instances sent per film (during the run, all instances). */
  statementsPerFilm: number;
  /** How long the instances' event loops waited for PostgreSQL per film (all instances). */
  dbWaitPerFilmMs: number;
  refused: number;
  /** Event-loop lag of each instance over the run (/metrics), ms. */
  lagP99Ms: number[];
  lagMaxMs: number[];
  /** Per instance: PostgreSQL statements, the event loop's total and longest wait for them (ms). */
  db: { statements: number; waitMs: number; maxWaitMs: number }[];
  /** Per instance: films printed through it, previews and renders it made. */
  work: { printed: number; previews: number; renders: number }[];
}

/**
 * One set-up: an instance per core; all on one database and films directory (a pool), or with
 * `apart` each on its own database and directory (two unrelated printers: the same machine, nothing
 * shared, so what a pool adds shows against it); `sqlite`: the embedded store.
 */
async function scaleRun(
  name: string,
  cluster: PgCluster,
  workDir: string,
  servers: Lightbox[],
  cores: number[],
  scus: number,
  filmsEach: number,
  o: { engine?: 'postgres' | 'sqlite'; apart?: boolean } = {},
): Promise<RunResult> {
  const engine = o.engine ?? 'postgres';
  const printers = join(workDir, 'printers');
  mkdirSync(printers, { recursive: true });
  writeFileSync(join(printers, 'lightbox.yaml'), PROFILE);
  const pool: Lightbox[] = [];
  const databases: string[] = [];
  for (const [i, core] of cores.entries()) {
    const own = o.apart ? `_${i}` : '';
    if (engine === 'postgres' && (o.apart || i === 0))
      databases.push(await cluster.createDatabase(`bench_${name.toLowerCase()}${own}`));
    const args = [
      ...(databases.length > 0 ? ['--database', databases.at(-1)!] : []),
      ...['--printers', printers, '--min-free-space', '0', '--retention-max-bytes', '0'],
    ];
    const lb = await startLightbox(join(workDir, `${name}${own}`), {
      wrap: ['taskset', '-c', String(core)],
      args,
    });
    servers.push(lb);
    pool.push(lb);
  }
  const jobs: PrintJob[] = [];
  for (let i = 0; i < scus; i++) {
    const lb = pool[i % pool.length]!;
    jobs.push(await prepareW1(join(workDir, `${name}-scu${i}`), lb.dicomPort, { callingAe: `POOL${i}` }));
  }
  const pids = pool.map((s) => s.child.pid!);
  progress(`${name}: instance pids ${pids.join(', ')}`);
  const postmaster = postmasterPid(cluster);
  // One connection per database for the whole wait: one per poll would cost PostgreSQL a backend start each time.
  const polls = databases.map((d) => new pg.Client({ connectionString: d }));
  for (const c of polls) await c.connect();
  const dbSum = (ms: readonly Map<string, number>[], k: string) =>
    ms.reduce((n, m) => n + (m.get(k) ?? 0), 0);
  const before = await Promise.all(pool.map((l) => scrapeMetrics(l.httpPort)));
  const statements0 = dbSum(before, 'lightbox_db_statements');
  const dbWait0 = dbSum(before, 'lightbox_db_wait_seconds');
  const cpu0 = cpuNow(pids, postmaster);
  const t0 = performance.now();
  // The SCUs log at -v, not -d: DCMTK's debug log (84 kB a W1, ~12 ms of dcmprscu's CPU, and
  // this process's parsing) is load generator work a modality does not do. Whether each print
  // was accepted is asked of the index afterwards instead.
  await Promise.all(
    jobs.map(async (job) => {
      for (let f = 0; f < filmsEach; f++) {
        const r = await runTool(
          'dcmprscu',
          ['-v', '-c', job.cfg, '-p', 'TARGET', job.storedPrint],
          180_000,
          job.dir,
        );
        if (r.code !== 0 || !r.output.includes('Association accepted'))
          throw new Error(`dcmprscu failed:\n${r.output.slice(-2000)}`);
      }
    }),
  );
  // Asked of the database itself where there is one: the instances' own work is what is measured.
  const count = async (where: string) => {
    if (polls.length > 0) {
      let n = 0;
      for (const c of polls)
        n += Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM films ${where}`)).rows[0]!.n);
      return n;
    }
    const status = where === '' ? '' : '&status=rendered';
    const r = await fetch(`http://${HOST}:${pool[0]!.httpPort}/api/films?limit=1000${status}`);
    return ((await r.json()) as unknown[]).length;
  };
  // Films stored: a print the printer refused (N-ACTION failure) stored none.
  const expected = await count('');
  const refused = scus * filmsEach - expected;
  const rendered = () => count("WHERE render <> 'pending'");
  for (;;) {
    if ((await rendered()) >= expected) break;
    if (performance.now() - t0 > 600_000) throw new Error(`${name}: films not rendered after 10 min`);
    await sleep(100);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(cpu0, cpuNow(pids, postmaster));
  for (const c of polls) await c.end();
  const perFilm = { ...cpu };
  for (const k of Object.keys(perFilm) as (keyof CpuSplit)[]) perFilm[k] = cpu[k] / expected;
  // One scrape after the run: the event loop's lag is what it saw since the one before the run.
  const lags = await Promise.all(pool.map((s) => scrapeMetrics(s.httpPort)));
  const statementsPerFilm = (dbSum(lags, 'lightbox_db_statements') - statements0) / expected;
  const dbWaitPerFilmMs = ((dbSum(lags, 'lightbox_db_wait_seconds') - dbWait0) * 1000) / expected;
  for (const s of pool) await stopChild(s.child);
  return {
    films: expected,
    seconds,
    perMinute: (expected / seconds) * 60,
    perFilm,
    statementsPerFilm,
    dbWaitPerFilmMs,
    refused,
    lagP99Ms: lags.map((m) => (m.get('lightbox_event_loop_lag_p99_seconds') ?? Number.NaN) * 1000),
    lagMaxMs: lags.map((m) => (m.get('lightbox_event_loop_lag_max_seconds') ?? Number.NaN) * 1000),
    db: lags.map((m) => ({
      statements: m.get('lightbox_db_statements') ?? 0,
      waitMs: Math.round((m.get('lightbox_db_wait_seconds') ?? 0) * 1000),
      maxWaitMs: Math.round((m.get('lightbox_db_wait_max_seconds') ?? 0) * 1000),
    })),
    work: lags.map((m) => ({
      printed: metricTotal(m, 'lightbox_films_total'),
      previews: metricTotal(m, 'lightbox_film_previews_total'),
      renders: metricTotal(m, 'lightbox_film_renders_total'),
    })),
  };
}

/** Each figure's median over runs (per field, so not one run's figures). */
function medianRun(rs: readonly RunResult[]): RunResult {
  const m = (f: (r: RunResult) => number) => median(rs.map(f));
  const perFilm = { ...rs[0]!.perFilm };
  for (const k of Object.keys(perFilm) as (keyof CpuSplit)[]) perFilm[k] = m((r) => r.perFilm[k]);
  return {
    ...rs[0]!,
    films: m((r) => r.films),
    seconds: m((r) => r.seconds),
    perMinute: m((r) => r.perMinute),
    perFilm,
    statementsPerFilm: m((r) => r.statementsPerFilm),
    dbWaitPerFilmMs: m((r) => r.dbWaitPerFilmMs),
  };
}

/** A set-up's films per minute and CPU per film by kind of process. */
function runLine(name: string, r: RunResult, cores: number): string {
  const c = r.perFilm;
  const f = (x: number) => x.toFixed(0);
  const busy = (lightboxTotal(c) * r.films) / (r.seconds * 1000 * cores);
  return [
    `${name}: ${r.films} films in ${r.seconds.toFixed(1)} s = ${r.perMinute.toFixed(1)} films/min, ${r.statementsPerFilm.toFixed(1)} PostgreSQL statements per film (event loop waited ${r.dbWaitPerFilmMs.toFixed(0)} ms for them)`,
    `  CPU per film, ms: Lightbox ${f(lightboxTotal(c))} (main thread ${f(c.main)}, pg bridge ${f(c.bridge)}, V8 threads ${f(c.v8)}, libuv pool ${f(c.libuv)}, other threads ${f(c.otherThreads)}, render processes ${f(c.render)}); PostgreSQL ${f(c.postgres)}; SCUs ${f(c.scus)}; bench ${f(c.bench)}; all ${f(filmTotal(c))}`,
    `  Lightbox kept its ${cores === 1 ? 'core' : 'cores'} ${(busy * 100).toFixed(0)} % busy; other users took ${f(c.others)} ms per film, the hypervisor stole ${f(c.steal)}`,
  ].join('\n');
}

/**
 * What two cores allow. ONE had core 0 for Lightbox alone (the SCUs, the bench and PostgreSQL on
 * core 1): at most 1 core / Lightbox's CPU per film. TWO has both cores for everything the films
 * cost: at most 2 cores / (Lightbox + PostgreSQL + SCUs + bench per film). Their quotient is the
 * ratio this machine allows, whatever the code: 2 L1 / (L2 + G2), L Lightbox's and G the rest's
 * CPU per film; with no extra cost per film in a pool (L2 = L1, G2 = G1) it reaches 1.6 only if
 * G <= L / 4. Also given: TWO's bound against ONE's measured rate (ONE may leave its core idle).
 */
function ceilingLines(one: RunResult, two: RunResult): string[] {
  const l1 = lightboxTotal(one.perFilm);
  const l2 = lightboxTotal(two.perFilm);
  const g1 = filmTotal(one.perFilm) - l1;
  const g2 = filmTotal(two.perFilm) - l2;
  const oneMax = 60_000 / l1;
  const twoMax = 120_000 / (l2 + g2);
  const f = (x: number) => x.toFixed(0);
  return [
    `ceiling: ONE at most ${oneMax.toFixed(1)} films/min (1 core / Lightbox ${f(l1)} ms per film), TWO at most ${twoMax.toFixed(1)} (2 cores / Lightbox ${f(l2)} + PostgreSQL, SCUs and bench ${f(g2)} ms per film): TWO/ONE <= ${(twoMax / oneMax).toFixed(2)}; against ONE's measured rate <= ${(twoMax / one.perMinute).toFixed(2)}`,
    `  with a pool costing nothing more per film than one instance (TWO at ONE's CPU per film): <= ${((2 * l1) / (l1 + g1)).toFixed(2)}; 1.6 needs PostgreSQL + SCUs + bench <= Lightbox / 4 per film (here ${f(g1)} ms against ${f(l1 / 4)})`,
  ];
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
  const runs = numberArg(argv, 'runs', 1);
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const loadBefore = loadavg();
  await withWorkDir('lightbox-bench-pool-', 20, async (workDir, servers: Lightbox[]) => {
    const cluster = await startPostgres();
    try {
      const f = (x: number) => x.toFixed(1);
      const lines: string[] = [];
      if (only !== 'listing') {
        progress(`scale-out: ${scus} SCUs x ${films} W1 films, rendering on (load ${loadavg()})`);
        const results: Record<'ONE' | 'TWO' | 'APART', RunResult[]> = { ONE: [], TWO: [], APART: [] };
        const setups = {
          ONE: { cores: [0], apart: false },
          TWO: { cores: [0, 1], apart: false },
          // Two instances on the same cores, sharing nothing: what the pool itself adds to TWO.
          APART: { cores: [0, 1], apart: true },
        };
        for (let run = 0; run < runs; run++) {
          const order = (['ONE', 'TWO', 'APART'] as const).slice();
          if (run % 2 === 1) order.reverse();
          for (const name of order) {
            const { cores, apart } = setups[name];
            const r = await scaleRun(`${name}${run}`, cluster, workDir, servers, cores, scus, films, {
              apart,
            });
            progress(`${name} run ${run + 1}: ${JSON.stringify(r)}`);
            results[name].push(r);
          }
          if (runs > 1)
            progress(
              [
                `run ${run + 1}:`,
                runLine('ONE', results.ONE[run]!, 1),
                runLine('TWO', results.TWO[run]!, 2),
                runLine('APART', results.APART[run]!, 2),
                `TWO/ONE ${(results.TWO[run]!.perMinute / results.ONE[run]!.perMinute).toFixed(2)}, APART/ONE ${(results.APART[run]!.perMinute / results.ONE[run]!.perMinute).toFixed(2)}`,
                ...ceilingLines(results.ONE[run]!, results.TWO[run]!),
              ].join('\n'),
            );
        }
        // Each run's ratio (ONE and TWO of the same run), and their median.
        const ratios = (name: 'TWO' | 'APART') => {
          const r = results[name].map((x, i) => x.perMinute / results.ONE[i]!.perMinute);
          return r.length === 1
            ? r[0]!.toFixed(2)
            : `${r.map((x) => x.toFixed(2)).join(', ')} (median ${median(r).toFixed(2)})`;
        };
        const [one, two, apart] = [medianRun(results.ONE), medianRun(results.TWO), medianRun(results.APART)];
        // The same single instance on its embedded SQLite: what the shared database costs.
        const lite = argv.includes('--no-sqlite')
          ? undefined
          : await scaleRun('LITE', cluster, workDir, servers, [0], scus, films, { engine: 'sqlite' });
        if (lite) progress(`LITE: ${JSON.stringify(lite)}`);
        const lag = (r: RunResult) =>
          `event-loop lag p99 ${r.lagP99Ms.map(f).join('/')} ms, max ${r.lagMaxMs.map(f).join('/')} ms`;
        lines.push(
          ...(runs > 1 ? [`medians of ${runs} runs (orders alternating), each figure on its own:`] : []),
          runLine('ONE (1 instance, core 0)', one, 1),
          runLine('TWO (2 instances, cores 0,1)', two, 2),
          runLine('APART (2 instances, cores 0,1, each its own database and films directory)', apart, 2),
          `TWO/ONE films per minute: ${ratios('TWO')} (goal >= 1.6); APART/ONE: ${ratios('APART')}`,
          ...ceilingLines(one, two),
          ...(lite ? [runLine('SQLite (1 instance, core 0)', lite, 1)] : []),
          `ONE ${lag(one)}; TWO ${lag(two)}${lite ? `; SQLite ${lag(lite)}` : ''}`,
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
