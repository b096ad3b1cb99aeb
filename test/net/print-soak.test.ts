/**
 * The print soak's short run for CI (the long one is `npm run bench:soak:print`, 10 minutes): two
 * DCMTK print SCUs print again and again for 20 s while the hostile load of the soak benchmarks
 * holds 164 sockets (silent, or trickling an A-ASSOCIATE-RQ) against the same Lightbox, rendering
 * on. Every print must be acknowledged, and every acknowledged film be in the store.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HostileLoad, SILENT, TRICKLING } from '../../bench/hostile-load.js';
import { dcmPrint, generateImages, type TestImages } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

const RUN_MS = 20_000;
const PROFILE =
  'aeTitle: LIGHTBOX\nname: Lightbox (print soak)\nprintJob: { pendingMs: 100, msPerFilm: 200, queueLimit: 1000 }\n';

let lb: TestLightbox;
let images: TestImages;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-print-soak-'));
  const printersDir = join(work, 'printers');
  mkdirSync(printersDir);
  writeFileSync(join(printersDir, 'lightbox.yaml'), PROFILE);
  [images, lb] = await Promise.all([
    generateImages(join(tmpdir(), 'lightbox-test-images-v1')),
    startLightbox({ logLevel: 'warn', printersDir }),
  ]);
}, 60_000);
afterAll(async () => {
  await lb?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('two SCUs print for 20 s beside 164 hostile sockets: every print acknowledged and stored', async () => {
  const hostile = new HostileLoad(lb.dicomPort);
  await hostile.start();
  expect(hostile.held).toBeGreaterThan((SILENT + TRICKLING) / 2);
  const until = Date.now() + RUN_MS;
  const statuses: number[] = [];
  let n = 0;
  const loop = async (scu: number) => {
    while (Date.now() < until) {
      const r = await dcmPrint(
        {
          port: lb.dicomPort,
          calledAe: 'LIGHTBOX',
          callingAe: `SOAK${scu}`,
          images: images.ct.slice(0, 4),
          columns: 2,
          rows: 2,
          filmSize: '14INX17IN',
        },
        join(work, `print${++n}`),
      );
      expect(r.accepted, r.log).toBe(1);
      statuses.push(r.exchanges.find((x) => x.request === 'N-ACTION')?.status ?? -1);
    }
  };
  await Promise.all([loop(1), loop(2)]);
  hostile.stop();
  expect(hostile.closedByServer).toBeGreaterThan(0);
  expect(statuses.length).toBeGreaterThan(4);
  expect(statuses.filter((s) => s !== 0)).toEqual([]);
  // Nothing acknowledged is missing: the store holds one film per acknowledged print.
  expect(lb.app.store.films.totals().films).toBe(statuses.length);
}, 90_000);
