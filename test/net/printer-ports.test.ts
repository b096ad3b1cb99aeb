/** Several printers on one listener, selected by called AE title, and a printer on its own port too. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/dcmprint.js';
import { dcmtk } from '../support/dcmtk.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
let dir: string;
let ownPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lightbox-ports-'));
  ownPort = await freePort();
  writeFileSync(join(dir, 'a.yaml'), `aeTitle: DRYA\nname: A\nport: ${ownPort}\n`);
  writeFileSync(join(dir, 'b.yaml'), 'aeTitle: DRYB\nname: B\ncallingAeTitles: [CT01]\n');
  lb = await startLightbox({ printersDir: dir, logLevel: 'warn' });
});
afterAll(async () => {
  await lb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const echo = (port: number, called: string, calling = 'ECHOSCU') =>
  dcmtk('echoscu', ['-aet', calling, '-aec', called, '127.0.0.1', String(port)]);

it('serves every printer on --dicom-port by called AE title', async () => {
  for (const ae of ['LIGHTBOX', 'DRYA']) expect((await echo(lb.dicomPort, ae)).code).toBe(0);
  expect((await echo(lb.dicomPort, 'DRYB', 'CT01')).code).toBe(0);
});

it('enforces a printer’s calling AE allow-list (calling-AE-title-not-recognized)', async () => {
  const r = await echo(lb.dicomPort, 'DRYB', 'MR99');
  expect(r.code).not.toBe(0);
  expect(r.output).toMatch(/Calling AE Title Not Recognized/);
});

it('serves a printer with its own port there, and only that printer', async () => {
  expect((await echo(ownPort, 'DRYA')).code).toBe(0);
  const other = await echo(ownPort, 'LIGHTBOX');
  expect(other.code).not.toBe(0);
  expect(other.output).toMatch(/Called AE Title Not Recognized/);
});
