/**
 * What a requestor proposes (PS3.8 7.1.1, PS3.7 D.3.3) and what it may use of the answer: pure,
 * so the A-ASSOCIATE-RQ and the context choice are unit-tested without a socket.
 */
import { Implementation, Uid } from '../dicom/uids.js';
import {
  type AssociateAc,
  type AssociateRq,
  emptyUserInfo,
  PcResult,
  type PresentationContextRq,
} from '../dicom/ul/pdu.js';
import { ScuError } from './scu-error.js';

/** One presentation context to propose: an abstract syntax and the transfer syntaxes we can use. */
export interface ProposedContext {
  abstractSyntax: string;
  /** In our order of preference; default Explicit then Implicit VR Little Endian. */
  transferSyntaxes?: readonly string[];
}

/** A context the acceptor accepted: where requests of that abstract syntax go, and their encoding. */
export interface AcceptedContext {
  id: number;
  abstractSyntax: string;
  transferSyntax: string;
}

export interface Proposal {
  callingAeTitle: string;
  calledAeTitle: string;
  contexts: readonly ProposedContext[];
  /** The largest P-DATA-TF PDU we accept, advertised as Maximum Length. */
  maxPduLength: number;
}

/** Data sets can be read and written in these two only (src/dicom/dimse/dataset.ts). */
export const DEFAULT_TRANSFER_SYNTAXES: readonly string[] = [
  Uid.ExplicitVrLittleEndian,
  Uid.ImplicitVrLittleEndian,
];

/** PS3.8 9.3.2.2: at most 128 contexts, odd IDs 1..255. */
const MAX_CONTEXTS = 128;
/** AE titles: 1 to 16 characters of the default repertoire, not all spaces (PS3.5 6.2). */
const AE_TITLE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/;

function checkAeTitle(what: string, ae: string): void {
  if (!AE_TITLE.test(ae) || ae.trim() === '')
    throw new ScuError('usage', `${what} AE title "${ae}" is not 1-16 printable characters`);
}

export function associateRequest(p: Proposal): AssociateRq {
  checkAeTitle('calling', p.callingAeTitle);
  checkAeTitle('called', p.calledAeTitle);
  if (p.contexts.length === 0 || p.contexts.length > MAX_CONTEXTS)
    throw new ScuError('usage', `${p.contexts.length} presentation contexts proposed: 1 to ${MAX_CONTEXTS}`);
  const presentationContexts: PresentationContextRq[] = p.contexts.map((c, i) => ({
    id: 2 * i + 1,
    abstractSyntax: c.abstractSyntax,
    transferSyntaxes: [...(c.transferSyntaxes ?? DEFAULT_TRANSFER_SYNTAXES)],
  }));
  return {
    type: 'A-ASSOCIATE-RQ',
    protocolVersion: 1,
    calledAeTitle: p.calledAeTitle,
    callingAeTitle: p.callingAeTitle,
    applicationContext: Uid.ApplicationContext,
    presentationContexts,
    userInfo: {
      ...emptyUserInfo(),
      maxLength: p.maxPduLength,
      implementationClassUid: Implementation.classUid,
      implementationVersionName: Implementation.versionName,
    },
  };
}

/**
 * The contexts the acceptor accepted, each with the abstract syntax we proposed under its ID and
 * the transfer syntax it chose. A chosen transfer syntax we did not offer is not used (PS3.8
 * 9.3.3.2: the acceptor picks one of ours).
 */
export function acceptedContexts(rq: AssociateRq, ac: AssociateAc): AcceptedContext[] {
  const out: AcceptedContext[] = [];
  for (const pc of ac.presentationContexts) {
    if (pc.result !== PcResult.Acceptance) continue;
    const proposed = rq.presentationContexts.find((p) => p.id === pc.id);
    if (!proposed?.transferSyntaxes.includes(pc.transferSyntax)) continue;
    out.push({ id: pc.id, abstractSyntax: proposed.abstractSyntax, transferSyntax: pc.transferSyntax });
  }
  return out;
}
