/**
 * Two Lightbox processes on one PostgreSQL database (a throw-away cluster) and one films
 * directory, printed to by DCMTK (dcmprscu, workload W1: 20 CT images on 14INX17IN STANDARD\4,5):
 * each instance lists both films and both associations with their verdicts; a console on A sees B's
 * film as it is printed (/api/events); a printer status set and a lab fault armed through A apply on
 * B; and when A is killed (SIGKILL) while it renders a film, B renders it. Also: the CLI on the
 * pool's store (--database), lab fault counts shared by the pool (an instance started later
 * included), flapping on every instance, associations open on one listed by the other, and the
 * compose profile's haproxy.cfg run by the real haproxy in front of both.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { api, ensureBuild, killAllServers, type Server, startServer } from '../store/support.js';
import {
  dcmPrint,
  exchangeSummary,
  freePort,
  generateImages,
  type PrintOptions,
  type TestImages,
} from '../support/dcmprint.js';
import { type PgCluster, startPostgres } from '../support/postgres.js';
import { Scu } from '../support/scu.js';

let cluster: PgCluster;
let dataDir: string;
let work: string;
let images: TestImages;
let a: Server;
let b: Server;
let prints = 0;
let main: string;

beforeAll(async () => {
  const imageDir = join(tmpdir(), 'lightbox-test-images-v1');
  const [c, build, imgs] = await Promise.all([
    startPostgres(),
    ensureBuild('pool'),
    generateImages(imageDir),
  ]);
  cluster = c;
  images = imgs;
  main = build.main;
  const url = await cluster.createDatabase('lightbox');
  dataDir = mkdtempSync(join(tmpdir(), 'lightbox-pool-'));
  work = mkdtempSync(join(tmpdir(), 'lightbox-pool-work-'));
  const args = ['--database', url, '--min-free-space', '0'];
  // One first: it migrates the database (the second would wait for its lock anyway).
  a = await startServer(build.main, { dataDir, args });
  b = await startServer(build.main, { dataDir, args });
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(5000), b?.stop(5000)]);
  killAllServers();
  await cluster?.stop();
  for (const d of [dataDir, work]) if (d) rmSync(d, { recursive: true, force: true });
});

function w1(server: Server, o: Partial<PrintOptions> = {}) {
  return dcmPrint(
    {
      port: server.dicomPort,
      calledAe: 'LIGHTBOX',
      images: images.ct,
      columns: 4,
      rows: 5,
      filmSize: '14INX17IN',
      label: 'W1',
      ...o,
    },
    join(work, `print${++prints}`),
  );
}

/** Every exchange answered 0x0000, the film printed (N-ACTION). */
const ok = (r: Awaited<ReturnType<typeof w1>>) =>
  exchangeSummary(r).every((line) => / 0x0000$/.test(line)) &&
  r.exchanges.some((x) => x.request === 'N-ACTION');

interface FilmRow {
  id: string;
  render: string;
  associationId?: string;
}
const films = async (s: Server) => (await api(`${s.url}/api/films?limit=100`)).body as FilmRow[];
const json = (url: string, method: string, body: unknown) =>
  fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
  );

/** `node main.js <args>` as a user runs the CLI: its exit status and output. */
function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      { cwd: work, env: { ...process.env, ...env }, timeout: 60_000 },
      (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? -1) : 0, out, err }),
    );
  });
}

/** Everything GET /api/events sends, as it comes. */
function eventStream(s: Server): { text: () => string; close: () => void } {
  const ac = new AbortController();
  let text = '';
  void fetch(`${s.url}/api/events`, { signal: ac.signal })
    .then(async (r) => {
      const dec = new TextDecoder();
      for await (const chunk of r.body!) text += dec.decode(chunk as Uint8Array, { stream: true });
    })
    .catch(() => undefined);
  return { text: () => text, close: () => ac.abort() };
}

describe('two instances, one PostgreSQL database', () => {
  it('each accepts a W1 print; each lists both films and both associations with their verdicts; A hears B live', async () => {
    const live = eventStream(a);
    await new Promise((r) => setTimeout(r, 300));
    const [ra, rb] = await Promise.all([w1(a, { callingAe: 'CT_A' }), w1(b, { callingAe: 'CT_B' })]);
    expect(ok(ra), exchangeSummary(ra).join('\n')).toBe(true);
    expect(ok(rb), exchangeSummary(rb).join('\n')).toBe(true);
    await expect
      .poll(async () => (await films(a)).filter((f) => f.render === 'rendered').length, { timeout: 30_000 })
      .toBe(2);
    const onA = await films(a);
    const onB = await films(b);
    expect(onA.map((f) => f.id).sort()).toEqual(onB.map((f) => f.id).sort());
    for (const s of [a, b]) {
      const assocs = (await api(`${s.url}/api/associations?limit=100`)).body as {
        id: string;
        callingAeTitle?: string;
      }[];
      const printing = assocs.filter((x) => x.callingAeTitle === 'CT_A' || x.callingAeTitle === 'CT_B');
      expect(printing.map((x) => x.callingAeTitle).sort()).toEqual(['CT_A', 'CT_B']);
      // Ids from two instances never collide.
      expect(new Set(assocs.map((x) => x.id)).size).toBe(assocs.length);
      const verdicts = (await api(`${s.url}/api/verdicts`)).body as {
        verdicts: { association: string; verdict: string }[];
      };
      for (const x of printing)
        expect(verdicts.verdicts.find((v) => v.association === x.id)?.verdict, x.id).toBe('pass');
    }
    // What the shared database costs each instance is in its /metrics.
    const metrics = (await api(`${a.url}/metrics`)).body as string;
    expect(Number(/^lightbox_db_statements (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^lightbox_db_wait_seconds [0-9.e-]+$/m);
    // The console on A saw B's film as it was printed, marked with B's instance.
    const bFilm = onB.find((f) => f.associationId && f.id)!;
    expect(bFilm).toBeDefined();
    await expect
      .poll(() => /"type":"film\.printed"[^\n]*"instance":"/.test(live.text()), { timeout: 5000 })
      .toBe(true);
    live.close();
  }, 90_000);

  it("lightbox replay and print-film read the pool's store with --database postgres:// (or LIGHTBOX_DATABASE)", async () => {
    const assocs = (await api(`${a.url}/api/associations?limit=100`)).body as {
      id: string;
      callingAeTitle?: string;
    }[];
    const fromB = assocs.find((x) => x.callingAeTitle === 'CT_B')!;
    const url = cluster.url('lightbox');
    // Without the database the CLI looks in the data directory's SQLite file, where nothing is.
    const alone = await cli([
      'replay',
      fromB.id,
      '--to',
      `127.0.0.1:${a.dicomPort}:LIGHTBOX`,
      '--data-dir',
      dataDir,
    ]);
    expect(alone.code, alone.err).toBe(2);
    expect(alone.err).toContain(`no association ${fromB.id} in ${dataDir}`);
    // The association B recorded, replayed to A through the shared store, pixels from the shared films.
    const replayed = await cli([
      'replay',
      fromB.id,
      '--to',
      `127.0.0.1:${a.dicomPort}:LIGHTBOX`,
      '--calling',
      'CLI_REPLAY',
      '--data-dir',
      dataDir,
      '--database',
      url,
      '--json',
      '-',
    ]);
    const report = JSON.parse(replayed.out) as { same: boolean; rows: unknown[]; notes: string[] };
    expect(replayed.code, replayed.err).toBe(0);
    expect(report.same).toBe(true);
    expect(report.rows.length).toBeGreaterThan(20);
    expect(report.notes.join('\n')).not.toMatch(/made-up pattern/);
    // Kept in the pool's store: both instances list the run.
    for (const s of [a, b]) {
      const { runs } = (await api(`${s.url}/api/outbound?kind=replay&association=${fromB.id}`)).body as {
        runs: { associationId: string; ok: boolean }[];
      };
      expect(runs).toMatchObject([{ associationId: fromB.id, ok: true }]);
    }
    // print-film of A's film, sent to B, the database from the environment.
    const film = (await films(b)).find(
      (f) => f.associationId === assocs.find((x) => x.callingAeTitle === 'CT_A')!.id,
    )!;
    const printed = await cli(
      [
        'print-film',
        film.id,
        '--to',
        `127.0.0.1:${b.dicomPort}:LIGHTBOX`,
        '--calling',
        'CLI_PRINT',
        '--data-dir',
        dataDir,
      ],
      { LIGHTBOX_DATABASE: url },
    );
    expect(printed.code, `${printed.out}${printed.err}`).toBe(0);
    expect(printed.out).toMatch(/N-ACTION .*0x0000/);
    await expect
      .poll(async () => (await films(a)).filter((f) => f.render === 'rendered').length, { timeout: 30_000 })
      .toBe(4);
    const bad = await cli(['print-film', film.id, '--to', '127.0.0.1:1:X', '--database', 'mysql://h/db']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--database: must be a SQLite file path or a postgres:\/\/ URL/);
  }, 120_000);

  it('a printer status and a lab fault set through A apply on B; a one-shot fault fires once in the pool', async () => {
    const set = await json(`${a.url}/api/printers/LIGHTBOX/status`, 'PUT', {
      status: 'WARNING',
      info: 'SUPPLY LOW',
    });
    expect(set.status).toBe(200);
    await expect
      .poll(async () => ((await api(`${b.url}/api/printers/LIGHTBOX`)).body as { status: string }).status, {
        timeout: 5000,
      })
      .toBe('WARNING');
    await json(`${a.url}/api/printers/LIGHTBOX/status`, 'PUT', { status: 'NORMAL' });
    await expect
      .poll(async () => ((await api(`${b.url}/api/printers/LIGHTBOX`)).body as { status: string }).status, {
        timeout: 5000,
      })
      .toBe('NORMAL');

    const armed = await json(`${a.url}/api/lab/faults`, 'POST', {
      printer: 'LIGHTBOX',
      kind: 'response',
      command: 'N-SET',
      sopClass: 'Basic Grayscale Image Box',
      status: '0xC605',
      count: 1,
    });
    expect(armed.status).toBe(201);
    const fault = (armed.body.armed as { id: string }[])[0]!;
    await expect
      .poll(async () => JSON.stringify((await api(`${b.url}/api/lab/faults`)).body), { timeout: 5000 })
      .toContain(fault.id);
    const onB = await w1(b, { callingAe: 'FAULT_B' });
    expect(onB.exchanges.find((x) => x.request === 'N-SET')).toMatchObject({ status: 0xc605 });
    expect(onB.exchanges.some((x) => x.request === 'N-ACTION')).toBe(false);
    // Spent on B, so spent on A too: A prints cleanly.
    const onA = await w1(a, { callingAe: 'FAULT_A' });
    expect(ok(onA), exchangeSummary(onA).join('\n')).toBe(true);
    // Both instances list the firing (it is in the shared database).
    for (const s of [a, b])
      expect(JSON.stringify((await api(`${s.url}/api/lab/firings`)).body)).toContain(fault.id);
  }, 90_000);

  it('a fault armed to fire 3 times fires 3 times in the pool; an instance started after it was armed gets what is left', async () => {
    const META = Uid.BasicGrayscalePrintManagementMeta;
    /** An association to the printer: refused (A-ASSOCIATE-RJ) or accepted (then released). */
    const associate = async (s: Server, calling: string) => {
      try {
        const scu = await Scu.open(s.dicomPort, { calling, called: 'LIGHTBOX', abstractSyntaxes: [META] });
        await scu.release();
        return 'accepted';
      } catch (e) {
        expect((e as Error).message).toContain('A-ASSOCIATE-RJ');
        return 'refused';
      }
    };
    const armed = await json(`${a.url}/api/lab/faults`, 'POST', {
      printer: 'LIGHTBOX',
      kind: 'refuse',
      reason: 'temporary-congestion',
      count: 3,
    });
    expect(armed.status).toBe(201);
    const id = (armed.body.armed as { id: string }[])[0]!.id;
    await expect
      .poll(async () => JSON.stringify((await api(`${b.url}/api/lab/faults`)).body), { timeout: 5000 })
      .toContain(id);
    expect(await associate(a, 'COUNT_1')).toBe('refused');
    const c = await startServer(main, {
      dataDir,
      args: ['--database', cluster.url('lightbox'), '--min-free-space', '0'],
    });
    try {
      const onC = (await api(`${c.url}/api/lab/faults`)).body as {
        faults: { id: string; remaining: number }[];
      }[];
      expect(onC.flatMap((p) => p.faults).find((f) => f.id === id)).toMatchObject({ remaining: 2 });
      // Two more refusals, at once on two instances, then none anywhere.
      expect((await Promise.all([associate(c, 'COUNT_2'), associate(b, 'COUNT_3')])).sort()).toEqual([
        'refused',
        'refused',
      ]);
      for (const [s, calling] of [
        [a, 'COUNT_4'],
        [b, 'COUNT_5'],
        [c, 'COUNT_6'],
      ] as const)
        expect(await associate(s, calling), calling).toBe('accepted');
      const firings = (await api(`${b.url}/api/lab/firings?limit=100`)).body;
      expect(JSON.stringify(firings).split(`"fault":"${id}"`).length - 1).toBe(3);
    } finally {
      await c.stop(5000);
    }
    await json(`${a.url}/api/lab/faults/${id}`, 'DELETE', {});
  }, 90_000);

  it('a flapping printer armed through B flaps on A too: each instance sends its own associations the N-EVENT-REPORTs', async () => {
    const META = Uid.BasicGrayscalePrintManagementMeta;
    const onA = await Scu.open(a.dicomPort, {
      calling: 'FLAP_A',
      called: 'LIGHTBOX',
      abstractSyntaxes: [META],
    });
    const onB = await Scu.open(b.dicomPort, {
      calling: 'FLAP_B',
      called: 'LIGHTBOX',
      abstractSyntaxes: [META],
    });
    try {
      const armed = await json(`${b.url}/api/lab/faults`, 'POST', {
        printer: 'LIGHTBOX',
        kind: 'status-flapping',
        status: 'FAILURE',
        info: 'PRINTER OFFLINE',
        everyMs: 200,
        flaps: 2,
      });
      expect(armed.status).toBe(201);
      for (const scu of [onA, onB]) {
        const events = await scu.waitEvents(4);
        expect(events.map((e) => [e.eventTypeId, e.dataset?.['21100020']?.Value?.[0]])).toEqual([
          [3, 'PRINTER OFFLINE'],
          [1, undefined],
          [3, 'PRINTER OFFLINE'],
          [1, undefined],
        ]);
      }
      await new Promise((r) => setTimeout(r, 500));
      expect([onA.events.length, onB.events.length]).toEqual([4, 4]);
      for (const s of [a, b])
        expect(((await api(`${s.url}/api/printers/LIGHTBOX`)).body as { status: string }).status).toBe(
          'NORMAL',
        );
    } finally {
      await Promise.all([onA.release(), onB.release()]);
    }
  }, 60_000);

  it('a printer status fault after 2 films counts films printed on both; when it fires on B, A reports it to its own associations too', async () => {
    const armed = await json(`${a.url}/api/lab/faults`, 'POST', {
      printer: 'LIGHTBOX',
      kind: 'printer-status',
      status: 'WARNING',
      info: 'SUPPLY LOW',
      afterFilms: 2,
      count: 1,
    });
    expect(armed.status).toBe(201);
    const id = (armed.body.armed as { id: string }[])[0]!.id;
    await expect
      .poll(async () => JSON.stringify((await api(`${b.url}/api/lab/faults`)).body), { timeout: 5000 })
      .toContain(id);
    const status = async (s: Server) =>
      ((await api(`${s.url}/api/printers/LIGHTBOX`)).body as { status: string }).status;
    const watching = await Scu.open(a.dicomPort, {
      calling: 'WATCH_A',
      called: 'LIGHTBOX',
      abstractSyntaxes: [Uid.BasicGrayscalePrintManagementMeta],
    });
    try {
      expect(ok(await w1(a, { callingAe: 'FILMS_1' }))).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect([await status(a), await status(b)]).toEqual(['NORMAL', 'NORMAL']);
      expect(ok(await w1(b, { callingAe: 'FILMS_2' }))).toBe(true);
      // The second film of the pool: WARNING on B, and on A, which tells its own association.
      await expect.poll(() => status(b), { timeout: 5000 }).toBe('WARNING');
      await expect.poll(() => status(a), { timeout: 5000 }).toBe('WARNING');
      const events = await watching.waitEvents(1);
      expect(events.map((e) => [e.eventTypeId, e.dataset?.['21100020']?.Value?.[0]])).toEqual([
        [2, 'SUPPLY LOW'],
      ]);
    } finally {
      await watching.release();
    }
    await json(`${a.url}/api/printers/LIGHTBOX/status`, 'PUT', { status: 'NORMAL' });
    await expect.poll(() => status(b), { timeout: 5000 }).toBe('NORMAL');
    await json(`${a.url}/api/lab/faults/${id}`, 'DELETE', {});
  }, 90_000);

  it('an association open on B is listed by A, naming B; /metrics names each instance', async () => {
    const instanceOf = async (s: Server) =>
      /^lightbox_instance_info\{lightbox_instance="([^"]+)"\} 1$/m.exec(
        (await api(`${s.url}/metrics`)).body as string,
      )?.[1];
    const [idA, idB] = [await instanceOf(a), await instanceOf(b)];
    expect(idA).toBeTruthy();
    expect(idB).toBeTruthy();
    expect(idA).not.toBe(idB);
    type Item = {
      id: string;
      callingAeTitle?: string;
      instance?: string;
      endedAt?: string;
      printer?: string;
    };
    const open = async (s: Server) =>
      ((await api(`${s.url}/api/associations?active=true&callingAe=LIVE_ON_B`)).body as Item[]).filter(
        (x) => x.callingAeTitle === 'LIVE_ON_B',
      );
    const scu = await Scu.open(b.dicomPort, {
      calling: 'LIVE_ON_B',
      called: 'LIGHTBOX',
      abstractSyntaxes: [Uid.BasicGrayscalePrintManagementMeta],
    });
    let id: string;
    try {
      await expect.poll(async () => (await open(a)).length, { timeout: 5000 }).toBe(1);
      const [onA] = await open(a);
      const [onB] = await open(b);
      expect(onA).toMatchObject({ id: onB!.id, instance: idB, printer: 'LIGHTBOX' });
      expect(onB).toMatchObject({ instance: idB });
      id = onA!.id;
      expect((await api(`${a.url}/api/associations/${id}`)).body).toMatchObject({ id, instance: idB });
      // Not in A's open ones once it ended on B: listed as ended, with B's messages.
    } finally {
      await scu.release();
    }
    await expect.poll(async () => (await open(a)).length, { timeout: 5000 }).toBe(0);
    const ended = (await api(`${a.url}/api/associations/${id!}`)).body as Item & { ending: string };
    expect(ended).toMatchObject({ id: id!, instance: idB, ending: 'released' });
    expect(ended.endedAt).toBeDefined();
  }, 60_000);

  it("the compose balancer's own haproxy.cfg, run by the real haproxy in front of A and B: prints through it land on both, its HTTP port answers for the pool", async () => {
    // deploy/haproxy.cfg as compose runs it, but for the instances' addresses here: the bind
    // ports and the server lines (DNS names and the `docker` resolver) are all that change.
    const [dicom, http] = [await freePort(), await freePort()];
    const cfg = readFileSync(resolve('deploy/haproxy.cfg'), 'utf8')
      .replace(/^(\s*bind ):11112$/m, `$1127.0.0.1:${dicom}`)
      .replace(/^(\s*bind ):8080$/m, `$1127.0.0.1:${http}`)
      .replace(
        /^(\s*server (lightbox-[ab])) lightbox-[ab]:(\d+)(?: port \d+)? resolvers docker$/gm,
        (_m, head: string, name: string, port: string) => {
          const s = name === 'lightbox-a' ? a : b;
          return `${head} 127.0.0.1:${port === '11112' ? s.dicomPort : s.httpPort} port ${s.httpPort}`;
        },
      );
    expect(cfg).not.toMatch(/lightbox-[ab]:\d+| resolvers docker$/m);
    const file = join(work, 'haproxy.cfg');
    writeFileSync(file, cfg);
    const bin = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
    let out = '';
    const balancer: ChildProcess = spawn(bin, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    balancer.stdout!.on('data', (c: Buffer) => (out += c));
    balancer.stderr!.on('data', (c: Buffer) => (out += c));
    balancer.on('error', (e) => (out += `${bin}: ${e.message} (scripts/test.sh installs haproxy)`));
    try {
      const viaBalancer = `http://127.0.0.1:${http}`;
      await expect
        .poll(async () => (await fetch(`${viaBalancer}/healthz`).catch(() => undefined))?.status, {
          timeout: 15_000,
        })
        .toBe(200);
      // Two prints at once: leastconn gives each instance one.
      const through = { dicomPort: dicom } as unknown as Server;
      const prints = await Promise.all([
        w1(through, { callingAe: 'VIA_LB_1' }),
        w1(through, { callingAe: 'VIA_LB_2' }),
      ]);
      for (const r of prints) expect(ok(r), `${exchangeSummary(r).join('\n')}\n${out}`).toBe(true);
      const assocs = (await api(`${viaBalancer}/api/associations?limit=100`)).body as {
        callingAeTitle?: string;
        instance?: string;
      }[];
      const via = assocs.filter((x) => x.callingAeTitle?.startsWith('VIA_LB_'));
      expect(via).toHaveLength(2);
      expect(new Set(via.map((x) => x.instance)).size, JSON.stringify(via)).toBe(2);
      const listed = (await api(`${viaBalancer}/api/films?limit=100&callingAe=VIA_LB_1`)).body as FilmRow[];
      expect(listed).toHaveLength(1);
    } finally {
      balancer.kill('SIGTERM');
      await new Promise((r) => (balancer.exitCode !== null ? r(undefined) : balancer.once('exit', r)));
    }
  }, 90_000);

  it('A killed (SIGKILL) while it renders a film: B renders it', async () => {
    const before = new Set((await films(b)).map((f) => f.id));
    const printed = w1(a, { callingAe: 'KILLED_A' });
    // The moment A claims the film's render, A is killed.
    let claimed: { id: string; render: string; render_claim: string } | undefined;
    const deadline = Date.now() + 30_000;
    while (!claimed && Date.now() < deadline) {
      const rows = await cluster.query<{ id: string; render: string; render_claim: string }>(
        "SELECT id, render, render_claim FROM films WHERE calling_ae = 'KILLED_A' AND render_claim IS NOT NULL",
        [],
        'lightbox',
      );
      claimed = rows[0];
      if (!claimed) await new Promise((r) => setTimeout(r, 10));
    }
    expect(claimed, 'A never claimed the film').toBeDefined();
    await a.kill();
    expect(ok(await printed)).toBe(true);
    const state = await cluster.query<{ render: string }>(
      'SELECT render FROM films WHERE id = $1',
      [claimed!.id],
      'lightbox',
    );
    // Killed mid-render: the film is still pending.
    expect(state[0]!.render).toBe('pending');
    expect(before.has(claimed!.id)).toBe(false);
    await expect
      .poll(async () => (await films(b)).find((f) => f.id === claimed!.id)?.render, { timeout: 30_000 })
      .toBe('rendered');
    const [after] = await cluster.query<{ render_claim: string }>(
      'SELECT render_claim FROM films WHERE id = $1',
      [claimed!.id],
      'lightbox',
    );
    expect(after!.render_claim).not.toBe(claimed!.render_claim);
  }, 90_000);

  it('the database stops: B answers the print 0x0213 at N-ACTION at once (nothing acknowledged), and prints again once it is back', async () => {
    await cluster.kill();
    let down: Awaited<ReturnType<typeof w1>>;
    try {
      const t0 = performance.now();
      down = await w1(b, { callingAe: 'DB_DOWN' });
      // Every call fails at once: no statement waits for a deadline.
      expect(performance.now() - t0).toBeLessThan(15_000);
    } finally {
      await cluster.start();
    }
    const action = down.exchanges.find((x) => x.request === 'N-ACTION');
    expect(action?.status, exchangeSummary(down).join('\n')).toBe(0x0213);
    expect(b.alive()).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await w1(b, { callingAe: 'DB_BACK' });
    expect(ok(again), exchangeSummary(again).join('\n')).toBe(true);
    const rows = await cluster.query<{ calling_ae: string }>(
      "SELECT calling_ae FROM films WHERE calling_ae IN ('DB_DOWN', 'DB_BACK')",
      [],
      'lightbox',
    );
    expect(rows.map((r) => r.calling_ae)).toEqual(['DB_BACK']);
  }, 90_000);
});
