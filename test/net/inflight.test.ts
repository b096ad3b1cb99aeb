/**
 * Memory bounds across associations, over real TCP with the repo's own SCU: an image box N-SET's
 * pixels go to their staging file while the P-DATA arrives (nothing of them counts as held), and
 * the --max-inflight budget answers 0xC605 (image box N-SET), 0x0213 (other requests) or
 * A-ASSOCIATE-RJ transient, temporary congestion (a new association) with a log line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandField } from '../../src/dicom/dimse/command-fields.js';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Tag } from '../../src/dicom/tags.js';
import { Uid } from '../../src/dicom/uids.js';
import { filesUnder } from '../support/files.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { grayImage, openFilmBox, Scu } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
const MIB = 1024 * 1024;

let lb: TestLightbox | undefined;
afterEach(async () => {
  await lb?.stop();
  lb = undefined;
});

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A film session and a 1-up film box: the image box's UID. */
async function filmBox(s: Scu): Promise<{ filmBox: string; imageBox: string }> {
  const fb = await openFilmBox(s);
  expect(fb.status).toBeLessThan(0xc000);
  return fb;
}

const setImage = (imageBox: string) => ({
  commandField: CommandField.N_SET_RQ,
  requestedSopClassUid: Uid.BasicGrayscaleImageBox,
  requestedSopInstanceUid: imageBox,
});

function staged(dataDir: string): { name: string; bytes: number }[] {
  const dir = join(dataDir, 'films', '.tmp-staging');
  return readdirSync(dir).map((name) => ({ name, bytes: statSync(join(dir, name)).size }));
}

describe('image pixels streamed to the staging file while they arrive', () => {
  it.each([
    ['explicit VR', Uid.ExplicitVrLittleEndian],
    ['implicit VR', Uid.ImplicitVrLittleEndian],
  ])(
    '%s: a 4096x4096 12-bit image (32 MiB) is on disk before its last fragment, held memory (its write queue: 256 KiB on a tight budget) stays under 1 MiB, the film has it byte for byte',
    async (_n, ts) => {
      lb = await startLightbox({ maxInflightBytes: 4 * MIB });
      const dataDir = lb.app.store.dataDir;
      const s = await Scu.open(lb.dicomPort, { abstractSyntaxes: [META], transferSyntaxes: [ts] });
      try {
        const { filmBox: fb, imageBox } = await filmBox(s);
        const image = grayImage(4096, 4096);
        const pixels = Buffer.from(image[Tag.PixelData]!.Value![0] as ArrayBuffer);
        const held = s.hold(META, setImage(imageBox), {
          [Tag.ImageBoxPosition]: { vr: 'US', Value: [1] },
          [Tag.BasicGrayscaleImageSequence]: { vr: 'SQ', Value: [image] },
        });
        // Everything but the last 64 KiB fragment: already written to its staging file.
        await until(
          () => staged(dataDir).some((f) => f.bytes >= pixels.length - 64 * 1024),
          20_000,
          'the pixels in the staging file before the last fragment',
        );
        expect(lb.app.inflight.peak).toBeLessThan(MIB);
        const r = await held.finish();
        expect(r.command.status, r.command.errorComment).toBe(0);
        const p = await s.nAction(META, Uid.BasicFilmBox, fb);
        expect(p.command.status, p.command.errorComment).toBe(0);
        const [file] = filesUnder(join(dataDir, 'films'), /box-001\.raw$/);
        expect(readFileSync(file!).equals(pixels)).toBe(true);
        expect(lb.app.inflight.used).toBe(0);
        expect(lb.app.inflight.peak).toBeLessThan(MIB);
      } finally {
        s.destroy();
      }
    },
  );

  it('an image box N-SET refused by the handler, or cut off by the peer, leaves no staging file', async () => {
    lb = await startLightbox();
    const dataDir = lb.app.store.dataDir;
    const s = await Scu.open(lb.dicomPort, { abstractSyntaxes: [META] });
    const { imageBox } = await filmBox(s);
    // Position 2 in a 1-up film box: refused (0x0106) after the pixels were streamed.
    const r = await s.nSet(META, Uid.BasicGrayscaleImageBox, imageBox, {
      [Tag.ImageBoxPosition]: { vr: 'US', Value: [2] },
      [Tag.BasicGrayscaleImageSequence]: { vr: 'SQ', Value: [grayImage(1024, 1024)] },
    });
    expect(r.command.status).toBe(0x0106);
    await until(() => staged(dataDir).length === 0, 5000, 'the refused image gone from staging');
    // A peer that goes away in the middle of the pixels.
    s.hold(META, setImage(imageBox), {
      [Tag.ImageBoxPosition]: { vr: 'US', Value: [1] },
      [Tag.BasicGrayscaleImageSequence]: { vr: 'SQ', Value: [grayImage(1024, 1024)] },
    });
    await until(() => staged(dataDir).some((f) => f.bytes > 0), 5000, 'a staging file being written');
    s.destroy();
    await until(() => staged(dataDir).length === 0, 5000, 'the half image gone from staging');
    expect(lb.app.inflight.used).toBe(0);
  });
});

it('an odd-length color image (sent padded to even length) is streamed, printed and rendered', async () => {
  lb = await startLightbox();
  const meta = Uid.BasicColorPrintManagementMeta;
  const s = await Scu.open(lb.dicomPort, { abstractSyntaxes: [meta] });
  try {
    const session = await s.nCreate(meta, Uid.BasicFilmSession, {});
    const fb = await s.nCreate(meta, Uid.BasicFilmBox, {
      [Tag.ImageDisplayFormat]: { vr: 'ST', Value: ['STANDARD\\1,1'] },
      [Tag.ReferencedFilmSessionSequence]: {
        vr: 'SQ',
        Value: [
          {
            [Tag.ReferencedSOPClassUID]: { vr: 'UI', Value: [Uid.BasicFilmSession] },
            [Tag.ReferencedSOPInstanceUID]: { vr: 'UI', Value: [session.command.affectedSopInstanceUid!] },
          },
        ],
      },
    });
    const box = (fb.dataset![Tag.ReferencedImageBoxSequence]!.Value as DcmDataset[])[0]!;
    // 3x3 RGB: 27 bytes, sent as 28 (PS3.5 7.1.1).
    const rgb = Buffer.alloc(28, 0x80);
    const r = await s.nSet(
      meta,
      Uid.BasicColorImageBox,
      String(box[Tag.ReferencedSOPInstanceUID]!.Value![0]),
      {
        [Tag.ImageBoxPosition]: { vr: 'US', Value: [1] },
        [Tag.BasicColorImageSequence]: {
          vr: 'SQ',
          Value: [
            {
              [Tag.SamplesPerPixel]: { vr: 'US', Value: [3] },
              [Tag.PhotometricInterpretation]: { vr: 'CS', Value: ['RGB'] },
              [Tag.PlanarConfiguration]: { vr: 'US', Value: [0] },
              [Tag.Rows]: { vr: 'US', Value: [3] },
              [Tag.Columns]: { vr: 'US', Value: [3] },
              [Tag.BitsAllocated]: { vr: 'US', Value: [8] },
              [Tag.BitsStored]: { vr: 'US', Value: [8] },
              [Tag.HighBit]: { vr: 'US', Value: [7] },
              [Tag.PixelRepresentation]: { vr: 'US', Value: [0] },
              [Tag.PixelData]: { vr: 'OB', Value: [rgb.buffer.slice(rgb.byteOffset, rgb.byteOffset + 28)] },
            },
          ],
        },
      },
    );
    expect(r.command.status, r.command.errorComment).toBe(0);
    const p = await s.nAction(meta, Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!);
    expect(p.command.status, p.command.errorComment).toBe(0);
    const films = async () =>
      (await fetch(`http://127.0.0.1:${lb!.httpPort}/api/films`).then((x) => x.json())) as {
        render: string;
      }[];
    for (let i = 0; i < 300 && (await films()).some((f) => f.render === 'pending'); i++)
      await new Promise((w) => setTimeout(w, 100));
    expect((await films()).map((f) => f.render)).toEqual(['rendered']);
  } finally {
    s.destroy();
  }
});

describe('--max-inflight: the budget across associations', () => {
  /** A private OB attribute of n bytes: held in memory like any attribute but Pixel Data. */
  const ballast = (n: number): DcmDataset => ({
    '00091010': { vr: 'OB', Value: [new Uint8Array(n).buffer] },
  });

  it('answers 0xC605 for an image box N-SET and 0x0213 for another request beyond it, with a log line, and the association goes on', async () => {
    lb = await startLightbox({ maxInflightBytes: MIB });
    const s = await Scu.open(lb.dicomPort, { abstractSyntaxes: [META] });
    try {
      const session = await s.nCreate(META, Uid.BasicFilmSession, ballast(2 * MIB));
      expect(session.command.status).toBe(0x0213);
      expect(session.command.errorComment).toMatch(/--max-inflight/);
      const { imageBox } = await filmBox(s);
      const item = { ...grayImage(512, 512), ...ballast(2 * MIB) };
      const r = await s.nSet(META, Uid.BasicGrayscaleImageBox, imageBox, {
        [Tag.ImageBoxPosition]: { vr: 'US', Value: [1] },
        [Tag.BasicGrayscaleImageSequence]: { vr: 'SQ', Value: [item] },
      });
      expect(r.command.status).toBe(0xc605);
      // The same image without the ballast: its pixels are not held, it fits.
      const ok = await s.nSet(META, Uid.BasicGrayscaleImageBox, imageBox, {
        [Tag.ImageBoxPosition]: { vr: 'US', Value: [1] },
        [Tag.BasicGrayscaleImageSequence]: { vr: 'SQ', Value: [grayImage(2048, 2048)] },
      });
      expect(ok.command.status, ok.command.errorComment).toBe(0);
      const warned = lb.logs.filter((l) => String(l['msg']).includes('in-flight memory budget exhausted'));
      expect(warned).toHaveLength(2);
      expect(lb.app.inflight.refused).toBe(2);
      // The last image's bytes still waiting for the disk count until they are written.
      await expect.poll(() => lb!.app.inflight.used).toBe(0);
      await s.release();
    } finally {
      s.destroy();
    }
  });

  it('refuses a new association (A-ASSOCIATE-RJ transient, temporary congestion) while a held data set fills it, and accepts again once it is answered', async () => {
    lb = await startLightbox({ maxInflightBytes: MIB });
    const a = await Scu.open(lb.dicomPort, { abstractSyntaxes: [META] });
    try {
      // 16 fragments of 65530 bytes are sent, the last few bytes are not: almost all of the budget.
      const held = a.hold(
        META,
        { commandField: CommandField.N_CREATE_RQ, affectedSopClassUid: Uid.BasicFilmSession },
        ballast(16 * 65530 - 2),
      );
      await until(() => lb!.app.inflight.used > (15 * MIB) / 16, 5000, 'the held data set counted');
      await expect(Scu.open(lb.dicomPort, { abstractSyntaxes: [META] })).rejects.toThrow(
        /"A-ASSOCIATE-RJ","result":2,"source":3,"reason":1/,
      );
      expect(
        lb.logs.some((l) => String(l['msg']).includes('in-flight memory budget exhausted (--max-inflight)')),
      ).toBe(true);
      const r = await held.finish();
      expect(r.command.status).toBeLessThan(0xc000);
      expect(lb.app.inflight.used).toBe(0);
      const b = await Scu.open(lb.dicomPort, { abstractSyntaxes: [META] });
      await b.release();
      b.destroy();
      // /metrics shows it.
      const m = await fetch(`http://127.0.0.1:${lb.httpPort}/metrics`).then((x) => x.text());
      expect(m).toMatch(/^lightbox_inflight_limit_bytes 1048576$/m);
      expect(m).toMatch(/^lightbox_inflight_peak_bytes \d{7}$/m);
      expect(m).toMatch(/^lightbox_inflight_bytes 0$/m);
    } finally {
      a.destroy();
    }
  });

  it('gives the budget back when an association ends in the middle of a data set', async () => {
    lb = await startLightbox({ maxInflightBytes: 8 * MIB });
    const a = await Scu.open(lb.dicomPort, { abstractSyntaxes: [META] });
    a.hold(
      META,
      { commandField: CommandField.N_CREATE_RQ, affectedSopClassUid: Uid.BasicFilmSession },
      ballast(4 * MIB),
    );
    await until(() => lb!.app.inflight.used > 3 * MIB, 5000, 'the held data set counted');
    a.destroy();
    await until(() => lb!.app.inflight.used === 0, 5000, 'the budget given back');
  });
});
