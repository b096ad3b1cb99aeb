/**
 * Pure encoder/decoder for the Upper Layer PDUs (PS3.8 9.3) and their items (PS3.7 Annex D).
 * decodePdu() takes one whole PDU (header included, as framed by PduFramer) and either returns
 * the PDU or throws a PduError carrying the A-ABORT reason the acceptor should send.
 */
import { type Bytes, partsOf } from '../chunked-bytes.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { PduError } from './errors.js';
import {
  type Abort,
  type AssociateAc,
  type AssociateRj,
  type AssociateRq,
  emptyUserInfo,
  ItemType,
  type PcResultCode,
  type PDataTf,
  type Pdu,
  PduType,
  type Pdv,
  type PresentationContextAc,
  type PresentationContextRq,
  type UserInformation,
} from './pdu.js';

export const PDU_HEADER_LENGTH = 6;
/** PDV item header inside a P-DATA-TF: 4-byte length, context ID, message control header. */
export const PDV_HEADER_LENGTH = 6;

// ---------------------------------------------------------------- encode

function pdu(type: number, body: ByteWriter | Buffer): Buffer {
  const b = body instanceof ByteWriter ? body.toBuffer() : body;
  return new ByteWriter().u8(type).u8(0).u32(b.length).raw(b).toBuffer();
}

/** An item with a 2-byte length (every A-ASSOCIATE item and sub-item). */
function item(w: ByteWriter, type: number, body: Buffer | ByteWriter): void {
  const b = body instanceof ByteWriter ? body.toBuffer() : body;
  w.u8(type).u8(0).u16(b.length).raw(b);
}

function uidItem(w: ByteWriter, type: number, uid: string): void {
  item(w, type, Buffer.from(uid, 'latin1'));
}

/** A UID with its 2-byte length prefix (role selection, extended negotiation sub-fields). */
function lengthPrefixed(w: ByteWriter, s: string | Buffer): void {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  w.u16(b.length).raw(b);
}

function encodeUserInfo(w: ByteWriter, u: UserInformation): void {
  const sub = new ByteWriter();
  if (u.maxLength !== undefined) item(sub, ItemType.MaximumLength, new ByteWriter().u32(u.maxLength));
  if (u.implementationClassUid !== undefined)
    uidItem(sub, ItemType.ImplementationClassUid, u.implementationClassUid);
  if (u.asyncOpsWindow)
    item(
      sub,
      ItemType.AsynchronousOperationsWindow,
      new ByteWriter().u16(u.asyncOpsWindow.maxInvoked).u16(u.asyncOpsWindow.maxPerformed),
    );
  for (const r of u.roleSelections) {
    const b = new ByteWriter();
    lengthPrefixed(b, r.sopClassUid);
    item(sub, ItemType.RoleSelection, b.u8(r.scuRole).u8(r.scpRole));
  }
  if (u.implementationVersionName !== undefined)
    uidItem(sub, ItemType.ImplementationVersionName, u.implementationVersionName);
  for (const e of u.extendedNegotiations) {
    const b = new ByteWriter();
    lengthPrefixed(b, e.sopClassUid);
    item(sub, ItemType.SopClassExtendedNegotiation, b.raw(e.info));
  }
  for (const e of u.commonExtendedNegotiations) {
    const b = new ByteWriter();
    lengthPrefixed(b, e.sopClassUid);
    lengthPrefixed(b, e.serviceClassUid);
    const rel = new ByteWriter();
    for (const r of e.relatedGeneralSopClassUids) lengthPrefixed(rel, r);
    b.u16(rel.length).raw(rel.toBuffer());
    item(sub, ItemType.SopClassCommonExtendedNegotiation, b);
  }
  if (u.userIdentity) {
    const id = u.userIdentity;
    const b = new ByteWriter().u8(id.identityType).u8(id.positiveResponseRequested ? 1 : 0);
    lengthPrefixed(b, id.primaryField);
    lengthPrefixed(b, id.secondaryField);
    item(sub, ItemType.UserIdentityRq, b);
  }
  if (u.userIdentityServerResponse) {
    const b = new ByteWriter();
    lengthPrefixed(b, u.userIdentityServerResponse);
    item(sub, ItemType.UserIdentityAc, b);
  }
  for (const x of u.unknownItems) item(sub, x.type, x.data);
  item(w, ItemType.UserInformation, sub);
}

function encodeAssociate(p: AssociateRq | AssociateAc): Buffer {
  const w = new ByteWriter().u16(p.protocolVersion).zeros(2);
  // PS3.8 9.3.3: the AC echoes the RQ's AE titles in the same fields (not tested by the receiver).
  w.aeTitle(p.calledAeTitle).aeTitle(p.callingAeTitle).zeros(32);
  uidItem(w, ItemType.ApplicationContext, p.applicationContext);
  if (p.type === 'A-ASSOCIATE-RQ') {
    for (const pc of p.presentationContexts) {
      const b = new ByteWriter().u8(pc.id).zeros(3);
      uidItem(b, ItemType.AbstractSyntax, pc.abstractSyntax);
      for (const ts of pc.transferSyntaxes) uidItem(b, ItemType.TransferSyntax, ts);
      item(w, ItemType.PresentationContextRq, b);
    }
  } else {
    for (const pc of p.presentationContexts) {
      const b = new ByteWriter().u8(pc.id).u8(0).u8(pc.result).u8(0);
      uidItem(b, ItemType.TransferSyntax, pc.transferSyntax);
      item(w, ItemType.PresentationContextAc, b);
    }
  }
  encodeUserInfo(w, p.userInfo);
  return pdu(p.type === 'A-ASSOCIATE-RQ' ? PduType.AssociateRq : PduType.AssociateAc, w);
}

/**
 * A PDU as the buffers to write one after the other: a P-DATA-TF's headers in small buffers of
 * their own and its PDV data as the caller's views, never copied (a relayed image's bytes go from
 * the modality's socket chunks to the printer's socket as they are; written with one writev).
 * Any other PDU is one buffer, as encodePdu makes it. The concatenation equals encodePdu(p).
 */
export function encodePduParts(p: Pdu): Buffer[] {
  if (p.type !== 'P-DATA-TF') return [encodePdu(p)];
  let length = 0;
  for (const v of p.pdvs) length += PDV_HEADER_LENGTH + v.data.length;
  const out: Buffer[] = [];
  // The PDU header goes with the first PDV's header: one small buffer, not two.
  let head = Buffer.allocUnsafe(PDU_HEADER_LENGTH + PDV_HEADER_LENGTH);
  writePDataTfHeader(head, length);
  let at = PDU_HEADER_LENGTH;
  for (const v of p.pdvs) {
    writePdvHeader(head, at, v);
    out.push(head);
    for (const part of partsOf(v.data)) if (part.length > 0) out.push(part);
    head = Buffer.allocUnsafe(PDV_HEADER_LENGTH);
    at = 0;
  }
  return out;
}

/** A P-DATA-TF's 6-byte PDU header (type, reserved, length) at the start of b. */
function writePDataTfHeader(b: Buffer, length: number): void {
  b.writeUInt8(PduType.PDataTf, 0);
  b.writeUInt8(0, 1);
  b.writeUInt32BE(length, 2);
}

/** A PDV's item length, context id and message control header (PS3.8 E.2) at b[at]. */
function writePdvHeader(b: Buffer, at: number, v: Pdv): void {
  b.writeUInt32BE(v.data.length + 2, at);
  b.writeUInt8(v.contextId, at + 4);
  b.writeUInt8((v.isCommand ? 1 : 0) | (v.isLast ? 2 : 0), at + 5);
}

export function encodePdu(p: Pdu): Buffer {
  switch (p.type) {
    case 'A-ASSOCIATE-RQ':
    case 'A-ASSOCIATE-AC':
      return encodeAssociate(p);
    case 'A-ASSOCIATE-RJ':
      return pdu(PduType.AssociateRj, new ByteWriter().u8(0).u8(p.result).u8(p.source).u8(p.reason));
    case 'P-DATA-TF': {
      // Hot path: one allocation, headers written in place.
      let length = 0;
      for (const v of p.pdvs) length += PDV_HEADER_LENGTH + v.data.length;
      const b = Buffer.allocUnsafe(PDU_HEADER_LENGTH + length);
      writePDataTfHeader(b, length);
      let at = PDU_HEADER_LENGTH;
      for (const v of p.pdvs) {
        writePdvHeader(b, at, v);
        let into = at + PDV_HEADER_LENGTH;
        for (const part of partsOf(v.data)) into += part.copy(b, into);
        at = into;
      }
      return b;
    }
    case 'A-RELEASE-RQ':
      return pdu(PduType.ReleaseRq, Buffer.alloc(4));
    case 'A-RELEASE-RP':
      return pdu(PduType.ReleaseRp, Buffer.alloc(4));
    case 'A-ABORT':
      return pdu(PduType.Abort, new ByteWriter().u8(0).u8(0).u8(p.source).u8(p.reason));
  }
}

// ---------------------------------------------------------------- decode

interface RawItem {
  type: number;
  body: ByteReader;
  offset: number;
}

function* items(r: ByteReader, where: string): Generator<RawItem> {
  while (r.remaining > 0) {
    const offset = r.offset;
    const type = r.u8(`${where} item type`);
    r.skip(1, `${where} item reserved`);
    const len = r.u16(`${where} item length`);
    yield { type, body: r.sub(len, `${where} item 0x${type.toString(16)} body (length ${len})`), offset };
  }
}

function uid(r: ByteReader, field: string): string {
  const s = r.ascii(r.remaining, field);
  if (s.length === 0 || s.length > 64) {
    throw new PduError('invalid-pdu-parameter-value', `${field}: UID of length ${s.length}`);
  }
  return s;
}

function prefixed(r: ByteReader, field: string): Buffer {
  return r.bytes(r.u16(`${field} length`), field);
}

function decodeUserInfo(r: ByteReader): UserInformation {
  const u = emptyUserInfo();
  for (const it of items(r, 'user information')) {
    const b = it.body;
    switch (it.type) {
      case ItemType.MaximumLength:
        u.maxLength = b.u32('maximum length');
        break;
      case ItemType.ImplementationClassUid:
        u.implementationClassUid = uid(b, 'implementation class UID');
        break;
      case ItemType.ImplementationVersionName:
        u.implementationVersionName = b.ascii(b.remaining, 'implementation version name');
        break;
      case ItemType.AsynchronousOperationsWindow:
        u.asyncOpsWindow = {
          maxInvoked: b.u16('max operations invoked'),
          maxPerformed: b.u16('max operations performed'),
        };
        break;
      case ItemType.RoleSelection: {
        const sopClassUid = prefixed(b, 'role selection SOP class UID')
          .toString('latin1')
          .replace(/\0+$/, '');
        u.roleSelections.push({ sopClassUid, scuRole: b.u8('SCU role'), scpRole: b.u8('SCP role') });
        break;
      }
      case ItemType.SopClassExtendedNegotiation: {
        const sopClassUid = prefixed(b, 'extended negotiation SOP class UID').toString('latin1');
        u.extendedNegotiations.push({
          sopClassUid,
          info: b.bytes(b.remaining, 'service class application info'),
        });
        break;
      }
      case ItemType.SopClassCommonExtendedNegotiation: {
        const sopClassUid = prefixed(b, 'common extended negotiation SOP class UID').toString('latin1');
        const serviceClassUid = prefixed(b, 'service class UID').toString('latin1');
        const rel = b.sub(
          b.u16('related general SOP class identification length'),
          'related general SOP classes',
        );
        const related: string[] = [];
        while (rel.remaining > 0)
          related.push(prefixed(rel, 'related general SOP class UID').toString('latin1'));
        u.commonExtendedNegotiations.push({
          sopClassUid,
          serviceClassUid,
          relatedGeneralSopClassUids: related,
        });
        break;
      }
      case ItemType.UserIdentityRq:
        u.userIdentity = {
          identityType: b.u8('user identity type'),
          positiveResponseRequested: b.u8('positive response requested') === 1,
          primaryField: Buffer.from(prefixed(b, 'user identity primary field')),
          secondaryField: Buffer.from(prefixed(b, 'user identity secondary field')),
        };
        break;
      case ItemType.UserIdentityAc:
        u.userIdentityServerResponse = Buffer.from(prefixed(b, 'user identity server response'));
        break;
      default:
        u.unknownItems.push({ type: it.type, data: Buffer.from(b.bytes(b.remaining, 'unknown item')) });
    }
  }
  return u;
}

function decodeAssociate(type: number, r: ByteReader): AssociateRq | AssociateAc {
  const protocolVersion = r.u16('protocol version');
  r.skip(2, 'reserved');
  const calledAeTitle = r.ascii(16, 'called AE title').trim();
  const callingAeTitle = r.ascii(16, 'calling AE title').trim();
  r.skip(32, 'reserved');
  let applicationContext: string | undefined;
  let userInfo: UserInformation | undefined;
  const rqContexts: PresentationContextRq[] = [];
  const acContexts: PresentationContextAc[] = [];
  const isRq = type === PduType.AssociateRq;
  for (const it of items(r, isRq ? 'A-ASSOCIATE-RQ' : 'A-ASSOCIATE-AC')) {
    const b = it.body;
    if (it.type === ItemType.ApplicationContext) {
      if (applicationContext !== undefined)
        throw new PduError('unexpected-pdu-parameter', 'second application context item');
      applicationContext = uid(b, 'application context name');
    } else if (it.type === ItemType.PresentationContextRq && isRq) {
      const id = b.u8('presentation context ID');
      b.skip(3, 'reserved');
      let abstractSyntax: string | undefined;
      const transferSyntaxes: string[] = [];
      for (const s of items(b, `presentation context ${id}`)) {
        if (s.type === ItemType.AbstractSyntax) {
          if (abstractSyntax !== undefined)
            throw new PduError(
              'unexpected-pdu-parameter',
              `presentation context ${id}: two abstract syntaxes`,
            );
          abstractSyntax = uid(s.body, 'abstract syntax');
        } else if (s.type === ItemType.TransferSyntax) {
          transferSyntaxes.push(uid(s.body, 'transfer syntax'));
        } else {
          throw new PduError(
            'unrecognized-pdu-parameter',
            `presentation context ${id}: sub-item 0x${s.type.toString(16)}`,
          );
        }
      }
      if (abstractSyntax === undefined || transferSyntaxes.length === 0) {
        throw new PduError(
          'invalid-pdu-parameter-value',
          `presentation context ${id}: no abstract or transfer syntax`,
        );
      }
      rqContexts.push({ id, abstractSyntax, transferSyntaxes });
    } else if (it.type === ItemType.PresentationContextAc && !isRq) {
      const id = b.u8('presentation context ID');
      b.skip(1, 'reserved');
      const result = b.u8('result/reason');
      b.skip(1, 'reserved');
      let transferSyntax = '';
      for (const s of items(b, `presentation context ${id}`)) {
        if (s.type === ItemType.TransferSyntax)
          transferSyntax = s.body.ascii(s.body.remaining, 'transfer syntax');
      }
      if (result > 4)
        throw new PduError('invalid-pdu-parameter-value', `presentation context ${id}: result ${result}`);
      acContexts.push({ id, result: result as PcResultCode, transferSyntax });
    } else if (it.type === ItemType.UserInformation) {
      if (userInfo !== undefined)
        throw new PduError('unexpected-pdu-parameter', 'second user information item');
      userInfo = decodeUserInfo(b);
    } else if (
      it.type === ItemType.PresentationContextRq ||
      it.type === ItemType.PresentationContextAc ||
      it.type === ItemType.AbstractSyntax ||
      it.type === ItemType.TransferSyntax
    ) {
      throw new PduError('unexpected-pdu-parameter', `item 0x${it.type.toString(16)} at offset ${it.offset}`);
    }
    // Any other item type is skipped (PS3.8 9.3.1: unknown items are ignored).
  }
  if (applicationContext === undefined) {
    throw new PduError('invalid-pdu-parameter-value', 'no application context item');
  }
  if (userInfo === undefined) throw new PduError('invalid-pdu-parameter-value', 'no user information item');
  const common = { protocolVersion, calledAeTitle, callingAeTitle, applicationContext, userInfo };
  return isRq
    ? { type: 'A-ASSOCIATE-RQ', ...common, presentationContexts: rqContexts }
    : { type: 'A-ASSOCIATE-AC', ...common, presentationContexts: acContexts };
}

function decodePData(r: ByteReader): PDataTf {
  const pdvs: Pdv[] = [];
  if (r.remaining === 0) throw new PduError('invalid-pdu-parameter-value', 'P-DATA-TF without PDV items');
  while (r.remaining > 0) {
    const len = r.u32('PDV item length');
    if (len < 2) throw new PduError('invalid-pdu-parameter-value', `PDV item length ${len} < 2`);
    const body = r.sub(len, `PDV item (length ${len})`);
    const contextId = body.u8('presentation context ID');
    const mch = body.u8('message control header');
    if (mch > 3)
      throw new PduError('invalid-pdu-parameter-value', `message control header 0x${mch.toString(16)}`);
    pdvs.push({
      contextId,
      isCommand: (mch & 1) === 1,
      isLast: (mch & 2) === 2,
      data: body.view(len - 2, 'PDV data'),
    });
  }
  return { type: 'P-DATA-TF', pdvs };
}

function fixed4(r: ByteReader, name: string): ByteReader {
  if (r.remaining !== 4)
    throw new PduError('invalid-pdu-parameter-value', `${name} length ${r.remaining}, must be 4`);
  return r;
}

/** Decode one whole PDU (6-byte header included), from one buffer or the chunks it arrived in. */
export function decodePdu(buf: Bytes): Pdu {
  const head = new ByteReader(buf);
  const type = head.u8('PDU type');
  head.skip(1, 'reserved');
  const length = head.u32('PDU length');
  if (length !== buf.length - PDU_HEADER_LENGTH) {
    throw new PduError(
      'invalid-pdu-parameter-value',
      `PDU length ${length} but ${buf.length - 6} bytes given`,
    );
  }
  const r = new ByteReader(buf, PDU_HEADER_LENGTH);
  switch (type) {
    case PduType.AssociateRq:
    case PduType.AssociateAc:
      return decodeAssociate(type, r);
    case PduType.AssociateRj: {
      fixed4(r, 'A-ASSOCIATE-RJ').skip(1, 'reserved');
      const result = r.u8('result');
      const source = r.u8('source');
      const reason = r.u8('reason');
      if ((result !== 1 && result !== 2) || (source !== 1 && source !== 2 && source !== 3)) {
        throw new PduError('invalid-pdu-parameter-value', `A-ASSOCIATE-RJ result ${result} source ${source}`);
      }
      return { type: 'A-ASSOCIATE-RJ', result, source, reason } satisfies AssociateRj;
    }
    case PduType.PDataTf:
      return decodePData(r);
    case PduType.ReleaseRq:
      fixed4(r, 'A-RELEASE-RQ');
      return { type: 'A-RELEASE-RQ' };
    case PduType.ReleaseRp:
      fixed4(r, 'A-RELEASE-RP');
      return { type: 'A-RELEASE-RP' };
    case PduType.Abort: {
      fixed4(r, 'A-ABORT').skip(2, 'reserved');
      const source = r.u8('source');
      const reason = r.u8('reason');
      // PS3.8 9.3.8: source 1 is reserved; we still accept it rather than abort an abort.
      return { type: 'A-ABORT', source: (source > 2 ? 0 : source) as Abort['source'], reason };
    }
    default:
      throw new PduError('unrecognized-pdu', `PDU type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

/** One line for logs: "A-ASSOCIATE-RQ PEERSCU->LIGHTBOX 3 PCs". */
export function describePdu(p: Pdu): string {
  switch (p.type) {
    case 'A-ASSOCIATE-RQ':
    case 'A-ASSOCIATE-AC':
      return `${p.type} ${p.callingAeTitle}->${p.calledAeTitle} ${p.presentationContexts.length} PCs`;
    case 'A-ASSOCIATE-RJ':
      return `${p.type} result=${p.result} source=${p.source} reason=${p.reason}`;
    case 'P-DATA-TF':
      return `${p.type} ${p.pdvs.length} PDVs`;
    case 'A-ABORT':
      return `${p.type} source=${p.source} reason=${p.reason}`;
    default:
      return p.type;
  }
}
