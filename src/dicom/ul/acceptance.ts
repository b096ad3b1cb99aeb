/**
 * Association acceptance (PS3.7 Annex D, PS3.8 7.1): decides an A-ASSOCIATE-RQ from the configured
 * printers and limits, and builds the A-ASSOCIATE-AC. Pure: the caller supplies what is
 * configured and how busy we are.
 */
import { Uid } from '../uids.js';
import type { AssociateDecision } from './association.js';
import {
  type AssociateAc,
  type AssociateRq,
  emptyUserInfo,
  PcResult,
  type PresentationContextAc,
  Reject,
  type RoleSelection,
} from './pdu.js';

/** What acceptance needs to know about the printer a called AE title selects. */
export interface AcceptingPrinter {
  aeTitle: string;
  /** Empty or absent: any calling AE title is welcome. */
  callingAeTitles?: readonly string[];
  /** Abstract syntaxes this printer accepts. */
  abstractSyntaxes: ReadonlySet<string>;
  /** Transfer syntaxes for data sets, in our order of preference. */
  transferSyntaxes: readonly string[];
  /** Associations must come over TLS: a plain one is rejected (see decideAssociation). */
  requiresSecureTransport?: boolean;
}

export interface AcceptanceSettings {
  findPrinter(calledAeTitle: string): AcceptingPrinter | undefined;
  /** True when one more association would exceed the configured limit. */
  atCapacity(): boolean;
  /** The association arrives over TLS (PS3.15 Annex B); absent: plain TCP. */
  secureTransport?: boolean;
  /** True when memory for data sets in flight is nearly used up: a new association must wait. */
  congested?(): boolean;
  maxPduLength: number;
  implementationClassUid: string;
  implementationVersionName: string;
}

export function decideAssociation(rq: AssociateRq, s: AcceptanceSettings): AssociateDecision {
  if (rq.applicationContext !== Uid.ApplicationContext) {
    return {
      reject: Reject['application-context-name-not-supported'],
      why: `application context ${rq.applicationContext}`,
    };
  }
  const printer = s.findPrinter(rq.calledAeTitle);
  if (!printer) {
    return {
      reject: Reject['called-ae-title-not-recognized'],
      why: `called AE title "${rq.calledAeTitle}" is not a printer here`,
    };
  }
  // PS3.8 has no reason for "use TLS": permanent (retrying plain cannot help), service-user,
  // no-reason-given, as a printer that refuses for a reason of its own. Checked before the calling
  // AE allow-list, which a plain connection is not told about.
  if (printer.requiresSecureTransport && !s.secureTransport) {
    return {
      reject: Reject['no-reason-given'],
      why: `${printer.aeTitle} accepts associations over TLS only`,
    };
  }
  if (printer.callingAeTitles?.length && !printer.callingAeTitles.includes(rq.callingAeTitle)) {
    return {
      reject: Reject['calling-ae-title-not-recognized'],
      why: `calling AE title "${rq.callingAeTitle}" is not allowed on ${printer.aeTitle}`,
    };
  }
  if (s.atCapacity()) {
    return { reject: Reject['local-limit-exceeded'], why: 'concurrent association limit reached' };
  }
  if (s.congested?.()) {
    return {
      reject: Reject['temporary-congestion'],
      why: 'in-flight memory budget exhausted (--max-inflight)',
    };
  }
  return { accept: buildAccept(rq, printer, s) };
}

/**
 * PS3.7 D.3.3.4: the acceptor may only agree to roles the requestor proposed. We act as SCP of
 * every class we accept, never as SCU, so the requestor's SCU role is accepted and the SCP role
 * (us as SCU) is refused.
 */
function answerRole(r: RoleSelection): RoleSelection {
  return { sopClassUid: r.sopClassUid, scuRole: r.scuRole ? 1 : 0, scpRole: 0 };
}

export function buildAccept(rq: AssociateRq, printer: AcceptingPrinter, s: AcceptanceSettings): AssociateAc {
  const roles = new Map(rq.userInfo.roleSelections.map((r) => [r.sopClassUid, r]));
  const seen = new Set<number>();
  const contexts: PresentationContextAc[] = [];
  for (const pc of rq.presentationContexts) {
    if (seen.has(pc.id)) continue; // one answer per ID; a repeated ID is ignored
    seen.add(pc.id);
    const first = pc.transferSyntaxes[0] ?? Uid.ImplicitVrLittleEndian;
    // PS3.8 9.3.2.2: presentation context IDs are odd integers.
    if (pc.id % 2 === 0) {
      contexts.push({ id: pc.id, result: PcResult.NoReason, transferSyntax: first });
      continue;
    }
    if (!printer.abstractSyntaxes.has(pc.abstractSyntax)) {
      contexts.push({ id: pc.id, result: PcResult.AbstractSyntaxNotSupported, transferSyntax: first });
      continue;
    }
    const ts = printer.transferSyntaxes.find((t) => pc.transferSyntaxes.includes(t));
    if (!ts) {
      contexts.push({ id: pc.id, result: PcResult.TransferSyntaxesNotSupported, transferSyntax: first });
      continue;
    }
    const role = roles.get(pc.abstractSyntax);
    if (role && !role.scuRole) {
      // The requestor refuses to be SCU and we will not be its SCU: nothing could be done here.
      contexts.push({ id: pc.id, result: PcResult.UserRejection, transferSyntax: ts });
      continue;
    }
    contexts.push({ id: pc.id, result: PcResult.Acceptance, transferSyntax: ts });
  }

  const accepted = new Set(
    contexts
      .filter((c) => c.result === PcResult.Acceptance)
      .map((c) => rq.presentationContexts.find((p) => p.id === c.id)!.abstractSyntax),
  );
  const userInfo = emptyUserInfo();
  userInfo.maxLength = s.maxPduLength;
  userInfo.implementationClassUid = s.implementationClassUid;
  userInfo.implementationVersionName = s.implementationVersionName;
  // Asynchronous operations are not offered: answer 1/1 only when asked (PS3.7 D.3.3.3).
  if (rq.userInfo.asyncOpsWindow) userInfo.asyncOpsWindow = { maxInvoked: 1, maxPerformed: 1 };
  userInfo.roleSelections = rq.userInfo.roleSelections
    .filter((r) => accepted.has(r.sopClassUid))
    .map(answerRole);
  // PS3.7 D.3.3.7: identity is not checked; a requested positive response gets an empty one.
  if (rq.userInfo.userIdentity?.positiveResponseRequested) {
    userInfo.userIdentityServerResponse = Buffer.alloc(0);
  }
  return {
    type: 'A-ASSOCIATE-AC',
    protocolVersion: 1,
    calledAeTitle: rq.calledAeTitle,
    callingAeTitle: rq.callingAeTitle,
    applicationContext: Uid.ApplicationContext,
    presentationContexts: contexts,
    userInfo,
  };
}
