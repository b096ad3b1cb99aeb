/**
 * Proxy mode, as the socket edge sees it: a real printer behind this association. The modality's
 * A-ASSOCIATE-RQ and each of its requests go there, and its answers come back; Lightbox still
 * answers every request itself too (the preview, the film), but the modality is told the printer's
 * answer. The SCU side (src/scu/proxy-link.ts) implements it over our own requestor.
 */
import type { Bytes } from '../dicom/chunked-bytes.js';
import type { CommandSet } from '../dicom/dimse/command-fields.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { EventNotification } from '../dicom/service/service.js';
import type { AssociateDecision } from '../dicom/ul/association.js';
import type { AssociateRq } from '../dicom/ul/pdu.js';
import type { Printer } from '../print/printer.js';
import type { UpstreamRecord } from '../store/association-record.js';

/** What the modality is told of us in the A-ASSOCIATE-AC (it talks to Lightbox, not the printer). */
export interface OurSide {
  maxPduLength: number;
  implementationClassUid: string;
  implementationVersionName: string;
}

/** The printer's response to a relayed request. */
export interface UpstreamAnswer {
  command: CommandSet;
  dataset?: DcmDataset;
  /** Why a data set that came is not in `dataset` (over the limit, or it did not parse). */
  datasetError?: string;
  ms: number;
}

export interface UpstreamHandlers {
  /** An N-EVENT-REPORT from the printer, to pass on to the modality. */
  event(n: EventNotification): void;
  /** The printer's association ended without us asking (abort, dropped connection). */
  lost(detail: string): void;
}

/**
 * The modality uses the instance UIDs the printer made; Lightbox's own objects (the preview) have
 * others. Learnt from each pair of responses to the same request, used to rewrite the request for
 * Lightbox's own handler.
 */
export interface InstanceNames {
  /** Lightbox's UID for one the printer made (itself when not known: a well-known instance). */
  ours(uid: string): string;
  /** A request's data set with the printer's UIDs in references replaced by ours. */
  rewrite(ds: DcmDataset): DcmDataset;
  learn(
    printer: { sopInstance?: string; dataset?: DcmDataset },
    ours: { sopInstance?: string; dataset?: DcmDataset },
  ): void;
}

/**
 * How a streamed request's bytes waiting to be sent (to the printer) are bounded and counted
 * (Requestor.stream; proxy mode's cut-through relay).
 */
export interface StreamFlow {
  /** Pause the source beyond this many bytes waiting (default 8 MiB); resume below a quarter of it. */
  highWater?: number;
  /**
   * Where the waiting bytes are counted (the in-flight budget), if anywhere: charged as they are
   * written, given back as they are sent or dropped.
   */
  memory?: { charge(n: number): void; give(n: number): void };
}

/** A request being relayed while its data set arrives. */
export interface UpstreamStream {
  /** False: too much waits to be sent, stop reading until whenLow() resolves. */
  write(part: Bytes): boolean;
  whenLow(): Promise<void>;
  end(): void;
  /** The data set will not come whole: the printer's association is aborted. */
  abort(detail: string): void;
  /** As request() resolves or rejects. */
  answer: Promise<UpstreamAnswer>;
}

export interface Upstream {
  readonly target: string;
  readonly names: InstanceNames;
  /** Associate with the printer for this A-ASSOCIATE-RQ: the modality's accept or rejection. */
  open(rq: AssociateRq, ours: OurSide): Promise<AssociateDecision>;
  /**
   * Relay one request received on the modality's context `contextId`; rejects with an Error
   * saying why there is no answer (timeout, association lost): the printer's state is unknown.
   */
  request(contextId: number, command: CommandSet, dataset: Bytes | undefined): Promise<UpstreamAnswer>;
  /**
   * Start relaying a request whose data set is still arriving (cut-through): its bytes go on as
   * they come; undefined when it cannot start (the request then goes whole, with request()).
   */
  stream(contextId: number, command: CommandSet, flow?: StreamFlow): UpstreamStream | undefined;
  /** A-RELEASE toward the printer (aborts when it does not answer in time); never throws. */
  release(): Promise<void>;
  abort(detail: string): void;
  summary(): UpstreamRecord;
}

export type UpstreamFactory = (printer: Printer, handlers: UpstreamHandlers) => Upstream | undefined;
