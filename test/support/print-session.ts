/**
 * One whole print session through the repo's own SCU (test/support/scu.ts): Film Session, one Film
 * Box, its images, N-ACTION, N-DELETE, release. For tests about what happens to films, not about
 * the attributes on the way.
 */
import { expect } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { grayImage, Scu } from './scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;

export interface PrintSession {
  calling?: string;
  called?: string;
  /** Image Display Format (default STANDARD\1,1) and its images, as [columns, rows] each. */
  format?: string;
  images?: [number, number][];
  filmSize?: string;
  /** Extra Film Box attributes (e.g. Max Density). */
  filmBox?: DcmDataset;
  /** Extra Film Session attributes (e.g. Film Session Label). */
  session?: DcmDataset;
  /** Extra attributes in every image item (e.g. Patient Name, as some SCUs send). */
  item?: DcmDataset;
}

export interface Printed {
  /** N-ACTION status. */
  status: number;
  errorComment?: string;
  /** The print job's UID (Referenced Print Job Sequence), when the N-ACTION succeeded. */
  jobUid?: string;
}

export async function printFilm(port: number, o: PrintSession = {}): Promise<Printed> {
  const s = await Scu.open(port, {
    called: o.called,
    calling: o.calling,
    abstractSyntaxes: [META, Uid.PrintJob],
  });
  try {
    const session = await s.nCreate(META, Uid.BasicFilmSession, o.session ?? {});
    const sid = session.command.affectedSopInstanceUid!;
    const fb = await s.nCreate(META, Uid.BasicFilmBox, {
      '20100010': { vr: 'ST', Value: [o.format ?? 'STANDARD\\1,1'] },
      '20100050': { vr: 'CS', Value: [o.filmSize ?? '8INX10IN'] },
      '20100500': {
        vr: 'SQ',
        Value: [
          { '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] }, '00081155': { vr: 'UI', Value: [sid] } },
        ],
      },
      ...o.filmBox,
    });
    expect(fb.command.status, fb.command.errorComment).toBeLessThan(0xc000);
    const boxes = ((fb.dataset?.['20100510']?.Value ?? []) as DcmDataset[]).map((i) =>
      String(i['00081155']!.Value![0]),
    );
    for (const [i, [columns, rows]] of (o.images ?? [[64, 64]]).entries()) {
      const r = await s.nSet(META, Uid.BasicGrayscaleImageBox, boxes[i]!, {
        '20200010': { vr: 'US', Value: [i + 1] },
        '20200110': { vr: 'SQ', Value: [{ ...grayImage(columns, rows), ...o.item }] },
      });
      expect(r.command.status, r.command.errorComment).toBeLessThan(0xc000);
    }
    const p = await s.nAction(META, Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!);
    const ref = (p.dataset?.['21000500']?.Value as DcmDataset[] | undefined)?.[0];
    const printed: Printed = { status: p.command.status ?? -1, errorComment: p.command.errorComment };
    if (ref) printed.jobUid = String(ref['00081155']!.Value![0]);
    await s.nDelete(META, Uid.BasicFilmSession, sid);
    await s.release();
    return printed;
  } finally {
    s.destroy();
  }
}
