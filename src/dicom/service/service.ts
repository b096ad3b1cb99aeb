/**
 * The contract between the DIMSE dispatcher and the services that implement SOP classes.
 * A service is a list of routes (SOP class x DIMSE command -> handler); the dispatcher does the
 * protocol checks common to all of them, so handlers only implement PS3.4 behaviour.
 */
import type { CommandSet } from '../dimse/command-fields.js';
import type { DcmDataset } from '../dimse/dataset.js';
import type { StatusName } from '../dimse/status.js';

export interface ContextInfo {
  id: number;
  abstractSyntax: string;
  transferSyntax: string;
}

/** An N-EVENT-REPORT the SCP sends to the SCU (PS3.7 10.1.1). */
export interface EventNotification {
  /** Abstract syntaxes it may travel on, in order of preference; the first accepted one is used. */
  abstractSyntaxes: readonly string[];
  sopClassUid: string;
  sopInstanceUid: string;
  eventTypeId: number;
  dataset?: DcmDataset;
}

export interface AssociationInfo {
  id: string;
  callingAeTitle: string;
  calledAeTitle: string;
  peerAddress: string;
  /** The presentation contexts accepted on this association. */
  contexts: readonly ContextInfo[];
  /**
   * Queue an N-EVENT-REPORT; it is sent when no request of the SCU is being processed and the
   * previous event was answered. Resolves with the SCU's status, or undefined when it could not
   * be sent or was not answered (no context, association ended, timeout).
   */
  notify(n: EventNotification): Promise<number | undefined>;
  /** Called once when the association ends, however it ends. */
  onEnd(fn: () => void): void;
}

export interface DimseRequest {
  association: AssociationInfo;
  context: ContextInfo;
  /** The specific SOP class the command names (Affected or Requested SOP Class UID). */
  sopClassUid: string;
  /** The SOP instance the command names, when it names one. */
  sopInstanceUid?: string;
  command: CommandSet;
  dataset?: DcmDataset;
}

export interface DimseReply {
  status: StatusName;
  /** Why, for anything but plain success (PS3.7 C: Error Comment, at most 64 characters). */
  errorComment?: string;
  errorId?: number;
  offendingElement?: number[];
  attributeIdentifierList?: number[];
  affectedSopInstanceUid?: string;
  actionTypeId?: number;
  eventTypeId?: number;
  dataset?: DcmDataset;
  /** Leave Affected SOP Class UID out of the response (a printer quirk some SCUs must cope with). */
  omitAffectedSopClassUid?: boolean;
  /**
   * The printer's own state decided this answer, not the request (printer FAILURE, queue full, disk
   * full): kept on the record so that a verdict does not hold it against the SCU.
   */
  cause?: string;
  /**
   * Told the answer the SCU got in the end, which may not be this reply's (a lab fault's forced
   * status; in proxy mode the real printer's, `relayed`): a handler that keeps what it answered
   * (an image box's statuses, in film.json) keeps that instead.
   */
  told?: (got: ToldAnswer, relayed: boolean) => void;
}

/** The status and Error Comment an SCU got for a request. */
export interface ToldAnswer {
  status: number;
  errorComment?: string;
}

export type DimseHandler = (req: DimseRequest) => DimseReply | Promise<DimseReply>;

export interface ServiceRoute {
  /** Specific SOP classes this route serves (never a meta class). */
  sopClasses: readonly string[];
  /** The request Command Field, e.g. CommandField.C_ECHO_RQ. */
  command: number;
  handler: DimseHandler;
}

export interface Service {
  name: string;
  /** Abstract syntaxes this service makes acceptable, each with the SOP classes usable on it. */
  abstractSyntaxes: Readonly<Record<string, readonly string[]>>;
  routes: readonly ServiceRoute[];
  /** An association was accepted with at least one of this service's abstract syntaxes. */
  associated?(a: AssociationInfo): void;
}
