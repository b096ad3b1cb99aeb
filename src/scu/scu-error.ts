/**
 * Why an SCU operation failed, as a kind a caller can branch on (retry a refused connection, not a
 * rejected association) and a sentence for people.
 */
import type { AssociateRj } from '../dicom/ul/pdu.js';

export type ScuErrorKind =
  /** TCP connect failed or timed out: the peer is not there. */
  | 'connect'
  /** The peer answered A-ASSOCIATE-RJ. */
  | 'rejected'
  /** An answer (A-ASSOCIATE-AC, a DIMSE response, A-RELEASE-RP) did not come in time. */
  | 'timeout'
  /** A-ABORT, from the peer or from us (a protocol error in what the peer sent). */
  | 'aborted'
  /** The connection closed under an operation. */
  | 'closed'
  /** The request cannot be sent: no accepted presentation context for it, or the association is not open. */
  | 'not-negotiated'
  /** A bad argument or option from the caller (never from the wire). */
  | 'usage';

export class ScuError extends Error {
  override name = 'ScuError';
  constructor(
    readonly kind: ScuErrorKind,
    message: string,
    /** The A-ASSOCIATE-RJ, for kind 'rejected'. */
    readonly rejection?: AssociateRj,
  ) {
    super(message);
  }

  /** True for failures a later attempt may not meet (peer down, busy, timed out, dropped). */
  get transient(): boolean {
    return (
      this.kind === 'connect' ||
      this.kind === 'timeout' ||
      this.kind === 'closed' ||
      this.kind === 'aborted' ||
      (this.kind === 'rejected' && this.rejection?.result === 2)
    );
  }
}
