/**
 * A full disk, end to end: the compiled server as a child process with its data directory on a
 * small tmpfs (24 MiB), printed to over real TCP by the repository's SCU (test/support/scu.ts).
 * Linux and root only (mount -t tmpfs); skipped otherwise, the reason in the suite's name.
 *
 * 1. --min-free-space 0 (no guard): films of 4-6 MB printed until the disk is full and beyond.
 *    Every print ends either stored (N-ACTION 0x0000, and its film on disk and readable through
 *    the API) or refused with a failure status (0xCxxx, 0x02xx; 0x0213 Resource Limitation with an
 *    Error Comment) at the N-SET or the N-ACTION, never 0x0000 without the film. The server lives
 *    on (/healthz, C-ECHO), GET /api/films/{id} never answers 500, nothing named *.tmp / .tmp* is
 *    left anywhere on the file system, and once films are deleted a new print is stored.
 * 2. --min-free-space 12M: once free space is below it (prints, and a ballast file on the same file
 *    system if the prints alone do not get there), GET /api/printers/LIGHTBOX says FAILURE, PRINT
 *    BUFF FULL; a print is refused with 0xC605 (N-SET) or 0xC602/0xC601 (N-ACTION); after the
 *    films are deleted the printer returns to NORMAL by itself and a print is stored.
 * 3. Rendering on, free space enough for a film's pixels but not for its PNGs: the film is stored,
 *    its render fails and is marked so (renderStatus 'failed'), and no *.tmp file is left.
 *
 * Cases 1 and 2 run with --no-render, so only the film store spends the space. Cases 1 and 3 turn
 * the --min-free-space guard off (0), so the writes themselves meet the full disk.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmdirSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiFilm,
  type ApiFilmSummary,
  type ApiJob,
  api,
  echo,
  ensureBuild,
  type FilmPlan,
  hex,
  isFailure,
  isSuccess,
  jobUidOf,
  killAllServers,
  listAllFilms,
  PrintSession,
  Rng,
  type Server,
  type SessionPlan,
  scanFilms,
  sleep,
  startServer,
  tmpLeftovers,
} from './support.js';

const MIB = 1024 * 1024;
const TMPFS_SIZE = '24m';

function whyNot(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root, to mount a tmpfs';
  const probe = mkdtempSync(join(tmpdir(), 'lightbox-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  } finally {
    rmdirSync(probe);
  }
}
const SKIP = whyNot();

const mounts: string[] = [];

function mountTmpfs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lightbox-diskfull-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dir], { stdio: 'pipe' });
  mounts.push(dir);
  return dir;
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

let main: string;

beforeAll(async () => {
  if (SKIP) return;
  main = (await ensureBuild('store-build-disk-full')).main;
}, 150_000);

afterAll(() => {
  killAllServers();
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', [m], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    }
    rmSync(m, { recursive: true, force: true });
  }
});

function minFreeSpace(size: string): string[] {
  return ['--min-free-space', size];
}

// ---------------------------------------------------------------- one print, and its fate

interface Outcome {
  /** stored | refused | acked-not-stored (the bug) | unexpected */
  fate: 'stored' | 'refused' | 'acked-not-stored' | 'unexpected';
  /** The step that decided it, with status and Error Comment. */
  at: string;
  status?: number;
  comment?: string;
  jobUid?: string;
  filmId?: string;
  /** A 0x0000 whose film was not yet whole on disk when the response arrived. */
  notOnDiskAtAck?: boolean;
  detail?: string;
}

const film = (images: FilmPlan['images'], filmSize = '8INX10IN'): SessionPlan => ({
  films: [{ images }],
  bySession: false,
  filmSize,
});

/** 1024 columns x 1024-1536 rows, two images: 4-6 MiB of pixels. */
function bigFilm(rng: Rng): SessionPlan {
  return film([0, 1].map(() => ({ columns: 1024, rows: rng.int(1024, 1536) })));
}

/** The film of a job, whole on disk and through the API; undefined when it is, else why not. */
async function filmOfJob(s: Server, jobUid: string): Promise<{ id?: string; problem?: string }> {
  const j = await api(`${s.url}/api/jobs/${jobUid}`);
  if (j.status !== 200) return { problem: `GET /api/jobs/${jobUid}: ${j.status}` };
  const job = j.body as ApiJob;
  const id = job.films[0];
  if (!id) return { problem: `job ${job.status} ${job.statusInfo}, no film` };
  const f = await api(`${s.url}/api/films/${encodeURIComponent(id)}`);
  if (f.status !== 200) return { id, problem: `GET /api/films/${id}: ${f.status}` };
  const raw = await api(`${s.url}/api/films/${encodeURIComponent(id)}/film.json`);
  if (raw.status !== 200) return { id, problem: `GET /api/films/${id}/film.json: ${raw.status}` };
  const onDisk = scanFilms(s.dataDir).films.find((x) => x.id === id);
  if (!onDisk || onDisk.problem) return { id, problem: `on disk: ${onDisk?.problem ?? 'absent'}` };
  return { id };
}

async function print(s: Server, plan: SessionPlan): Promise<Outcome> {
  let ps: PrintSession | undefined;
  try {
    ps = await PrintSession.open(s.dicomPort, plan);
    const bad = await ps.runUntil();
    if (bad !== undefined) {
      const [at, status, comment] = ps.statuses.at(-1)!;
      await ps.finish().catch(() => undefined);
      return { fate: isFailure(status) ? 'refused' : 'unexpected', at, status, comment };
    }
    const r = await ps.print();
    const [at, status, comment] = ps.statuses.at(-1)!;
    if (!isSuccess(status)) {
      await ps.finish().catch(() => undefined);
      return { fate: isFailure(status) ? 'refused' : 'unexpected', at, status, comment };
    }
    const jobUid = jobUidOf(r);
    if (!jobUid) return { fate: 'unexpected', at, status, detail: 'no Referenced Print Job Sequence' };
    const atAck = scanFilms(s.dataDir).byJob.get(jobUid)?.[0];
    const notOnDiskAtAck = !atAck || atAck.problem !== undefined;
    await ps.finish().catch(() => undefined);
    // The film may still be on its way on code that writes after answering: give it 3 s.
    let found: { id?: string; problem?: string } = {};
    for (let t = Date.now(); Date.now() - t < 3000; await sleep(50)) {
      found = await filmOfJob(s, jobUid);
      if (!found.problem || found.problem.startsWith('job FAILURE')) break;
    }
    if (found.problem)
      return { fate: 'acked-not-stored', at, status, jobUid, notOnDiskAtAck, detail: found.problem };
    return { fate: 'stored', at, status, jobUid, filmId: found.id, notOnDiskAtAck };
  } catch (e) {
    return { fate: 'unexpected', at: 'association', detail: (e as Error).message };
  } finally {
    ps?.destroy();
  }
}

function line(o: Outcome): string {
  return `${o.fate}: ${o.at} ${hex(o.status)}${o.comment ? ` "${o.comment}"` : ''}${o.detail ? ` (${o.detail})` : ''}`;
}

/** Until no job is PENDING or PRINTING (bounded): the failures have settled. */
async function settle(s: Server, ms = 15_000): Promise<void> {
  for (const t = Date.now(); Date.now() - t < ms; await sleep(100)) {
    const r = await api(`${s.url}/api/jobs`);
    const jobs = (r.body ?? []) as ApiJob[];
    if (!jobs.some((j) => j.status === 'PENDING' || j.status === 'PRINTING')) return;
  }
}

/** GET /api/films and GET /api/films/{id} for each: the statuses other than 200. */
async function filmApiErrors(s: Server): Promise<string[]> {
  let list: ApiFilmSummary[];
  try {
    list = await listAllFilms(s.url);
  } catch (e) {
    return [(e as Error).message];
  }
  const errors: string[] = [];
  for (const f of list) {
    const r = await api(`${s.url}/api/films/${encodeURIComponent(f.id)}`);
    if (r.status !== 200) errors.push(`GET /api/films/${f.id}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return errors;
}

async function deleteAllFilms(s: Server): Promise<number[]> {
  const list = await listAllFilms(s.url);
  const codes: number[] = [];
  for (const f of list)
    codes.push((await api(`${s.url}/api/films/${encodeURIComponent(f.id)}`, 'DELETE')).status);
  return codes;
}

async function printerStatus(s: Server): Promise<{ status: string; statusInfo: string }> {
  const r = await api(`${s.url}/api/printers/LIGHTBOX`);
  return r.body as { status: string; statusInfo: string };
}

async function waitStatus(
  s: Server,
  status: string,
  ms: number,
): Promise<{ status: string; statusInfo: string }> {
  let p = await printerStatus(s);
  for (const t = Date.now(); p.status !== status && Date.now() - t < ms; await sleep(200))
    p = await printerStatus(s);
  return p;
}

// ---------------------------------------------------------------- the cases

describe.skipIf(SKIP !== undefined)(
  `disk full on a ${TMPFS_SIZE} tmpfs${SKIP ? ` (skipped: ${SKIP})` : ''}`,
  () => {
    it('1. --min-free-space 0: each print stored or refused with a failure status, nothing half written, the server prints again once space is freed', async () => {
      const mount = mountTmpfs();
      const dataDir = join(mount, 'data');
      const s = await startServer(main, { dataDir, args: [...minFreeSpace('0'), '--no-render'] });
      const rng = new Rng(20260501);
      const outcomes: Outcome[] = [];
      for (let i = 0; i < 12; i++) outcomes.push(await print(s, bigFilm(rng)));
      await settle(s);
      const leftovers = tmpLeftovers(mount);
      const health = (await api(`${s.url}/healthz`)).status;
      const echoed = await echo(s.dicomPort);
      const apiErrors = await filmApiErrors(s);
      const freeAtFull = freeBytes(mount);
      const deletes = await deleteAllFilms(s);
      const after = await print(s, bigFilm(rng));
      const afterLeftovers = tmpLeftovers(mount);
      await s.stop();

      const count = (f: Outcome['fate']) => outcomes.filter((o) => o.fate === f).length;
      console.log(
        [
          'case 1 (--min-free-space 0):',
          `stored ${count('stored')}, refused ${count('refused')}, acknowledged but not stored ${count('acked-not-stored')}, unexpected ${count('unexpected')} of ${outcomes.length}`,
          `0x0000 before the film was whole on disk: ${outcomes.filter((o) => o.notOnDiskAtAck).length}`,
          ...outcomes.map((o, i) => `  print ${i + 1}: ${line(o)}`),
          `free at the end: ${(freeAtFull / MIB).toFixed(1)} MiB; .tmp leftovers: ${leftovers.length} ${leftovers.slice(0, 3).join(' ')}`,
          `healthz ${health}, C-ECHO ${typeof echoed === 'number' ? hex(echoed) : echoed}, film API errors ${apiErrors.length}`,
          `after deleting ${deletes.length} films (${[...new Set(deletes)].join('/')}): ${line(after)}`,
        ].join('\n  '),
      );

      expect(
        outcomes.some((o) => o.fate === 'refused' || o.fate === 'acked-not-stored'),
        'the disk filled',
      ).toBe(true);
      expect
        .soft(outcomes.filter((o) => o.fate === 'acked-not-stored').map(line), '0x0000 without the film')
        .toEqual([]);
      expect
        .soft(outcomes.filter((o) => o.fate === 'unexpected').map(line), 'neither stored nor refused')
        .toEqual([]);
      expect
        .soft(
          outcomes.filter((o) => o.fate === 'refused' && !o.comment).map(line),
          'refusals carry an Error Comment',
        )
        .toEqual([]);
      expect
        .soft(outcomes.filter((o) => o.notOnDiskAtAck).map(line), '0x0000 only once the film is on disk')
        .toEqual([]);
      expect.soft(leftovers, 'no .tmp files or directories after the failures').toEqual([]);
      expect.soft(health, '/healthz').toBe(200);
      expect.soft(echoed, 'C-ECHO').toBe(0);
      expect.soft(apiErrors, 'GET /api/films/{id}').toEqual([]);
      expect
        .soft(
          deletes.every((c) => c === 204),
          'DELETE /api/films/{id}',
        )
        .toBe(true);
      expect.soft(line(after), 'a print once space is freed').toMatch(/^stored/);
      expect.soft(afterLeftovers, 'no .tmp files at the end').toEqual([]);
    }, 120_000);

    it('2. --min-free-space 12M: FAILURE / PRINT BUFF FULL below it, prints refused, NORMAL again once films are deleted', async () => {
      const mount = mountTmpfs();
      const dataDir = join(mount, 'data');
      const s = await startServer(main, { dataDir, args: [...minFreeSpace('12M'), '--no-render'] });
      const rng = new Rng(20260502);
      const log: string[] = [];
      try {
        const initial = await printerStatus(s);
        log.push(
          `start: ${initial.status} ${initial.statusInfo}, free ${(freeBytes(mount) / MIB).toFixed(1)} MiB`,
        );
        expect.soft(initial.status, 'NORMAL with the disk empty').toBe('NORMAL');
        // Print until free space is below 12 MiB or a print is refused.
        const outcomes: Outcome[] = [];
        for (let i = 0; i < 6 && freeBytes(mount) >= 12 * MIB; i++) {
          const o = await print(s, bigFilm(rng));
          outcomes.push(o);
          log.push(`print ${i + 1}: ${line(o)}; free ${(freeBytes(mount) / MIB).toFixed(1)} MiB`);
          if (o.fate !== 'stored') break;
        }
        expect.soft(outcomes[0]?.fate, 'the first print, with the disk empty').toBe('stored');
        expect
          .soft(
            outcomes.filter((o) => o.fate === 'acked-not-stored' || o.fate === 'unexpected').map(line),
            'prints before the limit: stored or refused',
          )
          .toEqual([]);
        // Below the limit, by a ballast file next to the data directory if the prints did not get there.
        const ballast = join(mount, 'ballast');
        const free = freeBytes(mount);
        if (free >= 8 * MIB) {
          writeFileSync(ballast, Buffer.alloc(free - 8 * MIB, 1));
          log.push(
            `ballast ${((free - 8 * MIB) / MIB).toFixed(1)} MiB: free ${(freeBytes(mount) / MIB).toFixed(1)} MiB`,
          );
        }
        const full = await waitStatus(s, 'FAILURE', 10_000);
        log.push(`below 12M: ${full.status} ${full.statusInfo}`);
        expect.soft(full, 'printer status below --min-free-space').toMatchObject({
          status: 'FAILURE',
          statusInfo: 'PRINT BUFF FULL',
        });
        const refused = await print(s, film([{ columns: 512, rows: 512 }]));
        log.push(`print while full: ${line(refused)}`);
        expect.soft(refused.fate, 'a print while below the limit').toBe('refused');
        expect
          .soft([0xc605, 0xc602, 0xc601], `status of the refusal (${line(refused)})`)
          .toContain(refused.status);

        const deletes = await deleteAllFilms(s);
        rmSync(ballast, { force: true });
        const back = await waitStatus(s, 'NORMAL', 15_000);
        log.push(
          `deleted ${deletes.length} films and the ballast, free ${(freeBytes(mount) / MIB).toFixed(1)} MiB: ${back.status} ${back.statusInfo}`,
        );
        expect.soft(back.status, 'NORMAL again once space returns').toBe('NORMAL');
        const again = await print(s, bigFilm(rng));
        log.push(`print after: ${line(again)}`);
        expect.soft(line(again), 'a print once space returned').toMatch(/^stored/);
        expect.soft(tmpLeftovers(mount), 'no .tmp files').toEqual([]);
      } finally {
        console.log(`case 2 (--min-free-space 12M):\n  ${log.join('\n  ')}`);
        await s.stop();
      }
    }, 120_000);

    it('3. rendering without the space for its PNGs: the film is stored, its render marked failed, no *.tmp left', async () => {
      const mount = mountTmpfs();
      const dataDir = join(mount, 'data');
      mkdirSync(dataDir);
      const s = await startServer(main, { dataDir, args: minFreeSpace('0') });
      // Leave the film's 512 KiB of pixels and 1.5 MiB more: its film.png alone is ~6 MB (noise).
      const ballast = freeBytes(mount) - 2 * MIB;
      writeFileSync(join(mount, 'ballast'), Buffer.alloc(ballast, 1));
      const o = await print(s, film([{ columns: 512, rows: 512, noise: 7 }]));
      let render = 'no film';
      let detail: unknown;
      let code = 0;
      if (o.filmId) {
        for (const t = Date.now(); Date.now() - t < 20_000; await sleep(200)) {
          const f = await api(`${s.url}/api/films/${encodeURIComponent(o.filmId)}`);
          code = f.status;
          if (f.status !== 200) break;
          render = (f.body as ApiFilm).renderStatus;
          detail = (f.body as { render?: unknown }).render;
          if (render !== 'pending') break;
        }
      }
      const leftovers = tmpLeftovers(mount);
      const health = (await api(`${s.url}/healthz`)).status;
      const renderJson = o.filmId ? join(dataDir, 'films', o.filmId, 'render.json') : '';
      const renderJsonSize = existsSync(renderJson) ? `${statSync(renderJson).size} bytes` : 'absent';
      await s.stop();
      console.log(
        `case 3 (render on, ${(ballast / MIB).toFixed(1)} MiB ballast): ${line(o)}; GET /api/films/{id} ${code}, renderStatus ${render} ${JSON.stringify(detail)?.slice(0, 160)}; render.json ${renderJsonSize}; leftovers ${leftovers.join(' ') || 'none'}; healthz ${health}`,
      );
      expect(o.fate, `the film fits (${line(o)})`).toBe('stored');
      expect.soft(code, 'GET /api/films/{id}').toBe(200);
      expect.soft(render, 'renderStatus once the render ran out of space').toBe('failed');
      expect.soft(leftovers, 'no *.tmp files after the failed render').toEqual([]);
      expect.soft(health, '/healthz').toBe(200);
    }, 60_000);
  },
);
