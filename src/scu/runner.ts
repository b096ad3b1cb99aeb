/**
 * Runs a Plan over one association: proposes its contexts, sends each step (UIDs the original
 * SCP created rewritten to the new SCP's), records every answer, releases. Whatever the peer
 * answers is a result, not an error; a step that cannot be sent (context refused, association
 * gone) is recorded as such and the rest of the session is not attempted once the association
 * is gone.
 */
import { CommandField, commandName } from '../dicom/dimse/command-fields.js';
import { type DcmDataset, type RecordedAttribute, recordDataset } from '../dicom/dimse/dataset.js';
import { statusCategory } from '../dicom/dimse/status.js';
import type { AssociateRj } from '../dicom/ul/pdu.js';
import type { MessageRecord } from '../store/association-record.js';
import type { Operation, Plan, Step } from './plan.js';
import {
  type DimseResponse,
  type EventReport,
  type ExchangedMessage,
  Requestor,
  type RequestorOptions,
} from './requestor.js';
import { ScuError, type ScuErrorKind } from './scu-error.js';
import { type Target, targetText } from './target.js';
import { UidMap } from './uid-map.js';

export interface StepResult {
  index: number;
  operation: Operation;
  sopClassUid: string;
  /** The instance as sent (after the UID map). */
  instance?: string;
  status?: number;
  errorComment?: string;
  /** The response's data set, as association records keep it. */
  attributes?: RecordedAttribute[];
  /** The instance the response named (an N-CREATE's new UID). */
  sopInstance?: string;
  ms?: number;
  /** Why it was not sent, or what went wrong sending it. */
  skipped?: string;
  error?: string;
}

export interface RunResult {
  source: string;
  target: string;
  callingAeTitle: string;
  startedAt: string;
  endedAt: string;
  /** Accepted contexts as "abstract syntax: transfer syntax"; refused ones are not there. */
  accepted: string[];
  peerMaxPduLength?: number;
  /** How the association ended ('not-associated' when it never opened). */
  ending: string;
  /** Why the run stopped early, if it did. */
  error?: string;
  /** What kind of error that was (connect, rejected, timeout...). */
  errorKind?: ScuErrorKind;
  /** The peer's A-ASSOCIATE-RJ, when it rejected the association. */
  rejection?: AssociateRj;
  /** Whether a retry may help with that error (peer down, busy, timeout). */
  transient?: boolean;
  steps: StepResult[];
  events: EventReport[];
  /** original UID -> new UID */
  uids: Record<string, string>;
  /** Every message exchanged, as association records keep them ('out': ours). */
  messages: MessageRecord[];
}

export interface RunOptions {
  callingAeTitle?: string;
  timeouts?: RequestorOptions['timeouts'];
  maxPduLength?: number;
  /** DICOM TLS toward the target; absent: plain TCP. */
  tls?: RequestorOptions['tls'];
}

const COMMANDS: Record<Operation, number> = {
  'C-ECHO': CommandField.C_ECHO_RQ,
  'N-CREATE': CommandField.N_CREATE_RQ,
  'N-SET': CommandField.N_SET_RQ,
  'N-GET': CommandField.N_GET_RQ,
  'N-ACTION': CommandField.N_ACTION_RQ,
  'N-DELETE': CommandField.N_DELETE_RQ,
};
const MAX_MESSAGES = 10_000;

export async function runPlan(plan: Plan, target: Target, o: RunOptions = {}): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const messages: MessageRecord[] = [];
  const callingAeTitle = o.callingAeTitle ?? plan.callingAeTitle;
  const result: RunResult = {
    source: plan.source,
    target: targetText(target),
    callingAeTitle,
    startedAt,
    endedAt: startedAt,
    accepted: [],
    ending: 'not-associated',
    steps: [],
    events: [],
    uids: {},
    messages,
  };
  let r: Requestor;
  try {
    r = await Requestor.open({
      host: target.host,
      port: target.port,
      calledAeTitle: target.aeTitle,
      callingAeTitle,
      contexts: plan.contexts,
      timeouts: o.timeouts,
      maxPduLength: o.maxPduLength,
      ...(o.tls ? { tls: o.tls } : {}),
      onMessage: (m) => {
        if (messages.length < MAX_MESSAGES) messages.push(messageRecord(m));
      },
    });
  } catch (e) {
    const err = e instanceof ScuError ? e : new ScuError('closed', String(e));
    result.error = err.message;
    result.errorKind = err.kind;
    if (err.rejection) result.rejection = err.rejection;
    result.transient = err.transient;
    result.endedAt = new Date().toISOString();
    return result;
  }
  result.accepted = r.contexts.map((c) => `${c.abstractSyntax}: ${c.transferSyntax}`);
  result.peerMaxPduLength = r.peerMaxPduLength;
  const uids = new UidMap();
  for (const [index, step] of plan.steps.entries()) {
    const sr: StepResult = { index, operation: step.operation, sopClassUid: step.sopClassUid };
    result.steps.push(sr);
    if (result.error) {
      sr.skipped = 'not sent: the association ended';
      continue;
    }
    if (!r.accepted(step.context)) {
      sr.skipped = `not sent: ${step.context} was not accepted`;
      uids.drop(step.original?.sopInstance);
      if (!step.optional) sr.error = sr.skipped;
      continue;
    }
    if (step.instance && uids.isDropped(step.instance)) {
      sr.skipped = 'not sent: its instance was not created';
      continue;
    }
    try {
      const rsp = await send(r, step, uids, sr);
      sr.status = rsp.status;
      if (rsp.errorComment !== undefined) sr.errorComment = rsp.errorComment;
      if (rsp.dataset) sr.attributes = recordDataset(rsp.dataset);
      const created = rsp.command.affectedSopInstanceUid;
      if (created) sr.sopInstance = created;
      sr.ms = Math.round(rsp.ms * 10) / 10;
      if (statusCategory(rsp.status) !== 'failure')
        uids.learn(step.original, { sopInstance: created, dataset: rsp.dataset });
      else if (step.operation === 'N-CREATE') {
        // Not created: neither it nor the boxes it would have held can be named later.
        uids.drop(step.original?.sopInstance);
        uids.learn(step.original, {});
      }
    } catch (e) {
      const err = e instanceof ScuError ? e : new ScuError('closed', String(e));
      sr.error = err.message;
      if (err.kind !== 'not-negotiated' && err.kind !== 'usage') {
        result.error = err.message;
        result.errorKind = err.kind;
        result.transient = err.transient;
      }
    }
  }
  if (r.isOpen) await r.release();
  else r.abort('session over');
  result.events = r.events;
  result.ending = r.ending;
  result.uids = uids.entries();
  result.endedAt = new Date().toISOString();
  return result;
}

function send(r: Requestor, step: Step, uids: UidMap, sr: StepResult): Promise<DimseResponse> {
  const instance = step.instance === undefined ? undefined : uids.get(step.instance);
  if (instance !== undefined) sr.instance = instance;
  const dataset: DcmDataset | undefined = step.dataset ? uids.rewrite(step.dataset) : undefined;
  const creates = step.operation === 'N-CREATE' || step.operation === 'C-ECHO';
  return r.send({
    command: {
      commandField: COMMANDS[step.operation],
      ...(creates
        ? { affectedSopClassUid: step.sopClassUid, affectedSopInstanceUid: instance }
        : { requestedSopClassUid: step.sopClassUid, requestedSopInstanceUid: instance }),
      actionTypeId: step.actionTypeId,
      attributeIdentifierList: step.attributeIdentifierList,
    },
    context: step.context,
    dataset,
  });
}

/** A message exchanged by a requestor, as association records keep it ('out': ours). */
export function messageRecord(m: ExchangedMessage): MessageRecord {
  const c = m.command;
  return {
    at: m.at,
    direction: m.direction,
    type: commandName(c.commandField),
    contextId: m.contextId,
    messageId: c.messageId ?? c.messageIdBeingRespondedTo,
    sopClass: c.affectedSopClassUid ?? c.requestedSopClassUid,
    sopInstance: c.affectedSopInstanceUid ?? c.requestedSopInstanceUid,
    status: c.status,
    actionTypeId: c.actionTypeId,
    eventTypeId: c.eventTypeId,
    errorComment: c.errorComment,
    attributeIdentifierList: c.attributeIdentifierList,
    datasetBytes: m.datasetBytes,
    ...(m.dataset ? { attributes: recordDataset(m.dataset) } : {}),
  };
}
