/**
 * Proxy mode's negotiation, pure: what Lightbox proposes to the real printer for a modality's
 * A-ASSOCIATE-RQ, and the A-ASSOCIATE-AC the modality then gets (the printer's answer, context by
 * context, under the modality's own context IDs), or the A-ASSOCIATE-RJ when there is none.
 */
import type { AssociateDecision } from '../dicom/ul/association.js';
import {
  type AssociateAc,
  type AssociateRq,
  emptyUserInfo,
  PcResult,
  type PresentationContextAc,
  Reject,
} from '../dicom/ul/pdu.js';
import type { OurSide } from '../net/upstream.js';
import { DEFAULT_TRANSFER_SYNTAXES, type ProposedContext } from './proposal.js';
import type { ScuError } from './scu-error.js';

export interface UpstreamProposal {
  contexts: ProposedContext[];
  /** The modality's context ID -> the ID of the context proposed for it upstream. */
  ids: Map<number, number>;
}

/**
 * The modality's contexts in its order, each with the transfer syntaxes Lightbox reads (a relayed
 * response is re-encoded, and the local preview decodes every request). A context with none of
 * them, or an even or repeated ID, is not proposed: the modality gets it refused.
 */
export function upstreamProposal(rq: AssociateRq): UpstreamProposal {
  const contexts: ProposedContext[] = [];
  const ids = new Map<number, number>();
  for (const pc of rq.presentationContexts) {
    if (pc.id % 2 === 0 || ids.has(pc.id)) continue;
    const transferSyntaxes = pc.transferSyntaxes.filter((t) => DEFAULT_TRANSFER_SYNTAXES.includes(t));
    if (transferSyntaxes.length === 0) continue;
    ids.set(pc.id, 2 * contexts.length + 1);
    contexts.push({ abstractSyntax: pc.abstractSyntax, transferSyntaxes });
  }
  return { contexts, ids };
}

/**
 * The modality's A-ASSOCIATE-AC from the printer's: each context accepted, with the transfer
 * syntax, exactly when the printer accepted it; our own Maximum Length and implementation (the
 * modality talks to us), 1/1 operations when asked (we relay one request at a time).
 */
export function modalityAccept(
  rq: AssociateRq,
  proposal: UpstreamProposal,
  upstream: AssociateAc,
  ours: OurSide,
): AssociateAc {
  const seen = new Set<number>();
  const presentationContexts: PresentationContextAc[] = [];
  for (const pc of rq.presentationContexts) {
    if (seen.has(pc.id)) continue;
    seen.add(pc.id);
    const first = pc.transferSyntaxes[0] ?? DEFAULT_TRANSFER_SYNTAXES[1]!;
    const upId = proposal.ids.get(pc.id);
    if (upId === undefined) {
      const result = pc.id % 2 === 0 ? PcResult.NoReason : PcResult.TransferSyntaxesNotSupported;
      presentationContexts.push({ id: pc.id, result, transferSyntax: first });
      continue;
    }
    const answer = upstream.presentationContexts.find((c) => c.id === upId);
    if (!answer) {
      presentationContexts.push({ id: pc.id, result: PcResult.NoReason, transferSyntax: first });
      continue;
    }
    // A transfer syntax the modality did not propose cannot be used (PS3.8 9.3.3.2): refused.
    if (answer.result === PcResult.Acceptance && !pc.transferSyntaxes.includes(answer.transferSyntax)) {
      presentationContexts.push({ id: pc.id, result: PcResult.NoReason, transferSyntax: first });
      continue;
    }
    presentationContexts.push({ id: pc.id, result: answer.result, transferSyntax: answer.transferSyntax });
  }
  const userInfo = emptyUserInfo();
  userInfo.maxLength = ours.maxPduLength;
  userInfo.implementationClassUid = ours.implementationClassUid;
  userInfo.implementationVersionName = ours.implementationVersionName;
  if (rq.userInfo.asyncOpsWindow) userInfo.asyncOpsWindow = { maxInvoked: 1, maxPerformed: 1 };
  if (rq.userInfo.userIdentity?.positiveResponseRequested)
    userInfo.userIdentityServerResponse = Buffer.alloc(0);
  return {
    type: 'A-ASSOCIATE-AC',
    protocolVersion: 1,
    calledAeTitle: rq.calledAeTitle,
    callingAeTitle: rq.callingAeTitle,
    applicationContext: rq.applicationContext,
    presentationContexts,
    userInfo,
  };
}

/**
 * When the printer does not accept: its own A-ASSOCIATE-RJ, as it sent it; when it cannot be
 * reached or does not answer in time, rejected-transient (docs/proxy.md#unreachable): the
 * modality tries again later, as it would if the printer were switched off.
 */
export function modalityRejection(e: ScuError, target: string): AssociateDecision {
  if (e.kind === 'rejected' && e.rejection) {
    const { result, source, reason } = e.rejection;
    return { reject: { result, source, reason }, why: `the printer ${target} rejected it: ${e.message}` };
  }
  return { reject: Reject['transient-no-reason-given'], why: `the printer ${target}: ${e.message}` };
}
