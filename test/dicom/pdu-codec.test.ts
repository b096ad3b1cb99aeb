import { describe, expect, it } from 'vitest';
import { ChunkedBytes } from '../../src/dicom/chunked-bytes.js';
import { Uid } from '../../src/dicom/uids.js';
import { PduError } from '../../src/dicom/ul/errors.js';
import { type AssociateAc, emptyUserInfo, type Pdu } from '../../src/dicom/ul/pdu.js';
import { decodePdu, encodePdu, encodePduParts } from '../../src/dicom/ul/pdu-codec.js';
import {
  DCMTK_PRINT_ASSOCIATE_RQ,
  DCMTK_PRINT_ASSOCIATE_RQ_REGIONS,
} from '../fixtures/dcmtk-associate-rq.js';
import { associateRq } from '../support/pdus.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decodeError(b: Buffer): PduError {
  try {
    decodePdu(b);
  } catch (e) {
    if (e instanceof PduError) return e;
    throw e;
  }
  throw new Error('decoded without error');
}

describe('A-ASSOCIATE-RQ from DCMTK dcmprscu (real bytes)', () => {
  it('fixture regions are contiguous', () => {
    let at = 0;
    for (const r of DCMTK_PRINT_ASSOCIATE_RQ_REGIONS) {
      expect(r.offset).toBe(at);
      at += r.hex.length / 2;
    }
    expect(at).toBe(463);
  });

  it('decodes every field', () => {
    const p = decodePdu(DCMTK_PRINT_ASSOCIATE_RQ);
    expect(p.type).toBe('A-ASSOCIATE-RQ');
    if (p.type !== 'A-ASSOCIATE-RQ') return;
    expect(p.protocolVersion).toBe(1);
    expect(p.calledAeTitle).toBe('PRINTSCP');
    expect(p.callingAeTitle).toBe('PEERSCU');
    expect(p.applicationContext).toBe(Uid.ApplicationContext);
    const three = [Uid.ExplicitVrLittleEndian, Uid.ExplicitVrBigEndian, Uid.ImplicitVrLittleEndian];
    expect(p.presentationContexts).toEqual([
      { id: 1, abstractSyntax: Uid.BasicGrayscalePrintManagementMeta, transferSyntaxes: three },
      { id: 3, abstractSyntax: Uid.PresentationLut, transferSyntaxes: three },
      { id: 5, abstractSyntax: Uid.BasicAnnotationBox, transferSyntaxes: three },
    ]);
    expect(p.userInfo.maxLength).toBe(32768);
    expect(p.userInfo.implementationClassUid).toBe('1.2.276.0.7230010.3.0.3.6.7');
    expect(p.userInfo.implementationVersionName).toBe('OFFIS_DCMTK_367');
  });

  it('re-encodes to the same 463 bytes, reserved bytes zeroed', () => {
    // DCMTK writes 0xff in the reserved byte after each presentation context ID (item offset + 6,
    // i.e. 105, 205, 306); PS3.8 says reserved bytes are sent as 0 and not tested on receipt.
    const expected = Buffer.from(DCMTK_PRINT_ASSOCIATE_RQ);
    for (const at of [105, 205, 306]) {
      expect(expected[at]).toBe(0xff);
      expected[at] = 0;
    }
    expect(encodePdu(decodePdu(DCMTK_PRINT_ASSOCIATE_RQ)).toString('hex')).toBe(expected.toString('hex'));
  });
});

describe('A-ASSOCIATE-AC bytes', () => {
  it('encodes exactly as PS3.8 9.3.3 lays it out', () => {
    const ac: AssociateAc = {
      type: 'A-ASSOCIATE-AC',
      protocolVersion: 1,
      calledAeTitle: 'LIGHTBOX',
      callingAeTitle: 'SCU',
      applicationContext: Uid.ApplicationContext,
      presentationContexts: [{ id: 1, result: 0, transferSyntax: Uid.ImplicitVrLittleEndian }],
      userInfo: {
        ...emptyUserInfo(),
        maxLength: 16384,
        implementationClassUid: '1.2.3',
        implementationVersionName: 'V1',
      },
    };
    const expected = hex(
      `
      02 00 00000095                                   -- [0] type 0x02, reserved, length 149
      0001 0000                                        -- [6] protocol version 1, reserved
      4c49474854424f5820202020 20202020                -- [10] called AE "LIGHTBOX" padded to 16
      53435520202020202020202020202020                 -- [26] calling AE "SCU" padded to 16
      ${'00'.repeat(32)}                               -- [42] reserved
      10 00 0015 312e322e3834302e31303030382e332e312e312e31   -- [74] app context, len 21
      21 00 0019 01 00 00 00                           -- [99] PC AC item len 25: ID 1, result 0
         40 00 0011 312e322e3834302e31303030382e312e32 --      TS sub-item, len 17 "1.2.840.10008.1.2"
      50 00 0017                                       -- [128] user info, len 23
         51 00 0004 00004000                           --      max length 16384
         52 00 0005 312e322e33                         --      impl class UID "1.2.3"
         55 00 0002 5631                               --      impl version "V1"
    `.replace(/--[^\n]*/g, ''),
    );
    expect(encodePdu(ac).toString('hex')).toBe(expected.toString('hex'));
    expect(decodePdu(expected)).toEqual(ac);
  });
});

describe('round trips of all seven PDUs and every item', () => {
  const rq = associateRq({
    contexts: [
      {
        id: 1,
        abstractSyntax: Uid.Verification,
        transferSyntaxes: [Uid.ImplicitVrLittleEndian, Uid.ExplicitVrLittleEndian],
      },
      {
        id: 3,
        abstractSyntax: Uid.BasicColorPrintManagementMeta,
        transferSyntaxes: [Uid.ExplicitVrBigEndian],
      },
    ],
    userInfo: {
      asyncOpsWindow: { maxInvoked: 3, maxPerformed: 2 },
      roleSelections: [{ sopClassUid: Uid.Verification, scuRole: 1, scpRole: 1 }],
      extendedNegotiations: [{ sopClassUid: '1.2.840.10008.5.1.4.1.2.1.1', info: Buffer.from([1, 0, 1]) }],
      commonExtendedNegotiations: [
        {
          sopClassUid: '1.2.3.4',
          serviceClassUid: '1.2.840.10008.4.2',
          relatedGeneralSopClassUids: ['1.2.5', '1.2.6'],
        },
      ],
      userIdentity: {
        identityType: 2,
        positiveResponseRequested: true,
        primaryField: Buffer.from('user'),
        secondaryField: Buffer.from('secret'),
      },
      unknownItems: [{ type: 0x5a, data: Buffer.from('opaque') }],
    },
  });
  const cases: Pdu[] = [
    rq,
    {
      type: 'A-ASSOCIATE-AC',
      protocolVersion: 1,
      calledAeTitle: 'A',
      callingAeTitle: 'B',
      applicationContext: Uid.ApplicationContext,
      presentationContexts: [
        { id: 1, result: 0, transferSyntax: Uid.ExplicitVrLittleEndian },
        { id: 3, result: 4, transferSyntax: Uid.ExplicitVrBigEndian },
      ],
      userInfo: {
        ...emptyUserInfo(),
        maxLength: 0,
        implementationClassUid: '1.2',
        asyncOpsWindow: { maxInvoked: 1, maxPerformed: 1 },
        roleSelections: [{ sopClassUid: Uid.Verification, scuRole: 1, scpRole: 0 }],
        userIdentityServerResponse: Buffer.alloc(0),
      },
    },
    { type: 'A-ASSOCIATE-RJ', result: 2, source: 3, reason: 2 },
    {
      type: 'P-DATA-TF',
      pdvs: [
        { contextId: 1, isCommand: true, isLast: true, data: Buffer.from('cmd') },
        { contextId: 1, isCommand: false, isLast: false, data: Buffer.alloc(0) },
        { contextId: 3, isCommand: false, isLast: true, data: Buffer.from([0, 1, 2, 3]) },
      ],
    },
    { type: 'A-RELEASE-RQ' },
    { type: 'A-RELEASE-RP' },
    { type: 'A-ABORT', source: 2, reason: 6 },
  ];
  for (const p of cases) {
    it(p.type, () => {
      expect(decodePdu(encodePdu(p))).toEqual(p);
    });
  }

  it('fixed-size PDUs have the exact PS3.8 bytes', () => {
    expect(encodePdu({ type: 'A-ABORT', source: 2, reason: 1 }).toString('hex')).toBe(
      '070000000004' + '00000201',
    );
    expect(encodePdu({ type: 'A-ASSOCIATE-RJ', result: 1, source: 1, reason: 7 }).toString('hex')).toBe(
      '030000000004' + '00010107',
    );
    expect(encodePdu({ type: 'A-RELEASE-RQ' }).toString('hex')).toBe('050000000004' + '00000000');
    expect(encodePdu({ type: 'A-RELEASE-RP' }).toString('hex')).toBe('060000000004' + '00000000');
  });

  it('P-DATA-TF PDV header: item length counts context ID and control header', () => {
    const b = encodePdu({
      type: 'P-DATA-TF',
      pdvs: [{ contextId: 7, isCommand: true, isLast: true, data: Buffer.from([0xaa, 0xbb]) }],
    });
    // [0] type 4, length 8 | [6] PDV length 4 | [10] PC 7 | [11] MCH 0b11 | [12] data
    expect(b.toString('hex')).toBe('040000000008' + '00000004' + '07' + '03' + 'aabb');
  });
});

describe('encodePduParts (a PDU as buffers for one writev)', () => {
  it('P-DATA-TF: PDU and first PDV header in one 12-byte buffer, the data as the same views', () => {
    const src = Buffer.from([0xa1, 0xa2, 0xa3, 0xa4, 0xa5]);
    const a = src.subarray(0, 2);
    const b = src.subarray(2);
    const parts = encodePduParts({
      type: 'P-DATA-TF',
      pdvs: [{ contextId: 5, isCommand: false, isLast: true, data: ChunkedBytes.of([a, b]) }],
    });
    expect(parts.map((p) => p.toString('hex'))).toEqual([
      // type 04, reserved, PDU length 11; PDV item length 7, context 5, control 02 (last, data)
      '04' + '00' + '0000000b' + '00000007' + '05' + '02',
      'a1a2',
      'a3a4a5',
    ]);
    // Not copied: the modality's bytes themselves go to the socket.
    expect(parts[1]!.buffer).toBe(src.buffer);
    expect(parts[1]!.byteOffset).toBe(src.byteOffset);
    expect(parts[2]!.byteOffset).toBe(src.byteOffset + 2);
  });

  it('several PDVs: each later PDV header is its own 6-byte buffer; the whole equals encodePdu', () => {
    const p: Pdu = {
      type: 'P-DATA-TF',
      pdvs: [
        { contextId: 1, isCommand: true, isLast: true, data: hex('0102') },
        { contextId: 3, isCommand: false, isLast: false, data: hex('') },
        { contextId: 3, isCommand: false, isLast: true, data: ChunkedBytes.of([hex('ff'), hex('eedd')]) },
      ],
    };
    const parts = encodePduParts(p);
    expect(parts.map((x) => x.toString('hex'))).toEqual([
      '04' + '00' + '00000017' + '00000004' + '01' + '03',
      '0102',
      '00000002' + '03' + '00',
      '00000005' + '03' + '02',
      'ff',
      'eedd',
    ]);
    expect(Buffer.concat(parts).equals(encodePdu(p))).toBe(true);
    expect(decodePdu(Buffer.concat(parts))).toEqual(decodePdu(encodePdu(p)));
  });

  it('any other PDU is the one buffer encodePdu makes', () => {
    const p: Pdu = { type: 'A-ABORT', source: 2, reason: 6 };
    const parts = encodePduParts(p);
    expect(parts).toHaveLength(1);
    expect(parts[0]!.toString('hex')).toBe('070000000004' + '00000206');
  });
});

describe('malformed PDUs give the PS3.8 A-ABORT reason', () => {
  it('unknown PDU type -> unrecognized-pdu', () => {
    expect(decodeError(hex('09 00 00000004 00000000')).reason).toBe('unrecognized-pdu');
  });
  it('header length disagreeing with the bytes -> invalid-pdu-parameter-value', () => {
    expect(decodeError(hex('05 00 00000008 00000000')).reason).toBe('invalid-pdu-parameter-value');
  });
  it('A-RELEASE-RQ with a body that is not 4 bytes', () => {
    expect(decodeError(hex('05 00 00000002 0000')).reason).toBe('invalid-pdu-parameter-value');
  });
  it('item length running past the PDU', () => {
    const b = Buffer.from(DCMTK_PRINT_ASSOCIATE_RQ);
    b.writeUInt16BE(0xffff, 76); // application context item length
    expect(decodeError(b).reason).toBe('invalid-pdu-parameter-value');
  });
  it('A-ASSOCIATE-RQ without user information', () => {
    const p = decodePdu(DCMTK_PRINT_ASSOCIATE_RQ);
    const b = Buffer.from(DCMTK_PRINT_ASSOCIATE_RQ.subarray(0, 401));
    b.writeUInt32BE(401 - 6, 2);
    expect(p.type).toBe('A-ASSOCIATE-RQ');
    expect(decodeError(b).message).toMatch(/user information/);
  });
  it('PDV item length < 2', () => {
    expect(decodeError(hex('04 00 00000005 00000001 01')).reason).toBe('invalid-pdu-parameter-value');
  });
  it('PDV message control header with reserved bits', () => {
    expect(decodeError(hex('04 00 00000007 00000003 01 07 00')).reason).toBe('invalid-pdu-parameter-value');
  });
  it('P-DATA-TF with no PDV', () => {
    expect(decodeError(hex('04 00 00000000')).reason).toBe('invalid-pdu-parameter-value');
  });
  it('presentation context with a second abstract syntax -> unexpected-pdu-parameter', () => {
    const rq = encodePdu(associateRq());
    // Splice a second abstract syntax sub-item into the PC item.
    const p = decodePdu(rq);
    if (p.type !== 'A-ASSOCIATE-RQ') throw new Error();
    const pcStart = rq.indexOf(Buffer.from([0x20, 0x00]), 74);
    const pcLen = rq.readUInt16BE(pcStart + 2);
    const extra = hex('30 00 0003 312e32');
    const out = Buffer.concat([rq.subarray(0, pcStart + 4 + pcLen), rq.subarray(pcStart + 4 + pcLen)]);
    const spliced = Buffer.concat([out.subarray(0, pcStart + 8), extra, out.subarray(pcStart + 8)]);
    spliced.writeUInt16BE(pcLen + extra.length, pcStart + 2);
    spliced.writeUInt32BE(spliced.length - 6, 2);
    expect(decodeError(spliced).reason).toBe('unexpected-pdu-parameter');
  });
  it('unknown top-level item types are skipped (PS3.8 9.3.1)', () => {
    const rq = encodePdu(associateRq());
    const extra = hex('7f 00 0002 abcd');
    const b = Buffer.concat([rq, extra]);
    b.writeUInt32BE(b.length - 6, 2);
    const p = decodePdu(b);
    expect(p.type).toBe('A-ASSOCIATE-RQ');
  });
  it('a trailing NUL in a UID is tolerated', () => {
    const rq = associateRq();
    rq.applicationContext = `${Uid.ApplicationContext}\0`;
    const p = decodePdu(encodePdu(rq));
    expect(p.type === 'A-ASSOCIATE-RQ' && p.applicationContext).toBe(Uid.ApplicationContext);
  });
});
