/** Proxy mode's negotiation, pure: what goes to the real printer and what the modality is answered. */
import { describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import {
  type AssociateAc,
  type AssociateRq,
  emptyUserInfo,
  PcResult,
  Reject,
} from '../../src/dicom/ul/pdu.js';
import { modalityAccept, modalityRejection, upstreamProposal } from '../../src/scu/proxy-negotiation.js';
import { ScuError } from '../../src/scu/scu-error.js';

const JPEG = '1.2.840.10008.1.2.4.50';
const rq: AssociateRq = {
  type: 'A-ASSOCIATE-RQ',
  protocolVersion: 1,
  calledAeTitle: 'PROXY',
  callingAeTitle: 'CT1',
  applicationContext: Uid.ApplicationContext,
  presentationContexts: [
    {
      id: 1,
      abstractSyntax: Uid.BasicGrayscalePrintManagementMeta,
      transferSyntaxes: [JPEG, Uid.ImplicitVrLittleEndian],
    },
    { id: 3, abstractSyntax: Uid.PresentationLut, transferSyntaxes: [Uid.ExplicitVrLittleEndian] },
    { id: 5, abstractSyntax: Uid.PrintJob, transferSyntaxes: [JPEG] },
    { id: 9, abstractSyntax: Uid.BasicAnnotationBox, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
  ],
  userInfo: { ...emptyUserInfo(), maxLength: 16384, asyncOpsWindow: { maxInvoked: 4, maxPerformed: 4 } },
};
const ours = { maxPduLength: 65536, implementationClassUid: '1.2.3', implementationVersionName: 'LB' };

describe('upstream proposal', () => {
  it("keeps the modality's order and the transfer syntaxes Lightbox reads; a context with none is not proposed", () => {
    const p = upstreamProposal(rq);
    expect(p.contexts).toEqual([
      {
        abstractSyntax: Uid.BasicGrayscalePrintManagementMeta,
        transferSyntaxes: [Uid.ImplicitVrLittleEndian],
      },
      { abstractSyntax: Uid.PresentationLut, transferSyntaxes: [Uid.ExplicitVrLittleEndian] },
      { abstractSyntax: Uid.BasicAnnotationBox, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
    ]);
    expect([...p.ids]).toEqual([
      [1, 1],
      [3, 3],
      [9, 5],
    ]);
  });
});

describe('the modality accept', () => {
  it("is the printer's answer per context, under the modality's IDs, with our own PDU size and 1/1 operations", () => {
    const p = upstreamProposal(rq);
    const printer: AssociateAc = {
      type: 'A-ASSOCIATE-AC',
      protocolVersion: 1,
      calledAeTitle: 'REAL',
      callingAeTitle: 'CT1',
      applicationContext: Uid.ApplicationContext,
      presentationContexts: [
        { id: 1, result: PcResult.Acceptance, transferSyntax: Uid.ImplicitVrLittleEndian },
        { id: 3, result: PcResult.AbstractSyntaxNotSupported, transferSyntax: Uid.ExplicitVrLittleEndian },
        // A transfer syntax nobody proposed for it: not usable.
        { id: 5, result: PcResult.Acceptance, transferSyntax: Uid.ExplicitVrLittleEndian },
      ],
      userInfo: { ...emptyUserInfo(), maxLength: 4096 },
    };
    const ac = modalityAccept(rq, p, printer, ours);
    expect(ac.calledAeTitle).toBe('PROXY');
    expect(ac.presentationContexts).toEqual([
      { id: 1, result: PcResult.Acceptance, transferSyntax: Uid.ImplicitVrLittleEndian },
      { id: 3, result: PcResult.AbstractSyntaxNotSupported, transferSyntax: Uid.ExplicitVrLittleEndian },
      { id: 5, result: PcResult.TransferSyntaxesNotSupported, transferSyntax: JPEG },
      { id: 9, result: PcResult.NoReason, transferSyntax: Uid.ImplicitVrLittleEndian },
    ]);
    expect(ac.userInfo.maxLength).toBe(65536);
    expect(ac.userInfo.asyncOpsWindow).toEqual({ maxInvoked: 1, maxPerformed: 1 });
  });
});

describe('the modality rejection', () => {
  it("passes the printer's own A-ASSOCIATE-RJ on as it is", () => {
    const e = new ScuError('rejected', 'association rejected', {
      type: 'A-ASSOCIATE-RJ',
      result: 1,
      source: 1,
      reason: 3,
    });
    expect(modalityRejection(e, 'h:104:AE')).toMatchObject({ reject: { result: 1, source: 1, reason: 3 } });
  });

  it.each(['connect', 'timeout', 'closed', 'aborted'] as const)(
    'answers rejected-transient when the printer is not there (%s)',
    (kind) => {
      const d = modalityRejection(new ScuError(kind, 'x'), 'h:104:AE');
      expect(d).toMatchObject({ reject: Reject['transient-no-reason-given'] });
    },
  );
});
