/** Many associations at once, from our raw peer and from real DCMTK processes. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dcmtk } from '../support/dcmtk.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { Peer } from '../support/peer.js';

let lb: TestLightbox;
beforeAll(async () => {
  lb = await startLightbox({ maxAssociations: 64, logLevel: 'info' });
});
afterAll(async () => {
  await lb?.stop();
});

it('50 concurrent associations, each doing 10 C-ECHOs, all succeed', async () => {
  const peers = await Promise.all(Array.from({ length: 50 }, () => Peer.connect(lb.dicomPort)));
  await Promise.all(peers.map((p, i) => p.associate({ calling: `SCU${i}` })));
  // All 50 are open at the same time here.
  expect(lb.app.dicom.connectionCount).toBe(50);
  const statuses = await Promise.all(
    peers.map(async (p) => {
      const s: number[] = [];
      for (let id = 1; id <= 10; id++) s.push((await p.echo(id)).status ?? -1);
      return s;
    }),
  );
  expect(statuses.flat()).toEqual(Array(500).fill(0));
  await Promise.all(peers.map((p) => p.release()));
  await expect.poll(() => lb.app.dicom.connectionCount).toBe(0);
});

it('10 DCMTK echoscu processes at once, 5 echoes each, all succeed', async () => {
  const runs = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      dcmtk('echoscu', [
        '-aet',
        `ECHO${i}`,
        '-aec',
        'LIGHTBOX',
        '--repeat',
        '5',
        '127.0.0.1',
        String(lb.dicomPort),
      ]),
    ),
  );
  for (const r of runs) expect(r.code, r.output).toBe(0);
  const ended = () =>
    lb.logs.filter((l) => l['msg'] === 'association ended' && String(l['calling']).startsWith('ECHO'));
  await expect.poll(() => ended().length).toBe(10);
  expect(ended().every((l) => l['ending'] === 'released')).toBe(true);
});
