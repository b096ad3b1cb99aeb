/**
 * The contract between the DIMSE dispatcher and the services that implement SOP classes.
 * A service is a list of routes (SOP class x DIMSE command -> handler); the dispatcher does the
 * protocol checks common to all of them, so handlers only implement PS3.4 behaviour.
 */
import type { CommandSet } from '../dicom/dimse/command-fields.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { StatusName } from '../dicom/dimse/status.js';

export interface ContextInfo {
  id: number;
  abstractSyntax: string;
  transferSyntax: string;
}

export interface AssociationInfo {
  id: string;
  callingAeTitle: string;
  calledAeTitle: string;
  peerAddress: string;
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
}
