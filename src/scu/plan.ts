/**
 * A print session to send, as data: the presentation contexts to propose and the requests in
 * order, each with what the original peer answered when there was one (a replay), so the same
 * runner prints a stored film and replays a recorded association, and the diff compares answers.
 */
import type { DcmDataset, RecordedAttribute } from '../dicom/dimse/dataset.js';
import type { ProposedContext } from './proposal.js';

export type Operation = 'C-ECHO' | 'N-CREATE' | 'N-SET' | 'N-GET' | 'N-ACTION' | 'N-DELETE';

/** What the original SCP answered to a step (replays only). */
export interface OriginalAnswer {
  status?: number;
  errorComment?: string;
  /** The response's data set as recorded (N-CREATE, N-GET, N-ACTION). */
  attributes?: RecordedAttribute[];
  /** The instance the response named (an N-CREATE's new UID). */
  sopInstance?: string;
}

export interface Step {
  operation: Operation;
  sopClassUid: string;
  /** The abstract syntax whose context carries it (a Meta SOP class for most print objects). */
  context: string;
  /**
   * The instance, as the original session named it: UIDs the original SCP created are replaced
   * by those the new one creates (see uid-map.ts). Absent: an N-CREATE letting the SCP choose.
   */
  instance?: string;
  dataset?: DcmDataset;
  actionTypeId?: number;
  attributeIdentifierList?: number[];
  /** Skipped, not failed, when its context was not accepted (a Presentation LUT the printer lacks). */
  optional?: boolean;
  /** The original message's position in its record, for the report. */
  recordIndex?: number;
  original?: OriginalAnswer;
  /** What could not be sent exactly as the original was (values cut in the record, pixels made up). */
  notes?: string[];
}

export interface Plan {
  /** What is sent: "association a12", "film 2026...-01". */
  source: string;
  callingAeTitle: string;
  contexts: ProposedContext[];
  steps: Step[];
  /** Notes about the plan as a whole (e.g. refused contexts of the original not proposed). */
  notes: string[];
}
