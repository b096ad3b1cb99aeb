/**
 * bench:soak's memory scenarios (C, D) in their quick mode, against an in-process Lightbox whose
 * printer has the bench's raised limits: every print is stored, and the data sets in flight never
 * hold the pixels (they stream to the staging files).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  concurrentPrints,
  heldLargeDatasets,
  heldOpaqueDatasets,
  outcomeLine,
} from '../../bench/soak-memory.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
let printers: string;
beforeAll(async () => {
  printers = mkdtempSync(join(tmpdir(), 'lightbox-soak-printers-'));
  mkdirSync(printers, { recursive: true });
  writeFileSync(
    join(printers, 'lightbox.yaml'),
    'aeTitle: LIGHTBOX\nname: raised limits\nmemoryBytes: 1073741824\nprintJob: { pendingMs: 0, msPerFilm: 0, queueLimit: 1000 }\n',
  );
  lb = await startLightbox({
    printersDir: printers,
    noRender: true,
    logLevel: 'warn',
    maxInflightBytes: 4 * 1024 ** 2,
  });
});
afterAll(async () => {
  await lb?.stop();
  rmSync(printers, { recursive: true, force: true });
});

describe('bench:soak memory scenarios, quick', () => {
  it('C: large image box N-SETs held open together are all stored, their pixels never held', async () => {
    let heldBytes = -1;
    const r = await heldLargeDatasets(
      { dicomPort: lb.dicomPort },
      { associations: 3, columns: 1024, rows: 1024 },
      async () => {
        heldBytes = lb.app.inflight.used;
      },
    );
    expect(outcomeLine(r.outcomes)).toBe('3 stored, 0 refused with a status, 0 lost');
    expect(heldBytes).toBeGreaterThanOrEqual(0);
    expect(heldBytes).toBeLessThan(64 * 1024);
    expect(lb.app.inflight.used).toBe(0);
  });

  it('D: concurrent prints are each stored, the memory of their write queues given back', async () => {
    const r = await concurrentPrints({ dicomPort: lb.dicomPort }, { prints: 8, columns: 512, rows: 640 });
    expect(outcomeLine(r.outcomes)).toBe('8 stored, 0 refused with a status, 0 lost');
    // Pixels are in memory only while they wait for the disk (counted in the budget), then given back.
    expect(lb.app.inflight.peak).toBeGreaterThan(0);
    await expect.poll(() => lb.app.inflight.used).toBe(0);
  });

  it('E: non-image data sets held open fill the budget: the one beyond is refused 0x0213, nothing is lost', async () => {
    const refusedBefore = lb.app.inflight.refused;
    const r = await heldOpaqueDatasets(
      { dicomPort: lb.dicomPort },
      { associations: 3, bytes: 2 * 1024 ** 2 },
    );
    // Two fit the 4 MiB budget (and are refused by the film session for their private attribute).
    expect(outcomeLine(r.outcomes)).toBe(
      '0 stored, 3 refused with a status, 0 lost (2x film session N-CREATE 0x0105, 1x film session N-CREATE 0x0213)',
    );
    expect(lb.app.inflight.refused - refusedBefore).toBe(1);
    expect(lb.app.inflight.used).toBe(0);
  });
});
