/**
 * From one assembled DIMSE request to its response: the protocol checks every SOP class shares
 * (PS3.7 9.1, 10.1), the handler call, and the response command. Never throws: whatever goes
 * wrong becomes a failure status with the reason in Error Comment.
 */
import type { AssembledMessage } from '../dimse/assembler.js';
import {
  CommandField,
  type CommandSet,
  commandName,
  NO_DATA_SET,
  RESPONSE_BIT,
} from '../dimse/command-fields.js';
import {
  asDatasetError,
  DatasetError,
  type DcmDataset,
  decodeDataset,
  encodeDataset,
  placeSpilled,
} from '../dimse/dataset.js';
import { Status, type StatusName, statusCategory } from '../dimse/status.js';
import { Uid } from '../uids.js';
import type { ServiceRegistry } from './registry.js';
import type { AssociationInfo, ContextInfo, DimseReply, DimseRequest, ToldAnswer } from './service.js';

export interface DispatchResult {
  command: CommandSet;
  dataset?: Buffer;
  /** The request's SOP class as we understood it, for logs. */
  sopClassUid?: string;
  /** The request's data set as decoded (when it had one that parsed), for the association record. */
  request?: DcmDataset;
  /** The response's data set before encoding, for the association record. */
  response?: DcmDataset;
  /** The printer state that decided the answer, when one did (DimseReply.cause). */
  cause?: string;
}

/** Requests whose SOP class is in Affected SOP Class UID; the rest use Requested SOP Class UID. */
const AFFECTED_CLASS_REQUESTS: ReadonlySet<number> = new Set([
  CommandField.C_ECHO_RQ,
  CommandField.C_STORE_RQ,
  CommandField.C_FIND_RQ,
  CommandField.C_GET_RQ,
  CommandField.C_MOVE_RQ,
  CommandField.N_CREATE_RQ,
  CommandField.N_EVENT_REPORT_RQ,
]);

const C_SERVICES: ReadonlySet<number> = new Set([
  CommandField.C_ECHO_RQ,
  CommandField.C_STORE_RQ,
  CommandField.C_FIND_RQ,
  CommandField.C_GET_RQ,
  CommandField.C_MOVE_RQ,
]);

export const ERROR_COMMENT_MAX = 64;

/** The SOP classes whose N-SET answers 0xC605 when there is no memory for the image. */
const IMAGE_BOX_CLASSES: ReadonlySet<string> = new Set([Uid.BasicGrayscaleImageBox, Uid.BasicColorImageBox]);

export function requestSopClass(cmd: CommandSet): string | undefined {
  return AFFECTED_CLASS_REQUESTS.has(cmd.commandField) ? cmd.affectedSopClassUid : cmd.requestedSopClassUid;
}

function requestSopInstance(cmd: CommandSet): string | undefined {
  return cmd.commandField === CommandField.N_CREATE_RQ || cmd.commandField === CommandField.N_EVENT_REPORT_RQ
    ? cmd.affectedSopInstanceUid
    : cmd.requestedSopInstanceUid;
}

/** Build the response command for a request and a reply (PS3.7 9.3, 10.3 response parameters). */
export function responseCommand(
  req: CommandSet,
  reply: DimseReply,
  sopClassUid: string | undefined,
  hasData: boolean,
): CommandSet {
  const cmd: CommandSet = {
    commandField: (req.commandField | RESPONSE_BIT) & 0xffff,
    messageIdBeingRespondedTo: req.messageId ?? 0,
    commandDataSetType: hasData ? 0x0000 : NO_DATA_SET,
    status: Status[reply.status].code,
  };
  // Picky SCUs need Affected SOP Class (and Instance) UID in every response (shared/peers README).
  if (sopClassUid && !reply.omitAffectedSopClassUid) cmd.affectedSopClassUid = sopClassUid;
  const instance = reply.affectedSopInstanceUid ?? requestSopInstance(req);
  if (instance && req.commandField !== CommandField.C_ECHO_RQ) cmd.affectedSopInstanceUid = instance;
  if (reply.errorComment) cmd.errorComment = reply.errorComment.slice(0, ERROR_COMMENT_MAX);
  if (reply.errorId !== undefined) cmd.errorId = reply.errorId;
  if (reply.offendingElement?.length) cmd.offendingElement = reply.offendingElement;
  if (reply.attributeIdentifierList?.length) cmd.attributeIdentifierList = reply.attributeIdentifierList;
  if (reply.actionTypeId !== undefined) cmd.actionTypeId = reply.actionTypeId;
  if (reply.eventTypeId !== undefined) cmd.eventTypeId = reply.eventTypeId;
  return cmd;
}

function fail(status: StatusName, errorComment: string): DimseReply {
  return { status, errorComment };
}

export interface DispatchOptions {
  registry: ServiceRegistry;
  context: ContextInfo;
  association: AssociationInfo;
  /** The request's Message ID is that of another request still outstanding. */
  duplicate: boolean;
  /**
   * Test-lab hook (src/lab): a reply instead of the handler's, asked once the request passed the
   * checks and its data set decoded. A failure answers without running the handler (nothing
   * changes); a success or warning runs it and replaces its status, unless the handler failed.
   */
  override?(req: DimseRequest): DimseReply | undefined;
  /**
   * The request's data set as the handler gets it, from the one received (proxy mode: the UIDs the
   * real printer made, which the modality uses, become ours). The record keeps the received one.
   */
  rewrite?(ds: DcmDataset): DcmDataset;
  /** Proxy mode: the answer the SCU was told for this request (the real printer's). */
  told?: ToldAnswer;
}

export async function dispatch(msg: AssembledMessage, o: DispatchOptions): Promise<DispatchResult> {
  const cmd = msg.command;
  const sopClassUid = requestSopClass(cmd);
  const decoded: { ds?: DcmDataset } = {};
  const reply = await decide(msg, sopClassUid, o, decoded);
  let dataset: Buffer | undefined;
  let final = reply;
  if (reply.dataset && Object.keys(reply.dataset).length > 0) {
    try {
      dataset = encodeDataset(reply.dataset, o.context.transferSyntax);
    } catch (e) {
      final = fail('ProcessingFailure', `response data set could not be encoded: ${(e as Error).message}`);
    }
  }
  const result: DispatchResult = {
    command: responseCommand(cmd, final, sopClassUid, dataset !== undefined),
    dataset,
    sopClassUid,
    request: decoded.ds,
    response: dataset ? reply.dataset : undefined,
  };
  if (final.cause) result.cause = final.cause;
  // What the handler keeps of its answer follows what the SCU was told (a forced or relayed status).
  const ours: ToldAnswer = { status: Status[final.status].code };
  if (result.command.errorComment) ours.errorComment = result.command.errorComment;
  reply.told?.(o.told ?? ours, o.told !== undefined);
  return result;
}

async function decide(
  msg: AssembledMessage,
  sopClassUid: string | undefined,
  o: DispatchOptions,
  decoded: { ds?: DcmDataset },
): Promise<DimseReply> {
  const cmd = msg.command;
  const name = commandName(cmd.commandField);
  const isC = C_SERVICES.has(cmd.commandField);
  if (cmd.messageId === undefined) return fail('MistypedArgument', `${name} without Message ID`);
  if (o.duplicate) {
    return fail('DuplicateInvocation', `Message ID ${cmd.messageId} is still outstanding`);
  }
  if (!sopClassUid)
    return fail(isC ? 'SopClassNotSupported' : 'NoSuchSopClass', `${name} without SOP Class UID`);
  if (!o.registry.allowsOn(o.context.abstractSyntax, sopClassUid)) {
    return fail(
      isC ? 'SopClassNotSupported' : 'NoSuchSopClass',
      `SOP class ${sopClassUid} not negotiated on context ${o.context.id}`,
    );
  }
  const handler = o.registry.handler(sopClassUid, cmd.commandField);
  if (!handler)
    return fail('UnrecognizedOperation', `${name} is not an operation of SOP class ${sopClassUid}`);

  const req: DimseRequest = {
    association: o.association,
    context: o.context,
    sopClassUid,
    command: cmd,
  };
  const instance = requestSopInstance(cmd);
  if (instance) req.sopInstanceUid = instance;
  if (msg.datasetOverLimit) {
    return fail('ResourceLimitation', `data set of ${msg.datasetLength} bytes exceeds the configured limit`);
  }
  if (msg.datasetOverBudget) {
    // PS3.4 H.4.3.1.2: an image box has its own status for "no memory for this image" (0xC605).
    const imageBox = cmd.commandField === CommandField.N_SET_RQ && IMAGE_BOX_CLASSES.has(sopClassUid);
    return fail(
      imageBox ? 'InsufficientMemory' : 'ResourceLimitation',
      `no memory for a data set of ${msg.datasetLength} bytes now (--max-inflight)`,
    );
  }
  if (msg.datasetError) {
    const e = asDatasetError(msg.datasetError);
    if (e instanceof DatasetError) return fail('ProcessingFailure', e.message);
    throw e;
  }
  if (msg.dataset) {
    let ds: DcmDataset;
    try {
      ds = decodeDataset(msg.dataset, o.context.transferSyntax);
    } catch (e) {
      if (e instanceof DatasetError) return fail('ProcessingFailure', e.message);
      throw e;
    }
    if (msg.spilled && !placeSpilled(ds, msg.spilled.path, msg.spilled.value))
      return fail('ProcessingFailure', 'data set does not parse: streamed value out of place');
    req.dataset = o.rewrite ? o.rewrite(ds) : ds;
    decoded.ds = ds;
  }
  const forced = o.override?.(req);
  const failed = (r: DimseReply) => statusCategory(Status[r.status].code) === 'failure';
  if (forced && failed(forced)) return forced;
  let reply: DimseReply;
  try {
    reply = await handler(req);
  } catch (e) {
    // A handler bug must not end the association: answer Processing Failure and go on.
    reply = fail('ProcessingFailure', `internal error: ${(e as Error)?.message ?? String(e)}`);
  }
  // A real failure is never hidden behind a forced success or warning.
  if (!forced || failed(reply)) return reply;
  return { ...reply, status: forced.status, errorComment: forced.errorComment ?? reply.errorComment };
}
