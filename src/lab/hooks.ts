/**
 * What the network edge asks the test lab at each step of an association, and what it gets back:
 * plain plans it performs (refuse, shorten the max PDU, answer another status, wait, drop). The
 * lab decides (pure FaultBook); the connection does the I/O. Absent hooks: a well-behaved printer.
 */
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { DimseReply } from '../dicom/service/service.js';
import type { DropSpec } from './resolve.js';

export type { DropSpec };

/** "f3 N-SET on Basic Grayscale Image Box answers 0xC605 Insufficient memory": what fired, for logs. */
export type Fired = string;

export interface AssociatePlan {
  fired: Fired[];
  /** Refuse instead of accepting (A-ASSOCIATE-RJ). */
  reject?: { result: 1 | 2; source: 1 | 2 | 3; reason: number };
  /** Advertise this Maximum Length instead of --max-pdu. */
  maxPduLength?: number;
  /** Drop right after the A-ASSOCIATE-AC. */
  drop?: DropSpec;
}

export interface RequestFacts {
  /** "N-SET", "C-ECHO"... */
  command: string;
  sopClassUid: string;
  dataset?: DcmDataset;
}

export interface RequestPlan {
  fired: Fired[];
  /** Answer this instead (for a drop: a failure, so the handler does not run; it is never sent). */
  reply?: DimseReply;
  delayMs?: number;
  /** Drop the association instead of answering. */
  drop?: DropSpec;
}

export interface FaultHooks {
  /**
   * An association the printer would accept. `notice` is told of printer-level faults (status
   * scripts) fired while it stays open; detach() ends that.
   */
  onAssociate(printer: string, association: string, notice: (f: Fired) => void): AssociatePlan | undefined;
  /** A valid request, its data set decoded, before the handler runs. */
  onRequest(printer: string, association: string, r: RequestFacts): RequestPlan | undefined;
  /** The association's `index`th request (1-based) was answered: drop now? */
  afterRequest(printer: string, association: string, index: number): AssociatePlan | undefined;
  detach(association: string): void;
}
