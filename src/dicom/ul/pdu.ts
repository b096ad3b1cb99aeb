/**
 * The seven Upper Layer PDUs and their items (PS3.8 9.3, PS3.7 Annex D), as plain data.
 * pdu-codec.ts turns them into bytes and back.
 */
import type { Bytes } from '../chunked-bytes.js';

export const PduType = {
  AssociateRq: 0x01,
  AssociateAc: 0x02,
  AssociateRj: 0x03,
  PDataTf: 0x04,
  ReleaseRq: 0x05,
  ReleaseRp: 0x06,
  Abort: 0x07,
} as const;

export const ItemType = {
  ApplicationContext: 0x10,
  PresentationContextRq: 0x20,
  PresentationContextAc: 0x21,
  AbstractSyntax: 0x30,
  TransferSyntax: 0x40,
  UserInformation: 0x50,
  MaximumLength: 0x51,
  ImplementationClassUid: 0x52,
  AsynchronousOperationsWindow: 0x53,
  RoleSelection: 0x54,
  ImplementationVersionName: 0x55,
  SopClassExtendedNegotiation: 0x56,
  SopClassCommonExtendedNegotiation: 0x57,
  UserIdentityRq: 0x58,
  UserIdentityAc: 0x59,
} as const;

/** Presentation context result/reason (PS3.8 Table 9-18). */
export const PcResult = {
  Acceptance: 0,
  UserRejection: 1,
  NoReason: 2,
  AbstractSyntaxNotSupported: 3,
  TransferSyntaxesNotSupported: 4,
} as const;
export type PcResultCode = (typeof PcResult)[keyof typeof PcResult];

export interface PresentationContextRq {
  id: number;
  abstractSyntax: string;
  transferSyntaxes: string[];
}

export interface PresentationContextAc {
  id: number;
  result: PcResultCode;
  /** Not significant when result is not Acceptance, but always present on the wire. */
  transferSyntax: string;
}

export interface RoleSelection {
  sopClassUid: string;
  scuRole: number;
  scpRole: number;
}

export interface ExtendedNegotiation {
  sopClassUid: string;
  info: Buffer;
}

export interface CommonExtendedNegotiation {
  sopClassUid: string;
  serviceClassUid: string;
  relatedGeneralSopClassUids: string[];
}

export interface UserIdentityRq {
  /** 1 username, 2 username+passcode, 3 Kerberos, 4 SAML, 5 JWT (PS3.7 D.3.3.7). */
  identityType: number;
  positiveResponseRequested: boolean;
  primaryField: Buffer;
  secondaryField: Buffer;
}

export interface UserInformation {
  /** Maximum P-DATA-TF PDU length the sender can receive; 0 = unlimited (PS3.8 D.1). */
  maxLength?: number;
  implementationClassUid?: string;
  implementationVersionName?: string;
  asyncOpsWindow?: { maxInvoked: number; maxPerformed: number };
  roleSelections: RoleSelection[];
  extendedNegotiations: ExtendedNegotiation[];
  commonExtendedNegotiations: CommonExtendedNegotiation[];
  userIdentity?: UserIdentityRq;
  userIdentityServerResponse?: Buffer;
  /** Sub-items we do not know, kept so logs can show them (PS3.7: unknown items are skipped). */
  unknownItems: { type: number; data: Buffer }[];
}

interface AssociateCommon {
  protocolVersion: number;
  calledAeTitle: string;
  callingAeTitle: string;
  applicationContext: string;
  userInfo: UserInformation;
}

export interface AssociateRq extends AssociateCommon {
  type: 'A-ASSOCIATE-RQ';
  presentationContexts: PresentationContextRq[];
}

export interface AssociateAc extends AssociateCommon {
  type: 'A-ASSOCIATE-AC';
  presentationContexts: PresentationContextAc[];
}

/** A-ASSOCIATE-RJ result/source/reason (PS3.8 Table 9-21). */
export interface AssociateRj {
  type: 'A-ASSOCIATE-RJ';
  /** 1 rejected-permanent, 2 rejected-transient. */
  result: 1 | 2;
  /** 1 service-user, 2 service-provider (ACSE), 3 service-provider (presentation). */
  source: 1 | 2 | 3;
  reason: number;
}

export interface Pdv {
  contextId: number;
  isCommand: boolean;
  isLast: boolean;
  /** Received PDVs are views of the socket's chunks, which may hold one PDV in several parts. */
  data: Bytes;
}

export interface PDataTf {
  type: 'P-DATA-TF';
  pdvs: Pdv[];
}

export interface ReleaseRq {
  type: 'A-RELEASE-RQ';
}

export interface ReleaseRp {
  type: 'A-RELEASE-RP';
}

export interface Abort {
  type: 'A-ABORT';
  /** 0 service-user, 2 service-provider. */
  source: 0 | 1 | 2;
  reason: number;
}

export type Pdu = AssociateRq | AssociateAc | AssociateRj | PDataTf | ReleaseRq | ReleaseRp | Abort;

export function emptyUserInfo(): UserInformation {
  return { roleSelections: [], extendedNegotiations: [], commonExtendedNegotiations: [], unknownItems: [] };
}

/**
 * Every A-ASSOCIATE-RJ reason of PS3.8 9.3.4 Table 9-21, by name, so callers never write bare
 * numbers: its source (1 service-user, 2 service-provider ACSE, 3 service-provider presentation)
 * and the result it goes with unless told otherwise (transient for the presentation layer's
 * reasons, permanent for the rest).
 */
export const Reject = {
  'no-reason-given': { result: 1, source: 1, reason: 1 },
  /** Not now, try later: what a proxy answers when the real printer cannot be reached. */
  'transient-no-reason-given': { result: 2, source: 1, reason: 1 },
  'application-context-name-not-supported': { result: 1, source: 1, reason: 2 },
  'calling-ae-title-not-recognized': { result: 1, source: 1, reason: 3 },
  'called-ae-title-not-recognized': { result: 1, source: 1, reason: 7 },
  'provider-no-reason-given': { result: 1, source: 2, reason: 1 },
  'protocol-version-not-supported': { result: 1, source: 2, reason: 2 },
  'temporary-congestion': { result: 2, source: 3, reason: 1 },
  'local-limit-exceeded': { result: 2, source: 3, reason: 2 },
} as const satisfies Record<string, Omit<AssociateRj, 'type'>>;
type RejectReason = keyof typeof Reject;
export const REJECT_REASONS = Object.keys(Reject) as RejectReason[];
