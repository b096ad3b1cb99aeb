import { describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import {
  type AcceptanceSettings,
  type AcceptingPrinter,
  decideAssociation,
} from '../../src/dicom/ul/acceptance.js';
import type { AssociateAc } from '../../src/dicom/ul/pdu.js';
import { associateRq } from '../support/pdus.js';

const printer: AcceptingPrinter = {
  aeTitle: 'LIGHTBOX',
  abstractSyntaxes: new Set([Uid.Verification]),
  transferSyntaxes: [Uid.ExplicitVrLittleEndian, Uid.ImplicitVrLittleEndian],
};

function settings(o: Partial<AcceptanceSettings> = {}, p: AcceptingPrinter = printer): AcceptanceSettings {
  return {
    findPrinter: (ae) => (ae === p.aeTitle ? p : undefined),
    atCapacity: () => false,
    maxPduLength: 262144,
    implementationClassUid: '2.25.1',
    implementationVersionName: 'LIGHTBOX_010',
    ...o,
  };
}

function accept(rq = associateRq(), s = settings()): AssociateAc {
  const d = decideAssociation(rq, s);
  if (!('accept' in d)) throw new Error(`rejected: ${d.why}`);
  return d.accept;
}

describe('association acceptance policy', () => {
  it('rejects an unknown called AE title: permanent, service user, reason 7', () => {
    const d = decideAssociation(associateRq({ called: 'DRYSTAR' }), settings());
    expect(d).toMatchObject({ reject: { result: 1, source: 1, reason: 7 } });
  });

  it('enforces the calling AE allow-list: permanent, service user, reason 3', () => {
    const s = settings({}, { ...printer, callingAeTitles: ['CT01'] });
    expect(decideAssociation(associateRq({ calling: 'MR02' }), s)).toMatchObject({
      reject: { result: 1, source: 1, reason: 3 },
    });
    expect('accept' in decideAssociation(associateRq({ calling: 'CT01' }), s)).toBe(true);
  });

  it('a TLS-only printer rejects a plain association: permanent, service user, no reason given (1)', () => {
    const tlsOnly = { ...printer, callingAeTitles: ['CT01'], requiresSecureTransport: true };
    // Refused before the calling AE allow-list is consulted: a plain peer learns nothing of it.
    expect(decideAssociation(associateRq({ calling: 'MR02' }), settings({}, tlsOnly))).toMatchObject({
      reject: { result: 1, source: 1, reason: 1 },
      why: expect.stringContaining('TLS only'),
    });
    const secure = settings({ secureTransport: true }, tlsOnly);
    expect('accept' in decideAssociation(associateRq({ calling: 'CT01' }), secure)).toBe(true);
    // A printer without the requirement takes both.
    expect('accept' in decideAssociation(associateRq(), settings({ secureTransport: true }))).toBe(true);
  });

  it('at capacity: transient, service provider (presentation), local-limit-exceeded', () => {
    const d = decideAssociation(associateRq(), settings({ atCapacity: () => true }));
    expect(d).toMatchObject({ reject: { result: 2, source: 3, reason: 2 } });
  });

  it('in-flight memory nearly used up: transient, service provider (presentation), temporary-congestion', () => {
    const d = decideAssociation(associateRq(), settings({ congested: () => true }));
    expect(d).toMatchObject({ reject: { result: 2, source: 3, reason: 1 } });
    // The association limit is named first when both hold.
    const both = decideAssociation(
      associateRq(),
      settings({ atCapacity: () => true, congested: () => true }),
    );
    expect(both).toMatchObject({ reject: { reason: 2 } });
  });

  it('rejects a foreign application context: permanent, service user, reason 2', () => {
    const d = decideAssociation(associateRq({ applicationContext: '1.2.3' }), settings());
    expect(d).toMatchObject({ reject: { result: 1, source: 1, reason: 2 } });
  });

  it('answers each presentation context with the right result code', () => {
    const ac = accept(
      associateRq({
        contexts: [
          {
            id: 1,
            abstractSyntax: Uid.Verification,
            transferSyntaxes: [Uid.ImplicitVrLittleEndian, Uid.ExplicitVrLittleEndian],
          },
          {
            id: 3,
            abstractSyntax: '1.2.840.10008.5.1.4.1.1.2',
            transferSyntaxes: [Uid.ImplicitVrLittleEndian],
          },
          { id: 5, abstractSyntax: Uid.Verification, transferSyntaxes: [Uid.ExplicitVrBigEndian] },
          { id: 7, abstractSyntax: Uid.Verification, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
          { id: 8, abstractSyntax: Uid.Verification, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
        ],
      }),
    );
    expect(ac.presentationContexts).toEqual([
      { id: 1, result: 0, transferSyntax: Uid.ExplicitVrLittleEndian }, // our preference wins
      { id: 3, result: 3, transferSyntax: Uid.ImplicitVrLittleEndian }, // abstract syntax not supported
      { id: 5, result: 4, transferSyntax: Uid.ExplicitVrBigEndian }, // transfer syntaxes not supported
      { id: 7, result: 0, transferSyntax: Uid.ImplicitVrLittleEndian },
      { id: 8, result: 2, transferSyntax: Uid.ImplicitVrLittleEndian }, // even ID: provider rejection
    ]);
  });

  it('an implicit-only printer accepts only implicit VR', () => {
    const s = settings({}, { ...printer, transferSyntaxes: [Uid.ImplicitVrLittleEndian] });
    const ac = accept(
      associateRq({
        contexts: [
          { id: 1, abstractSyntax: Uid.Verification, transferSyntaxes: [Uid.ExplicitVrLittleEndian] },
        ],
      }),
      s,
    );
    expect(ac.presentationContexts[0]!.result).toBe(4);
  });

  it('advertises our max PDU and implementation identity, not the peer’s', () => {
    const ac = accept(associateRq({ maxLength: 0 }));
    expect(ac.userInfo).toMatchObject({
      maxLength: 262144,
      implementationClassUid: '2.25.1',
      implementationVersionName: 'LIGHTBOX_010',
    });
    expect(ac.userInfo.asyncOpsWindow).toBeUndefined();
  });

  it('answers asynchronous operations with 1/1 when proposed', () => {
    const ac = accept(associateRq({ userInfo: { asyncOpsWindow: { maxInvoked: 5, maxPerformed: 5 } } }));
    expect(ac.userInfo.asyncOpsWindow).toEqual({ maxInvoked: 1, maxPerformed: 1 });
  });

  it('answers role selection without granting a role that was not proposed', () => {
    const ac = accept(
      associateRq({
        userInfo: {
          roleSelections: [
            { sopClassUid: Uid.Verification, scuRole: 1, scpRole: 1 },
            { sopClassUid: '1.2.3.4', scuRole: 1, scpRole: 0 },
          ],
        },
      }),
    );
    // Only classes of accepted contexts are answered; we never act as the requestor's SCU.
    expect(ac.userInfo.roleSelections).toEqual([{ sopClassUid: Uid.Verification, scuRole: 1, scpRole: 0 }]);
  });

  it('refuses a context whose proposed roles leave nothing to do', () => {
    const ac = accept(
      associateRq({
        userInfo: { roleSelections: [{ sopClassUid: Uid.Verification, scuRole: 0, scpRole: 1 }] },
      }),
    );
    expect(ac.presentationContexts[0]!.result).toBe(1);
  });

  it('gives the empty positive user identity response only when asked', () => {
    const identity = { identityType: 1, primaryField: Buffer.from('tech'), secondaryField: Buffer.alloc(0) };
    const asked = accept(
      associateRq({ userInfo: { userIdentity: { ...identity, positiveResponseRequested: true } } }),
    );
    expect(asked.userInfo.userIdentityServerResponse).toEqual(Buffer.alloc(0));
    const notAsked = accept(
      associateRq({ userInfo: { userIdentity: { ...identity, positiveResponseRequested: false } } }),
    );
    expect(notAsked.userInfo.userIdentityServerResponse).toBeUndefined();
  });

  it('answers a repeated presentation context ID once', () => {
    const ac = accept(
      associateRq({
        contexts: [
          { id: 1, abstractSyntax: Uid.Verification, transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
          { id: 1, abstractSyntax: '1.2.3', transferSyntaxes: [Uid.ImplicitVrLittleEndian] },
        ],
      }),
    );
    expect(ac.presentationContexts).toHaveLength(1);
    expect(ac.presentationContexts[0]!.result).toBe(0);
  });
});
