/**
 * The defaults the conformance statement states are what the printers answer: on every shipped
 * printer, a film session and a film box created with nothing optional come back (N-CREATE
 * response) with exactly the values the statement's defaults table gives.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/conformance/defaults.js';
import { type DcmDataset, tagOf } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import type { Capabilities } from '../../src/profiles/capabilities.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { Scu } from '../support/scu.js';

let lb: TestLightbox;
beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'warn', printersDir: resolve('printers'), noRender: true });
});
afterAll(() => lb?.stop());

/** Each default the N-CREATE response holds, as keyword -> value, for this printer. */
function expected(sop: string, c: Capabilities): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, d] of Object.entries(DEFAULTS[sop]!))
    if (d.returned && d.value && (!d.applies || d.applies(c))) out[k] = d.value(c);
  return out;
}

function actual(ds: DcmDataset | undefined, keywords: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keywords) {
    const v = ds?.[tagOf(k)!]?.Value?.[0];
    if (v !== undefined) out[k] = String(v).trim();
  }
  return out;
}

it('every printer answers N-CREATE with the defaults its statement states', async () => {
  const printers = lb.app.printers;
  expect(printers.length).toBeGreaterThan(4);
  for (const p of printers) {
    const c = p.caps;
    const meta = c.sopClasses.grayscale
      ? Uid.BasicGrayscalePrintManagementMeta
      : Uid.BasicColorPrintManagementMeta;
    const scu = await Scu.open(lb.dicomPort, {
      called: c.aeTitle,
      abstractSyntaxes: [meta, ...(c.sopClasses.annotationBox ? [Uid.BasicAnnotationBox] : [])],
    });
    try {
      const fs = await scu.nCreate(meta, Uid.BasicFilmSession, {});
      expect(fs.command.status, c.aeTitle).toBe(0);
      const fsWant = expected(Uid.BasicFilmSession, c);
      expect(actual(fs.dataset, Object.keys(fsWant)), `${c.aeTitle} film session`).toEqual(fsWant);

      const first = c.displayFormats[0]!;
      const format = first.endsWith('\\*') ? first.replace('*', '1,1') : first;
      const fb = await scu.nCreate(meta, Uid.BasicFilmBox, {
        '20100010': { vr: 'ST', Value: [format] },
        '20100500': {
          vr: 'SQ',
          Value: [
            {
              '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] },
              '00081155': { vr: 'UI', Value: [fs.command.affectedSopInstanceUid!] },
            },
          ],
        },
      });
      expect(fb.command.status, `${c.aeTitle} film box`).toBe(0);
      const fbWant = expected(Uid.BasicFilmBox, c);
      expect(Object.keys(fbWant).length).toBeGreaterThan(10);
      expect(actual(fb.dataset, Object.keys(fbWant)), `${c.aeTitle} film box`).toEqual(fbWant);
    } finally {
      await scu.release();
    }
  }
});
