/**
 * SIGKILL while retention removes films. Retention removes the oldest unpinned films first, by
 * renaming each directory to a temporary name, removing it and then its index row; a kill at any
 * point of that must leave no half-removed film, no hole among the acknowledged films kept (the
 * newest ones), the index and the directory agreeing, and lightbox.db intact.
 *
 * Each cycle starts the compiled server with --retention-max-films 3 and a printer whose jobs end at
 * once (so retention runs right after each print), prints a few films, then kills the server 0 to
 * 25 ms after an N-ACTION response: while retention removes the film that print pushed out.
 * Seeded like crash.test.ts (LIGHTBOX_CRASH_SEED).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ensureBuild,
  indexIntegrity,
  isSuccess,
  jobUidOf,
  killAllServers,
  listAllFilms,
  PrintSession,
  Rng,
  scanFilms,
  sleep,
  startServer,
} from './support.js';

const SEED = Number(process.env.LIGHTBOX_CRASH_SEED ?? 20261202);
const CYCLES = 40;
const MAX_FILMS = 3;
const PROFILE =
  'aeTitle: LIGHTBOX\nname: Lightbox (retention crash test)\nprintJob: { pendingMs: 0, msPerFilm: 5, queueLimit: 1000 }\n';

let main: string;
let dataDir: string;
let printersDir: string;

beforeAll(async () => {
  main = (await ensureBuild('store-build-crash')).main;
  dataDir = mkdtempSync(join(tmpdir(), 'lightbox-crash-retention-'));
  printersDir = mkdtempSync(join(tmpdir(), 'lightbox-crash-retention-printers-'));
  writeFileSync(join(printersDir, 'lightbox.yaml'), PROFILE);
}, 150_000);

afterAll(() => {
  killAllServers();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(printersDir, { recursive: true, force: true });
});

it(`a kill mid-retention (${CYCLES} kills) leaves the newest films whole, no hole, index and disk agreeing`, async () => {
  const rng = new Rng(SEED);
  const why = `seed ${SEED} (LIGHTBOX_CRASH_SEED=${SEED} to replay)`;
  /** Job UIDs acknowledged with 0x0000, oldest first. */
  const acked: string[] = [];
  const args = ['--printers', printersDir, '--no-render', '--retention-max-films', String(MAX_FILMS)];
  const plan = () => ({
    films: [{ images: [{ columns: 64 * rng.int(1, 4), rows: 64 }] }],
    bySession: false,
    filmSize: '8INX10IN',
  });
  /** Every film in films/ whole; the acknowledged ones kept are the newest: no hole, the newest there. */
  const checkKept = (when: string) => {
    const disk = scanFilms(dataDir);
    for (const f of disk.films) expect(f.problem, `${when}: film ${f.id} whole; ${why}`).toBeUndefined();
    const kept = acked.map((j) => disk.byJob.has(j));
    if (acked.length === 0) return;
    expect(kept.at(-1), `${when}: the newest acknowledged film is kept; ${why}`).toBe(true);
    expect(
      kept.slice(kept.indexOf(true)).every(Boolean),
      `${when}: no hole among the films kept; ${why}`,
    ).toBe(true);
  };
  for (let cycle = 0; cycle <= CYCLES; cycle++) {
    const server = await startServer(main, { dataDir, args });
    // What the killed run left, once this start-up has recovered and retention has run again.
    await sleep(100);
    const disk = scanFilms(dataDir);
    expect(disk.tmpEntries, `temporary entries after start-up ${cycle}; ${why}`).toEqual([]);
    const api = new Set((await listAllFilms(server.url)).map((f) => f.id));
    expect(new Set(disk.films.map((f) => f.id)), `index and films directory agree; ${why}`).toEqual(api);
    expect(api.size, why).toBeLessThanOrEqual(MAX_FILMS);
    checkKept(`after start-up ${cycle}`);
    if (cycle === CYCLES) {
      await server.stop();
      break;
    }
    // A few prints, then one whose response is followed by the kill.
    const prints = rng.int(1, 3);
    for (let i = 0; i < prints; i++) {
      const s = await PrintSession.open(server.dicomPort, plan());
      await s.runUntil();
      const r = await s.print();
      const last = i === prints - 1;
      if (isSuccess(r.command.status)) acked.push(jobUidOf(r)!);
      if (last) {
        await sleep(rng.int(0, 25));
        await server.kill();
        s.destroy();
      } else {
        await s.finish();
        s.destroy();
        await sleep(rng.int(0, 20));
      }
    }
    // As the kill left it, before any recovery: a film being removed is gone from films/ whole (it
    // was renamed away first), never half there.
    checkKept(`right after kill ${cycle}`);
    expect(await indexIntegrity(dataDir), `lightbox.db after kill ${cycle}; ${why}`).toBe('ok');
  }
  expect(acked.length, why).toBeGreaterThan(CYCLES);
}, 180_000);
