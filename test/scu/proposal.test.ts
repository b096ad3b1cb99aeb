/** The requestor's A-ASSOCIATE-RQ and its reading of the A-ASSOCIATE-AC, byte-free and pure. */
import { describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { emptyUserInfo, PcResult } from '../../src/dicom/ul/pdu.js';
import { decodePdu, encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { acceptedContexts, associateRequest } from '../../src/scu/proposal.js';
import { ScuError } from '../../src/scu/scu-error.js';

const base = { callingAeTitle: 'LIGHTBOX', calledAeTitle: 'PRINTER', maxPduLength: 16384 };

describe('associateRequest', () => {
  it('proposes one odd-numbered context per abstract syntax, with our Maximum Length', () => {
    const rq = associateRequest({
      ...base,
      contexts: [
        { abstractSyntax: Uid.BasicGrayscalePrintManagementMeta },
        { abstractSyntax: Uid.PrintJob, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
      ],
    });
    expect(rq.presentationContexts).toEqual([
      {
        id: 1,
        abstractSyntax: Uid.BasicGrayscalePrintManagementMeta,
        transferSyntaxes: [Uid.ExplicitVrLittleEndian, Uid.ImplicitVrLittleEndian],
      },
      { id: 3, abstractSyntax: Uid.PrintJob, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
    ]);
    expect(rq.userInfo.maxLength).toBe(16384);
    expect(rq.calledAeTitle).toBe('PRINTER');
    // It survives the wire.
    expect(decodePdu(encodePdu(rq))).toMatchObject({ calledAeTitle: 'PRINTER', callingAeTitle: 'LIGHTBOX' });
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'ABCDEFGHIJKLMNOPQ'],
    ['backslash', 'A\\B'],
  ])('refuses a %s AE title', (_what, ae) => {
    expect(() =>
      associateRequest({ ...base, calledAeTitle: ae, contexts: [{ abstractSyntax: Uid.Verification }] }),
    ).toThrow(ScuError);
  });

  it('refuses no contexts and more than 128', () => {
    expect(() => associateRequest({ ...base, contexts: [] })).toThrow(/1 to 128/);
    const many = Array.from({ length: 129 }, () => ({ abstractSyntax: Uid.Verification }));
    expect(() => associateRequest({ ...base, contexts: many })).toThrow(/1 to 128/);
  });
});

describe('acceptedContexts', () => {
  it('keeps accepted ones with the abstract syntax we proposed, not a transfer syntax we never offered', () => {
    const rq = associateRequest({
      ...base,
      contexts: [
        { abstractSyntax: Uid.BasicGrayscalePrintManagementMeta },
        { abstractSyntax: Uid.BasicColorPrintManagementMeta },
        { abstractSyntax: Uid.PrintJob, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
      ],
    });
    const ac = {
      type: 'A-ASSOCIATE-AC' as const,
      protocolVersion: 1,
      calledAeTitle: 'PRINTER',
      callingAeTitle: 'LIGHTBOX',
      applicationContext: Uid.ApplicationContext,
      userInfo: emptyUserInfo(),
      presentationContexts: [
        { id: 1, result: PcResult.Acceptance, transferSyntax: Uid.ImplicitVrLittleEndian },
        { id: 3, result: PcResult.AbstractSyntaxNotSupported, transferSyntax: Uid.ImplicitVrLittleEndian },
        { id: 5, result: PcResult.Acceptance, transferSyntax: Uid.ExplicitVrLittleEndian },
      ],
    };
    expect(acceptedContexts(rq, ac)).toEqual([
      {
        id: 1,
        abstractSyntax: Uid.BasicGrayscalePrintManagementMeta,
        transferSyntax: Uid.ImplicitVrLittleEndian,
      },
    ]);
  });
});
