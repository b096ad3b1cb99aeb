/**
 * Proxy mode's pure steps (the socket edge in dicom-connection.ts performs them): the response a
 * modality gets from the printer's, the one it gets when the printer gave none, and a request
 * restated in Lightbox's own instance UIDs for its own handler.
 */
import type { AssembledMessage } from '../dicom/dimse/assembler.js';
import { type CommandSet, NO_DATA_SET, RESPONSE_BIT } from '../dicom/dimse/command-fields.js';
import { encodeDataset } from '../dicom/dimse/dataset.js';
import { Status } from '../dicom/dimse/status.js';
import { requestSopClass, responseCommand } from '../dicom/service/dispatcher.js';
import type { InstanceNames, UpstreamAnswer } from './upstream.js';

/**
 * The printer's response as the modality's: every field the printer set (status, Error Comment,
 * Offending Element, Affected SOP Instance UID...), under the modality's Message ID, with the
 * printer's data set re-encoded in the modality's transfer syntax. A data set that cannot be
 * encoded is left out (`encodeError` says why).
 */
export function relayedResponse(
  request: CommandSet,
  answer: UpstreamAnswer,
  transferSyntax: string,
): { command: CommandSet; dataset?: Buffer; encodeError?: string } {
  let dataset: Buffer | undefined;
  let encodeError: string | undefined;
  if (answer.dataset && Object.keys(answer.dataset).length > 0) {
    try {
      dataset = encodeDataset(answer.dataset, transferSyntax);
    } catch (e) {
      encodeError = (e as Error).message;
    }
  }
  const command: CommandSet = {
    ...answer.command,
    commandField: (request.commandField | RESPONSE_BIT) & 0xffff,
    messageIdBeingRespondedTo: request.messageId ?? 0,
    commandDataSetType: dataset ? 0 : NO_DATA_SET,
    status: answer.command.status ?? Status.ProcessingFailure.code,
  };
  delete command.messageId;
  return { command, ...(dataset ? { dataset } : {}), ...(encodeError ? { encodeError } : {}) };
}

/** No answer from the printer: 0x0110 Processing Failure, the reason in Error Comment. */
export function noAnswerResponse(request: CommandSet, why: string): CommandSet {
  return responseCommand(
    request,
    { status: 'ProcessingFailure', errorComment: why },
    requestSopClass(request),
    false,
  );
}

/** The request as Lightbox's own handler must see it: the instance it names is Lightbox's. */
export function inOurNames(m: AssembledMessage, names: InstanceNames): AssembledMessage {
  const c = m.command;
  if (!c.requestedSopInstanceUid) return m;
  return { ...m, command: { ...c, requestedSopInstanceUid: names.ours(c.requestedSopInstanceUid) } };
}
