/**
 * What Lightbox keeps of an association: who, what was negotiated, how it ended, every DIMSE
 * message. The socket edge (src/net) fills it in through AssociationRecorder; the store keeps it
 * across restarts; the API and the conformance verdict read it back.
 */
import type { RecordedAttribute } from '../dicom/dimse/dataset.js';
import { statusCategory } from '../dicom/dimse/status.js';
import type { ContextInfo } from '../dicom/service/service.js';

/** One DIMSE message as the association record keeps it. */
export interface MessageRecord {
  at: number;
  direction: 'in' | 'out';
  type: string;
  contextId: number;
  messageId?: number;
  sopClass?: string;
  status?: number;
  datasetBytes: number;
  ms?: number;
  /** Affected or Requested SOP Instance UID. */
  sopInstance?: string;
  actionTypeId?: number;
  eventTypeId?: number;
  errorComment?: string;
  offendingElement?: number[];
  attributeIdentifierList?: number[];
  /** The data set, bounded (recordDataset); kept for the first messages of an association only. */
  attributes?: RecordedAttribute[];
  /** Test-lab fault(s) that fired on this message ("f3 next N-SET ... answers 0xC605 ..."). */
  fault?: string;
  /** The printer's own state that decided this response (printer FAILURE, queue full, disk full). */
  cause?: string;
  /**
   * Proxy mode, on a response relayed from the real printer: what Lightbox itself answered to the
   * request (its preview); absent when it did not perform it (the printer refused it).
   */
  lightbox?: { status: number; errorComment?: string };
  /** Proxy mode: how long the real printer took to answer (ms). */
  upstreamMs?: number;
  /**
   * Proxy mode, on a relayed request: its data set went on to the printer as it arrived
   * (cut-through), or once it was all here (whole).
   */
  relay?: 'cut-through' | 'whole';
}

/** One association as the API shows it: who, what was negotiated, how it went, every message. */
export interface AssociationSummary {
  id: string;
  peer: string;
  callingAeTitle?: string;
  calledAeTitle?: string;
  printer?: string;
  startedAt: string;
  endedAt?: string;
  state: string;
  ending: string;
  detail: string;
  /** Each presentation context as answered, for people ("1:Name:TransferSyntax" or "refused(n)"). */
  contexts: string[];
  /** The accepted presentation contexts, for programs (the verdict). */
  acceptedContexts: ContextInfo[];
  messages: MessageRecord[];
  /** Every test-lab fault that fired on this association, association-level ones included. */
  faults: string[];
  /** Over DICOM TLS: the session's protocol and suite, and the client certificate's subject if any. */
  tls?: TlsSession;
  /** Proxy mode: the real printer's association behind this one. */
  upstream?: UpstreamRecord;
  /** Several instances on one database: the one the association is (or was) with. */
  instance?: string;
}

/** What the record keeps of a proxied association's printer side. */
export interface UpstreamRecord {
  /** HOST:PORT:AE of the real printer. */
  target: string;
  tls: boolean;
  callingAeTitle?: string;
  /** Its contexts as accepted ("abstract syntax: transfer syntax"). */
  accepted: string[];
  ending: string;
  detail?: string;
  /**
   * Times the modality's socket was paused because more of an image than the relay's high water
   * waited for the printer (docs/proxy.md#backpressure); absent: never.
   */
  pausedForPrinter?: number;
  /** Live only: the modality's socket is paused for the printer now. */
  paused?: boolean;
}

/** What a TLS connection negotiated, as the association record shows it. */
export interface TlsSession {
  protocol: string;
  cipher: string;
  clientCertificate?: string;
}

/** How the socket edge reports associations; the store implements it. */
export interface AssociationRecorder {
  /** A new association id, never used before (also across restarts). */
  nextId(): string;
  /** A connection was accepted; `summary` reads its record while it lives. */
  opened(id: string, summary: () => AssociationSummary): void;
  /** The connection ended: its final record. */
  ended(summary: AssociationSummary): void;
}

/** Responses we sent, counted by category: the association list shows what went wrong at a glance. */
export function responseCounts(messages: readonly MessageRecord[]): { warnings: number; failures: number } {
  let warnings = 0;
  let failures = 0;
  for (const m of messages) {
    if (m.direction !== 'out' || m.status === undefined) continue;
    const c = statusCategory(m.status);
    if (c === 'warning') warnings++;
    else if (c === 'failure') failures++;
  }
  return { warnings, failures };
}
