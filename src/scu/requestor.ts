/**
 * One association that Lightbox requests, over a real socket: the requestor-side edge of the
 * pure Upper Layer machine (src/dicom/ul/association.ts) and the DIMSE codecs. It opens the
 * association, sends one request at a time (no asynchronous operations window is negotiated) and
 * awaits its response, answers the acceptor's N-EVENT-REPORTs, and releases or aborts.
 *
 * Bounded: every wait has a timeout (a timed-out request aborts the association: its state is
 * then unknown), received PDUs are limited to the Maximum Length we advertised, data sets to
 * maxDatasetBytes, and what we send is cut to the acceptor's Maximum Length, waiting for the socket
 * to drain between PDUs so a large data set is never buffered twice.
 */
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { type Bytes, ChunkedBytes, partsOf } from '../dicom/chunked-bytes.js';
import { type AssembledMessage, AssemblyError, MessageAssembler } from '../dicom/dimse/assembler.js';
import { encodeCommand } from '../dicom/dimse/command-codec.js';
import {
  CommandField,
  type CommandSet,
  commandName,
  isResponse,
  NO_DATA_SET,
  RESPONSE_BIT,
} from '../dicom/dimse/command-fields.js';
import { type DcmDataset, decodeDataset, encodeDataset } from '../dicom/dimse/dataset.js';
import { fragmentMessage, maxFragment } from '../dicom/dimse/fragmenter.js';
import { Status, statusCategory } from '../dicom/dimse/status.js';
import { Uid } from '../dicom/uids.js';
import { Association, type Ending, type Output } from '../dicom/ul/association.js';
import type { AssociateAc, AssociateRq, PDataTf } from '../dicom/ul/pdu.js';
import type { StreamFlow } from '../net/upstream.js';
import { writeParts } from '../net/write-parts.js';
import {
  type AcceptedContext,
  acceptedContexts,
  associateRequest,
  type ProposedContext,
} from './proposal.js';
import { ScuError } from './scu-error.js';

export interface Timeouts {
  /** TCP connect. */
  connectMs: number;
  /** From the A-ASSOCIATE-RQ to the A-ASSOCIATE-AC/RJ. */
  associateMs: number;
  /** From a request's first byte to its (final) response, unless the request says otherwise. */
  responseMs: number;
  /** From A-RELEASE-RQ to A-RELEASE-RP; also how long we wait for the close after an A-ABORT. */
  releaseMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 10_000,
  associateMs: 15_000,
  responseMs: 60_000,
  releaseMs: 10_000,
};
/** No wait may be longer (ten minutes): a hung peer must always end in an error. */
export const MAX_TIMEOUT_MS = 600_000;

export interface RequestorOptions {
  host: string;
  port: number;
  callingAeTitle: string;
  calledAeTitle: string;
  /** One presentation context per entry, proposed in this order. */
  contexts: readonly ProposedContext[];
  /** Our Maximum Length for P-DATA-TF PDUs we receive (default 64 KiB; 4 KiB to 16 MiB). */
  maxPduLength?: number;
  /** Largest data set we take in a response or event (default 64 MiB); larger ones are dropped. */
  maxDatasetBytes?: number;
  timeouts?: Partial<Timeouts>;
  /** The status answered to an N-EVENT-REPORT-RQ (default Success). */
  onEvent?: (e: EventReport) => number;
  /** Every DIMSE message sent and received, in order: for records and logs. */
  onMessage?: (m: ExchangedMessage) => void;
  /**
   * DICOM TLS (PS3.15 B.12): connect with these options (ca, cert, key, servername...); absent:
   * plain TCP. The association starts once the handshake is done, within the connect timeout.
   */
  tls?: ConnectionOptions;
}

/** A request being sent as its data set arrives (Requestor.stream). */
export interface StreamedRequest {
  response: Promise<DimseResponse>;
  /**
   * The next bytes of the data set (views are kept until sent: do not reuse them). False once
   * more than the high water (STREAM_HIGH_WATER) waits to be sent: stop reading until whenLow() resolves.
   */
  write(part: Bytes): boolean;
  /** Resolves once what waits to be sent is below a quarter of the high water (or the association is gone). */
  whenLow(): Promise<void>;
  /** That was all of it: the last PDU goes, and the response's timeout starts. */
  end(): void;
  /** The data set will not be complete: the association is aborted. */
  abort(detail: string): void;
}

/** A request to send: the command without its Message ID and data set type, which are ours. */
export interface DimseRequest {
  command: Omit<CommandSet, 'messageId' | 'commandDataSetType' | 'messageIdBeingRespondedTo'>;
  /**
   * The abstract syntax whose context carries it (the Meta SOP class for print objects);
   * default: the Affected or Requested SOP Class UID.
   */
  context?: string;
  /** The accepted context to use, by ID (a relayed request keeps its own); wins over `context`. */
  contextId?: number;
  /**
   * A data set, or its bytes already encoded in the context's transfer syntax (a stored file's, or
   * a relayed request's as received, in chunks).
   */
  dataset?: DcmDataset | Uint8Array | ChunkedBytes;
  timeoutMs?: number;
}

export interface DimseResponse {
  command: CommandSet;
  status: number;
  errorComment?: string;
  dataset?: DcmDataset;
  datasetBytes: number;
  /** Why a data set that came is not in `dataset` (over the limit, or it did not parse). */
  datasetError?: string;
  /** From the request's first byte to the response. */
  ms: number;
}

export interface EventReport {
  at: number;
  /** The abstract syntax of the context it came on. */
  abstractSyntax: string;
  sopClassUid: string;
  sopInstanceUid: string;
  eventTypeId: number;
  dataset?: DcmDataset;
  /** The status we answered. */
  status: number;
}

export interface ExchangedMessage {
  at: number;
  direction: 'in' | 'out';
  contextId: number;
  command: CommandSet;
  dataset?: DcmDataset;
  datasetBytes: number;
}

const MIN_PDU = 4096;
/** A streamed request's bytes waiting to be sent: above this its source should pause, below LOW resume. */
export const STREAM_HIGH_WATER = 8 * 1024 * 1024;
const MAX_PDU = 16 * 1024 * 1024;
/**
 * Bytes of PDUs gathered into one writev to the acceptor (a few of its PDUs, or one large one);
 * also about what may wait in the socket's own buffer before a sender waits for it to drain.
 */
const BATCH_BYTES = 256 * 1024;
const MAX_ASSOCIATE_PDU = 1024 * 1024;
/** Events kept on `events`; older ones are dropped (onEvent sees them all). */
const EVENTS_KEPT = 1000;

interface Pending {
  messageId: number;
  t0: number;
  context: AcceptedContext;
  resolve(r: DimseResponse): void;
  reject(e: Error): void;
  /** Started once the request is all sent (a streamed one's data set may take a while to come). */
  timer: NodeJS.Timeout | undefined;
}

export class Requestor {
  readonly #o: RequestorOptions;
  readonly #timeouts: Timeouts;
  readonly #assoc: Association;
  readonly #assembler: MessageAssembler;
  readonly #rq: AssociateRq;
  #socket: Socket | undefined;
  #contexts: AcceptedContext[] = [];
  #peerMaxLength = 0;
  #nextMessageId = 1;
  #pending: Pending | undefined;
  /** Requests wait here for the one before them (one outstanding operation). */
  #lane: Promise<unknown> = Promise.resolve();
  #writeLane: Promise<void> = Promise.resolve();
  #artim: NodeJS.Timeout | undefined;
  /** The connect timeout, then the associate timeout. */
  #openTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #failure: ScuError | undefined;
  #onOpen: { resolve(): void; reject(e: Error): void } | undefined;
  #onReleased: (() => void) | undefined;
  #closeWaiters: (() => void)[] = [];
  #closedPromise: Promise<void> | undefined;
  readonly events: EventReport[] = [];

  private constructor(o: RequestorOptions) {
    this.#o = o;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
    for (const [k, v] of Object.entries(this.#timeouts))
      if (!Number.isInteger(v) || v < 1 || v > MAX_TIMEOUT_MS)
        throw new ScuError('usage', `timeout ${k} ${v}: 1 to ${MAX_TIMEOUT_MS} ms`);
    const maxPdu = o.maxPduLength ?? 64 * 1024;
    if (!Number.isInteger(maxPdu) || maxPdu < MIN_PDU || maxPdu > MAX_PDU)
      throw new ScuError('usage', `max PDU length ${maxPdu}: ${MIN_PDU} to ${MAX_PDU}`);
    this.#rq = associateRequest({
      callingAeTitle: o.callingAeTitle,
      calledAeTitle: o.calledAeTitle,
      contexts: o.contexts,
      maxPduLength: maxPdu,
    });
    this.#assembler = new MessageAssembler(o.maxDatasetBytes ?? 64 * 1024 * 1024);
    this.#assoc = new Association({
      role: 'requestor',
      limits: { maxPDataLength: maxPdu, maxAssociateLength: MAX_ASSOCIATE_PDU },
    });
  }

  /** Connect and associate; rejects with a ScuError (connect, rejected, timeout, aborted, closed). */
  static async open(o: RequestorOptions): Promise<Requestor> {
    const r = new Requestor(o);
    await r.#open();
    return r;
  }

  #open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#onOpen = {
        resolve: () => {
          clearTimeout(this.#openTimer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(this.#openTimer);
          reject(e);
        },
      };
      this.#run(() => this.#assoc.associateRequest(this.#rq));
    });
  }

  // ---------------------------------------------------------------- what was negotiated

  /** The A-ASSOCIATE-RQ we sent and the A-ASSOCIATE-AC we got. */
  get request(): AssociateRq {
    return this.#rq;
  }
  get accept(): AssociateAc | undefined {
    return this.#assoc.accept;
  }
  get contexts(): readonly AcceptedContext[] {
    return this.#contexts;
  }
  /** The acceptor's Maximum Length (0: no limit); what we send is cut to it. */
  get peerMaxPduLength(): number {
    return this.#peerMaxLength;
  }
  /** The accepted context of an abstract syntax, if any. */
  accepted(abstractSyntax: string): AcceptedContext | undefined {
    return this.#contexts.find((c) => c.abstractSyntax === abstractSyntax);
  }
  get isOpen(): boolean {
    return !this.#closed && this.#assoc.state === 'Sta6';
  }
  /** How the association ended ('open' while it lasts). */
  get ending(): Ending {
    return this.#closed && this.#assoc.ending === 'open' ? 'transport-closed' : this.#assoc.ending;
  }
  get endDetail(): string {
    return this.#assoc.endDetail;
  }

  // ---------------------------------------------------------------- DIMSE

  /** Send one request and await its response (requests queue behind each other). */
  send(req: DimseRequest): Promise<DimseResponse> {
    const run = this.#lane.then(
      () => this.#exchange(req),
      () => this.#exchange(req),
    );
    this.#lane = run.catch(() => undefined);
    return run;
  }

  echo(timeoutMs?: number): Promise<DimseResponse> {
    return this.send({
      command: { commandField: CommandField.C_ECHO_RQ, affectedSopClassUid: Uid.Verification },
      timeoutMs,
    });
  }

  store(
    sopClassUid: string,
    sopInstanceUid: string,
    dataset: DcmDataset | Uint8Array,
    o: {
      priority?: number;
      moveOriginatorAeTitle?: string;
      moveOriginatorMessageId?: number;
      timeoutMs?: number;
    } = {},
  ): Promise<DimseResponse> {
    return this.send({
      command: {
        commandField: CommandField.C_STORE_RQ,
        affectedSopClassUid: sopClassUid,
        affectedSopInstanceUid: sopInstanceUid,
        priority: o.priority ?? 0,
        moveOriginatorAeTitle: o.moveOriginatorAeTitle,
        moveOriginatorMessageId: o.moveOriginatorMessageId,
      },
      dataset,
      timeoutMs: o.timeoutMs,
    });
  }

  nCreate(
    sopClassUid: string,
    o: { instance?: string; dataset?: DcmDataset | Uint8Array; context?: string; timeoutMs?: number } = {},
  ): Promise<DimseResponse> {
    return this.send({
      command: {
        commandField: CommandField.N_CREATE_RQ,
        affectedSopClassUid: sopClassUid,
        affectedSopInstanceUid: o.instance,
      },
      dataset: o.dataset,
      context: o.context,
      timeoutMs: o.timeoutMs,
    });
  }

  nSet(
    sopClassUid: string,
    instance: string,
    dataset: DcmDataset | Uint8Array,
    o: { context?: string; timeoutMs?: number } = {},
  ): Promise<DimseResponse> {
    return this.send({
      command: {
        commandField: CommandField.N_SET_RQ,
        requestedSopClassUid: sopClassUid,
        requestedSopInstanceUid: instance,
      },
      dataset,
      ...o,
    });
  }

  nGet(
    sopClassUid: string,
    instance: string,
    o: { attributes?: number[]; context?: string; timeoutMs?: number } = {},
  ): Promise<DimseResponse> {
    return this.send({
      command: {
        commandField: CommandField.N_GET_RQ,
        requestedSopClassUid: sopClassUid,
        requestedSopInstanceUid: instance,
        attributeIdentifierList: o.attributes,
      },
      context: o.context,
      timeoutMs: o.timeoutMs,
    });
  }

  nAction(
    sopClassUid: string,
    instance: string,
    actionTypeId: number,
    o: { dataset?: DcmDataset | Uint8Array; context?: string; timeoutMs?: number } = {},
  ): Promise<DimseResponse> {
    return this.send({
      command: {
        commandField: CommandField.N_ACTION_RQ,
        requestedSopClassUid: sopClassUid,
        requestedSopInstanceUid: instance,
        actionTypeId,
      },
      ...o,
    });
  }

  nDelete(
    sopClassUid: string,
    instance: string,
    o: { context?: string; timeoutMs?: number } = {},
  ): Promise<DimseResponse> {
    return this.send({
      command: {
        commandField: CommandField.N_DELETE_RQ,
        requestedSopClassUid: sopClassUid,
        requestedSopInstanceUid: instance,
      },
      ...o,
    });
  }

  async #exchange(req: DimseRequest): Promise<DimseResponse> {
    const { context, timeoutMs } = this.#prepare(req);
    let bytes: Uint8Array | ChunkedBytes | undefined;
    let decoded: DcmDataset | undefined;
    if (req.dataset instanceof Uint8Array || req.dataset instanceof ChunkedBytes) bytes = req.dataset;
    else if (req.dataset) {
      decoded = req.dataset;
      bytes = encodeDataset(req.dataset, context.transferSyntax);
    }
    const command: CommandSet = {
      ...req.command,
      messageId: this.#takeMessageId(),
      commandDataSetType: bytes ? 0 : NO_DATA_SET,
    };
    const { response, startTimer } = this.#awaitResponse(command, context, timeoutMs);
    startTimer();
    await this.#write(context, command, bytes, decoded);
    return response;
  }

  /**
   * Send a request whose data set arrives in parts (proxy mode relays a modality's as it comes
   * in, cut-through): the command goes now, each part as soon as a whole PDU of it is there, the
   * last PDU at end(). The response's timeout starts at end(). abort() aborts the association (a
   * message half sent cannot be taken back). Requests queued with send() wait behind it. The bytes
   * waiting to be sent are bounded by `flow.highWater` and counted in `flow.memory`.
   */
  stream(req: Omit<DimseRequest, 'dataset'>, flow: StreamFlow = {}): StreamedRequest {
    const highWater = flow.highWater ?? STREAM_HIGH_WATER;
    const lowWater = highWater / 4;
    const { context, timeoutMs } = this.#prepare(req);
    const command: CommandSet = { ...req.command, messageId: this.#takeMessageId(), commandDataSetType: 0 };
    const { response, startTimer } = this.#awaitResponse(command, context, timeoutMs);
    const parts: Buffer[] = [];
    let queued = 0;
    let ended = false;
    let lastSent = false;
    /** The sending is over (sent, or the association gone): nothing more is queued. */
    let over = false;
    let wake: (() => void) | undefined;
    let lowWaiters: (() => void)[] = [];
    const low = () => {
      if (queued >= lowWater && !this.#closed && !lastSent) return;
      for (const w of lowWaiters) w();
      lowWaiters = [];
    };
    const poke = () => {
      wake?.();
      wake = undefined;
    };
    const size = () => maxFragment(this.#peerMaxLength);
    /** The first n queued bytes, as views of the parts (never a copy). */
    const take = (n: number): Bytes => {
      const out: Buffer[] = [];
      let need = n;
      while (need > 0) {
        const p = parts[0]!;
        if (p.length <= need) {
          out.push(p);
          parts.shift();
          need -= p.length;
        } else {
          out.push(p.subarray(0, need));
          parts[0] = p.subarray(need);
          need = 0;
        }
      }
      queued -= n;
      flow.memory?.give(n);
      return out.length === 1 ? out[0]! : ChunkedBytes.of(out);
    };
    const pdv = (data: Bytes, isLast: boolean): PDataTf => ({
      type: 'P-DATA-TF',
      pdvs: [{ contextId: context.id, isCommand: false, isLast, data }],
    });
    const run = this.#writeLane.then(async () => {
      this.#o.onMessage?.({
        at: Date.now(),
        direction: 'out',
        contextId: context.id,
        command,
        datasetBytes: 0,
      });
      for (const pdu of fragmentMessage(context.id, encodeCommand(command), undefined, this.#peerMaxLength)) {
        if (!this.#assoc.canSend || this.#closed) return;
        this.#run(() => this.#assoc.sendPData(pdu));
      }
      for (;;) {
        // A PDU goes once more than a PDU's worth is queued, so the last one is known as such
        // (an empty data set, too, ends with a last PDV). The PDUs ready now go in one writev.
        const batch = this.#batch();
        try {
          while (queued > size() || (ended && !lastSent)) {
            const last = ended && queued <= size();
            if (last) lastSent = true;
            if (!this.#assoc.canSend || this.#closed) return;
            this.#run(() => this.#assoc.sendPData(pdv(take(last ? queued : size()), last)));
            low();
            if (batch.full()) await batch.flush();
          }
        } finally {
          batch.end();
        }
        if (lastSent || this.#closed) {
          low();
          return;
        }
        await Promise.race([
          new Promise<void>((r) => {
            wake = r;
          }),
          this.closed(),
        ]);
      }
    });
    // Whatever was not sent will not be: its memory goes back, and later parts are not kept.
    const drop = () => {
      over = true;
      flow.memory?.give(queued);
      parts.length = 0;
      queued = 0;
      low();
    };
    this.#writeLane = run.finally(drop).catch(() => undefined);
    return {
      response,
      write: (part: Bytes) => {
        if (ended || over) return true;
        for (const b of partsOf(part)) parts.push(b);
        queued += part.length;
        flow.memory?.charge(part.length);
        poke();
        return queued <= highWater;
      },
      whenLow: () =>
        new Promise<void>((resolve) => {
          lowWaiters.push(resolve);
          low();
        }),
      end: () => {
        if (ended) return;
        ended = true;
        startTimer();
        poke();
      },
      abort: (detail: string) => {
        ended = true;
        lastSent = true;
        poke();
        this.#abortWith(detail);
      },
    };
  }

  /** Where a request goes, and how long its answer may take; throws when it cannot be sent. */
  #prepare(req: Omit<DimseRequest, 'dataset'>): { context: AcceptedContext; timeoutMs: number } {
    if (this.#failure) throw this.#failure;
    if (!this.isOpen) throw new ScuError('not-negotiated', 'the association is not open');
    const sopClass = req.command.affectedSopClassUid ?? req.command.requestedSopClassUid;
    const abstractSyntax = req.context ?? sopClass;
    const context =
      req.contextId !== undefined
        ? this.#contexts.find((c) => c.id === req.contextId)
        : abstractSyntax === undefined
          ? undefined
          : this.accepted(abstractSyntax);
    if (!context)
      throw new ScuError(
        'not-negotiated',
        req.contextId !== undefined
          ? `presentation context ${req.contextId} was not accepted`
          : `no accepted presentation context for ${abstractSyntax ?? 'a request without SOP class'}`,
      );
    const timeoutMs = req.timeoutMs ?? this.#timeouts.responseMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)
      throw new ScuError('usage', `timeout ${timeoutMs}: 1 to ${MAX_TIMEOUT_MS} ms`);
    return { context, timeoutMs };
  }

  /** The response to `command`, awaited from now; its timeout runs once startTimer() is called. */
  #awaitResponse(
    command: CommandSet,
    context: AcceptedContext,
    timeoutMs: number,
  ): { response: Promise<DimseResponse>; startTimer(): void } {
    const messageId = command.messageId!;
    const t0 = performance.now();
    let pending!: Pending;
    const response = new Promise<DimseResponse>((resolve, reject) => {
      pending = { messageId, t0, context, resolve, reject, timer: undefined };
      this.#pending = pending;
    });
    response.catch(() => undefined);
    const startTimer = () => {
      if (this.#pending !== pending) return;
      pending.timer = setTimeout(() => {
        const name = commandName(command.commandField);
        this.#pending = undefined;
        const e = new ScuError(
          'timeout',
          `no response to ${name} (message ${messageId}) within ${timeoutMs} ms`,
        );
        this.#failure ??= e;
        pending.reject(e);
        // The peer's view of the operation is unknown now: end the association.
        this.#abortWith(e.message);
      }, timeoutMs);
    };
    return { response, startTimer };
  }

  #takeMessageId(): number {
    const id = this.#nextMessageId;
    this.#nextMessageId = (id % 0xffff) + 1;
    return id;
  }

  /**
   * Messages are written whole, one after the other: an event's answer must not land between the
   * PDUs of a data set we are sending (the acceptor would abort).
   */
  #write(
    context: AcceptedContext,
    command: CommandSet,
    dataset: Uint8Array | ChunkedBytes | undefined,
    decoded: DcmDataset | undefined,
  ): Promise<void> {
    const run = this.#writeLane.then(() => this.#writeNow(context, command, dataset, decoded));
    this.#writeLane = run.catch(() => undefined);
    return run;
  }

  /** Fragments to the acceptor's Maximum Length, one PDU at a time, waiting for drains. */
  async #writeNow(
    context: AcceptedContext,
    command: CommandSet,
    dataset: Uint8Array | ChunkedBytes | undefined,
    decoded: DcmDataset | undefined,
  ): Promise<void> {
    const data: Bytes | undefined =
      dataset === undefined || dataset instanceof ChunkedBytes
        ? dataset
        : Buffer.from(dataset.buffer, dataset.byteOffset, dataset.length);
    this.#o.onMessage?.({
      at: Date.now(),
      direction: 'out',
      contextId: context.id,
      command,
      dataset: decoded,
      datasetBytes: data?.length ?? 0,
    });
    const batch = this.#batch();
    try {
      for (const pdu of fragmentMessage(context.id, encodeCommand(command), data, this.#peerMaxLength)) {
        if (!this.#assoc.canSend || this.#closed) return;
        this.#run(() => this.#assoc.sendPData(pdu));
        if (batch.full()) await batch.flush();
      }
    } finally {
      batch.end();
    }
  }

  /**
   * PDUs written while a batch is open reach the kernel together (the socket corked): one writev
   * of up to BATCH_BYTES rather than a write per PDU. full(): time to flush() it, which waits for
   * the socket to drain if the peer is behind; end() sends what is left.
   */
  #batch(): { full(): boolean; flush(): Promise<void>; end(): void } {
    const s = this.#socket;
    if (!s) return { full: () => false, flush: async () => undefined, end: () => undefined };
    s.cork();
    let corked = true;
    return {
      full: () => s.writableLength >= BATCH_BYTES,
      flush: async () => {
        s.uncork();
        corked = false;
        if (s.writableNeedDrain && !s.destroyed) await drained(s);
        s.cork();
        corked = true;
      },
      end: () => {
        if (corked) s.uncork();
        corked = false;
      },
    };
  }

  #onMessage(m: AssembledMessage): void {
    const context = this.#contexts.find((c) => c.id === m.contextId)!;
    let dataset: DcmDataset | undefined;
    let datasetError: string | undefined;
    if (m.datasetOverLimit) datasetError = `data set of ${m.datasetLength} bytes is over the limit`;
    else if (m.dataset) {
      try {
        dataset = decodeDataset(m.dataset as Bytes, context.transferSyntax);
      } catch (e) {
        datasetError = (e as Error).message;
      }
    }
    this.#o.onMessage?.({
      at: Date.now(),
      direction: 'in',
      contextId: m.contextId,
      command: m.command,
      dataset,
      datasetBytes: m.datasetLength,
    });
    const cmd = m.command;
    if (cmd.commandField === CommandField.N_EVENT_REPORT_RQ) {
      this.#answerEvent(m, context, dataset);
      return;
    }
    if (!isResponse(cmd.commandField)) {
      // We are SCU of everything we propose: a request from the acceptor is not ours to perform.
      this.#respond(context, {
        commandField: cmd.commandField | RESPONSE_BIT,
        messageIdBeingRespondedTo: cmd.messageId,
        affectedSopClassUid: cmd.affectedSopClassUid ?? cmd.requestedSopClassUid,
        commandDataSetType: NO_DATA_SET,
        status: Status.UnrecognizedOperation.code,
      });
      return;
    }
    const p = this.#pending;
    if (!p || cmd.messageIdBeingRespondedTo !== p.messageId) return; // late or stray: nobody waits
    const status = cmd.status ?? Status.ProcessingFailure.code;
    if (statusCategory(status) === 'pending') return;
    clearTimeout(p.timer);
    this.#pending = undefined;
    const r: DimseResponse = {
      command: cmd,
      status,
      datasetBytes: m.datasetLength,
      ms: performance.now() - p.t0,
    };
    if (cmd.errorComment !== undefined) r.errorComment = cmd.errorComment;
    if (dataset) r.dataset = dataset;
    if (datasetError) r.datasetError = datasetError;
    p.resolve(r);
  }

  #answerEvent(m: AssembledMessage, context: AcceptedContext, dataset: DcmDataset | undefined): void {
    const cmd = m.command;
    const e: EventReport = {
      at: Date.now(),
      abstractSyntax: context.abstractSyntax,
      sopClassUid: cmd.affectedSopClassUid ?? '',
      sopInstanceUid: cmd.affectedSopInstanceUid ?? '',
      eventTypeId: cmd.eventTypeId ?? 0,
      status: Status.Success.code,
    };
    if (dataset) e.dataset = dataset;
    try {
      e.status = this.#o.onEvent?.(e) ?? Status.Success.code;
    } catch {
      e.status = Status.ProcessingFailure.code;
    }
    if (this.events.length >= EVENTS_KEPT) this.events.splice(0, EVENTS_KEPT / 2);
    this.events.push(e);
    this.#respond(context, {
      commandField: CommandField.N_EVENT_REPORT_RQ | RESPONSE_BIT,
      messageIdBeingRespondedTo: cmd.messageId,
      affectedSopClassUid: cmd.affectedSopClassUid,
      affectedSopInstanceUid: cmd.affectedSopInstanceUid,
      eventTypeId: cmd.eventTypeId,
      commandDataSetType: NO_DATA_SET,
      status: e.status,
    });
  }

  #respond(context: AcceptedContext, command: CommandSet): void {
    void this.#write(context, command, undefined, undefined);
  }

  // ---------------------------------------------------------------- release and abort

  /** A-RELEASE; aborts when the acceptor does not answer in time. Never throws. */
  async release(): Promise<void> {
    await this.#lane;
    if (this.#closed) return;
    if (this.#assoc.state !== 'Sta6') return this.abort('release in an unexpected state');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#abortWith(`no A-RELEASE-RP within ${this.#timeouts.releaseMs} ms`);
        resolve();
      }, this.#timeouts.releaseMs);
      this.#onReleased = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#run(() => this.#assoc.releaseRequest());
    });
    await this.closed();
  }

  /** A-ABORT (service user) and close; whatever is pending fails. */
  abort(detail = 'abort requested'): void {
    this.#abortWith(detail, 0);
  }

  /** Resolves once the connection is closed (one promise, however often asked). */
  closed(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closedPromise ??= new Promise((resolve) => this.#closeWaiters.push(resolve));
    return this.#closedPromise;
  }

  #abortWith(detail: string, source: 0 | 2 = 0): void {
    if (this.#closed) return;
    this.#fail(new ScuError('aborted', `aborted by us: ${detail}`));
    this.#run(() => this.#assoc.abort(source, 0, detail));
    // Do not wait in Sta13 for the peer to close: it may be gone.
    const s = this.#socket;
    if (s) s.end(() => s.destroy());
    else this.#closeNow();
  }

  /** Fail the open and the pending request (the first failure is the one reported). */
  #fail(e: ScuError): void {
    this.#failure ??= e;
    const open = this.#onOpen;
    this.#onOpen = undefined;
    open?.reject(this.#failure);
    const p = this.#pending;
    this.#pending = undefined;
    if (p) {
      clearTimeout(p.timer);
      p.reject(this.#failure);
    }
    if (open) this.#abortIfConnected();
  }

  #abortIfConnected(): void {
    if (this.#closed) return;
    if (this.#socket && !this.#socket.destroyed && this.#assoc.state !== 'Sta1') {
      this.#run(() => this.#assoc.abort(0, 0, this.#failure?.message ?? 'abort'));
      this.#socket.destroy();
    } else this.#closeNow();
  }

  // ---------------------------------------------------------------- core outputs

  #run(step: () => Output[]): void {
    let outputs: Output[];
    try {
      outputs = step();
    } catch (e) {
      this.#fail(new ScuError('aborted', `protocol core failure: ${(e as Error).message}`));
      this.#socket?.destroy();
      return;
    }
    for (const o of outputs) this.#perform(o);
  }

  #perform(o: Output): void {
    switch (o.kind) {
      case 'connect':
        this.#connect();
        break;
      case 'write':
        if (this.#socket && !this.#socket.destroyed) writeParts(this.#socket, o.parts);
        break;
      case 'close': {
        const s = this.#socket;
        if (s) s.end(() => s.destroy());
        break;
      }
      case 'artim':
        clearTimeout(this.#artim);
        this.#artim = o.run
          ? setTimeout(() => {
              this.#run(() => this.#assoc.artimExpired());
              this.#socket?.destroy();
            }, this.#timeouts.releaseMs)
          : undefined;
        break;
      case 'associated':
        this.#contexts = acceptedContexts(this.#rq, o.ac);
        this.#peerMaxLength = o.ac.userInfo.maxLength ?? 0;
        this.#onOpen?.resolve();
        this.#onOpen = undefined;
        break;
      case 'rejected':
        this.#fail(
          new ScuError(
            'rejected',
            `association rejected (result ${o.rj.result}, source ${o.rj.source}, reason ${o.rj.reason})`,
            o.rj,
          ),
        );
        break;
      case 'pdata':
        try {
          for (const m of this.#assembler.push(o.pdvs)) this.#onMessage(m);
        } catch (e) {
          if (!(e instanceof AssemblyError)) throw e;
          this.#fail(new ScuError('aborted', `aborted by us: ${e.message}`));
          this.#run(() => this.#assoc.protocolError(e.reason, e.message));
        }
        break;
      case 'release-requested':
        // The acceptor asks to release (or our requests collided with its): agree.
        this.#fail(new ScuError('closed', 'the acceptor released the association'));
        this.#run(() => this.#assoc.releaseResponse());
        break;
      case 'released':
        this.#onReleased?.();
        this.#onReleased = undefined;
        break;
      case 'aborted':
        // We aborted (an invalid PDU): close once the A-ABORT is written, not after ARTIM.
        if (o.by === 'us') queueMicrotask(() => this.#endSocket());
        this.#fail(
          new ScuError(
            'aborted',
            o.by === 'peer'
              ? `aborted by the peer (A-ABORT source ${o.source}, reason ${o.reason})`
              : `aborted by us: ${o.detail}`,
          ),
        );
        break;
      case 'transport-lost':
        this.#fail(new ScuError('closed', `connection closed: ${o.detail}`));
        break;
    }
  }

  #connect(): void {
    const { host, port, tls } = this.#o;
    const s = tls ? tlsConnect({ ...tls, host, port }) : connect({ host, port });
    this.#socket = s;
    s.setNoDelay(true);
    this.#openTimer = setTimeout(() => {
      this.#fail(
        new ScuError(
          'connect',
          `no TCP connection to ${this.#o.host}:${this.#o.port} within ${this.#timeouts.connectMs} ms`,
        ),
      );
      s.destroy();
    }, this.#timeouts.connectMs);
    s.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(this.#openTimer);
      this.#openTimer = setTimeout(
        () =>
          this.#fail(new ScuError('timeout', `no A-ASSOCIATE-AC within ${this.#timeouts.associateMs} ms`)),
        this.#timeouts.associateMs,
      );
      this.#run(() => this.#assoc.transportConnected());
    });
    s.on('data', (chunk: Buffer) => this.#run(() => this.#assoc.receive(chunk)));
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (this.#assoc.state === 'Sta4')
        this.#fail(
          new ScuError(
            'connect',
            `cannot connect to ${this.#o.host}:${this.#o.port}: ${err.code ?? err.message}`,
          ),
        );
      else this.#fail(new ScuError('closed', `connection error: ${err.code ?? err.message}`));
    });
    s.on('close', () => {
      clearTimeout(this.#openTimer);
      this.#run(() => this.#assoc.transportClosed());
      this.#fail(new ScuError('closed', 'connection closed'));
      this.#closeNow();
    });
  }

  #endSocket(): void {
    const s = this.#socket;
    if (s && !s.destroyed) s.end(() => s.destroy());
  }

  #closeNow(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#artim);
    this.#onReleased?.();
    this.#onReleased = undefined;
    for (const w of this.#closeWaiters.splice(0)) w();
  }
}

/** Resolves when the socket drained its buffer or closed. */
function drained(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}
