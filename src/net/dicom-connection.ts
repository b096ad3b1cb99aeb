/**
 * One TCP connection carrying (at most) one association: the edge between a socket and the pure
 * protocol core. It performs the core's outputs (write, close, timers), reassembles DIMSE
 * messages, runs them one at a time through the dispatcher and logs what happened.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { type Bytes, binaryLength } from '../dicom/chunked-bytes.js';
import { type AssembledMessage, AssemblyError, MessageAssembler } from '../dicom/dimse/assembler.js';
import type { DecodedCommand } from '../dicom/dimse/command-codec.js';
import { encodeCommand } from '../dicom/dimse/command-codec.js';
import { CommandField, type CommandSet, commandName, isResponse } from '../dicom/dimse/command-fields.js';
import {
  type DcmDataset,
  datasetStream,
  decodeDataset,
  naturalize,
  placeSpilled,
  recordDataset,
} from '../dicom/dimse/dataset.js';
import type { DatasetStream } from '../dicom/dimse/dataset-stream.js';
import { fragmentMessage } from '../dicom/dimse/fragmenter.js';
import { describeStatus, Status, statusCategory } from '../dicom/dimse/status.js';
import { dispatch } from '../dicom/service/dispatcher.js';
import type { AssociationInfo, ContextInfo } from '../dicom/service/service.js';
import { Uid, uidName } from '../dicom/uids.js';
import { type AcceptanceSettings, decideAssociation } from '../dicom/ul/acceptance.js';
import { type AssociateDecision, Association, type Output } from '../dicom/ul/association.js';
import { abortReasonName } from '../dicom/ul/errors.js';
import { PcResult } from '../dicom/ul/pdu.js';
import { describePdu } from '../dicom/ul/pdu-codec.js';
import type { EventBus } from '../events.js';
import type { DropSpec, FaultHooks, Fired, RequestPlan } from '../lab/hooks.js';
import type { Printer } from '../print/printer.js';
import type {
  AssociationRecorder,
  AssociationSummary,
  MessageRecord,
  TlsSession,
} from '../store/association-record.js';
import { HIGH_WATER } from '../store/staging-file.js';
import { type EventHost, EventSender } from './event-sender.js';
import type { InflightBudget } from './inflight-budget.js';
import { ProxyRelay, type Relayed, type RelayHost } from './proxy-relay.js';
import type { UpstreamFactory } from './upstream.js';
import { writeParts } from './write-parts.js';

export interface ConnectionLimits {
  /** Our Maximum Length for received P-DATA-TF PDUs (advertised in the A-ASSOCIATE-AC). */
  maxPduLength: number;
  maxAssociatePduLength: number;
  maxDatasetBytes: number;
  artimMs: number;
  /**
   * From the TCP accept to a whole A-ASSOCIATE-RQ: a peer that sends nothing, or trickles, is
   * closed after this (ARTIM, PS3.8, still bounds the rest).
   */
  associateMs: number;
  idleMs: number;
  /** Requests queued beyond the one being processed before we abort (the SCU ignores the 1/1 window). */
  maxQueuedRequests: number;
  /**
   * Memory for data sets in flight, shared by every connection (--max-inflight); absent: only
   * maxDatasetBytes bounds each message.
   */
  inflight?: InflightBudget;
}

/** Image box N-SETs whose Pixel Data is streamed to a staging file while it arrives. */
const STREAMED_CLASSES: ReadonlySet<string> = new Set([Uid.BasicGrayscaleImageBox, Uid.BasicColorImageBox]);

/**
 * Where a connection stands, for the listener's bounds: `unassociated` until a whole A-ASSOCIATE-RQ
 * arrived (Sta2); `associated` from then until the association ends (Sta3-Sta12: this is what
 * --max-associations counts); `closing` once it ended and only the transport is left (Sta13: after
 * A-ASSOCIATE-RJ, A-RELEASE-RP or A-ABORT, waiting for the peer to close); `closed`.
 */
export type ConnectionPhase = 'unassociated' | 'associated' | 'closing' | 'closed';

/** Why a connection was dropped before it associated. */
export type PreAssociationDrop =
  /** No whole A-ASSOCIATE-RQ within --associate-timeout (or ARTIM, if shorter). */
  | 'associate-timeout'
  /** Something else than an A-ASSOCIATE-RQ arrived: A-ABORT sent. */
  | 'invalid-pdu'
  /** The listener's bound on unassociated connections (total, or per peer address) made room. */
  | 'evicted';

export interface ConnectionDeps {
  /** Names the connection in logs until it has an association id ("c12"). */
  label: string;
  /**
   * Association ids and records: an id is taken, and the association recorded, once an
   * A-ASSOCIATE-RQ arrives. A connection that never sends one is not an association.
   */
  recorder: AssociationRecorder;
  logger: Logger;
  limits: ConnectionLimits;
  findPrinter(calledAeTitle: string): Printer | undefined;
  atCapacity(): boolean;
  /** The socket is a TLS one, with what it negotiated: printers that require TLS accept it. */
  tls?: TlsSession;
  implementation: { classUid: string; versionName: string };
  dumpMessages: boolean;
  events?: EventBus;
  /** Test-lab faults (src/lab); absent: none. */
  faults?: FaultHooks;
  /** The phase changed (after the step that changed it). */
  onPhase?(phase: ConnectionPhase): void;
  /** The connection is being closed before it associated, and why. */
  onDropped?(reason: PreAssociationDrop): void;
  /** Proxy mode: the real printer behind a printer whose profile says `forward: {mode: proxy}`. */
  upstreamFor?: UpstreamFactory;
}

const MAX_RECORDED_MESSAGES = 10_000;
/** Data sets are kept for this many messages per association (the rest: sizes only), bounding memory. */
const RECORDED_DATASETS = 1_000;

export class DicomConnection {
  readonly startedAt = Date.now();
  #id: string | undefined;
  #peerAddress: string | undefined;
  #remoteAddress: string | undefined;
  readonly #socket: Socket;
  readonly #d: ConnectionDeps;
  #log: Logger;
  #phase: ConnectionPhase = 'unassociated';
  #associateTimer: NodeJS.Timeout | undefined;
  readonly #assoc: Association;
  readonly #assembler: MessageAssembler;
  readonly #queue: { m: AssembledMessage; duplicate: boolean }[] = [];
  readonly #outstanding = new Set<number>();
  readonly #contexts = new Map<number, ContextInfo>();
  readonly messages: MessageRecord[] = [];
  #endedAt: number | undefined;
  #busy = false;
  #releaseRequested = false;
  #printer: Printer | undefined;
  #info: AssociationInfo | undefined;
  #peerMaxLength = 0;
  #artim: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  /** When traffic was last seen; the idle timer re-arms itself from it instead of per PDU. */
  #lastActivity = 0;
  #closed = false;
  #endListeners: (() => void)[] = [];
  /** The N-EVENT-REPORTs we send the SCU. */
  readonly #events = new EventSender(this.#eventHost());
  readonly #faults: Fired[] = [];
  /** Requests received, for lab faults that drop "after the Nth". */
  #requests = 0;
  #dropOnAccept: DropSpec | undefined;
  /** Proxy mode: the relay to the real printer behind this association. */
  #proxy: ProxyRelay | undefined;
  /** Who asked to stop reading the socket. */
  readonly #holds = new Set<'staging' | 'printer'>();

  constructor(socket: Socket, deps: ConnectionDeps) {
    this.#socket = socket;
    this.#d = deps;
    this.#log = deps.logger.child({ conn: deps.label });
    this.#assembler = new MessageAssembler(deps.limits.maxDatasetBytes, {
      budget: deps.limits.inflight,
      streamFor: (cmd, contextId, tapped) => this.#streamFor(cmd, contextId, tapped),
      tapFor: (cmd, contextId) => this.#proxy?.tap(cmd, contextId),
    });
    const settings: AcceptanceSettings = {
      findPrinter: (ae) => {
        this.#printer = deps.findPrinter(ae);
        return this.#printer?.accepting;
      },
      atCapacity: deps.atCapacity,
      secureTransport: deps.tls !== undefined,
      congested: () => deps.limits.inflight?.congested ?? false,
      maxPduLength: deps.limits.maxPduLength,
      implementationClassUid: deps.implementation.classUid,
      implementationVersionName: deps.implementation.versionName,
    };
    this.#assoc = new Association({
      role: 'acceptor',
      limits: {
        maxPDataLength: deps.limits.maxPduLength,
        maxAssociateLength: deps.limits.maxAssociatePduLength,
      },
      decide: (rq) => {
        this.#becomeAssociation();
        const d = this.#decide(decideAssociation(rq, settings));
        const up =
          'accept' in d && this.#printer
            ? deps.upstreamFor?.(this.#printer, {
                event: (n) => void this.#events.notify(n),
                lost: (detail) => this.#proxy?.lost(detail),
              })
            : undefined;
        if (!up || !('accept' in d)) return d;
        // Proxy mode: the modality gets the real printer's answer, once it has come.
        this.#proxy = new ProxyRelay(up, this.#relayHost());
        void this.#proxy.open(rq, {
          maxPduLength: d.accept.userInfo.maxLength ?? deps.limits.maxPduLength,
          implementationClassUid: deps.implementation.classUid,
          implementationVersionName: deps.implementation.versionName,
        });
        return 'defer';
      },
    });

    // TCP_NODELAY is set by the listener (createServer noDelay) on every accepted socket.
    socket.on('data', (chunk: Buffer) => this.#run(() => this.#assoc.receive(chunk)));
    socket.on('error', (err) => this.#log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => this.#onClose());
    this.#associateTimer = setTimeout(() => this.#onAssociateTimeout(), deps.limits.associateMs);
    this.#run(() => this.#assoc.transportAccepted());
  }

  /** The association id once an A-ASSOCIATE-RQ arrived; until then the connection's label. */
  get id(): string {
    return this.#id ?? this.#d.label;
  }

  /** True once an A-ASSOCIATE-RQ arrived: this connection is (or was) an association, and recorded. */
  get isAssociation(): boolean {
    return this.#id !== undefined;
  }

  get phase(): ConnectionPhase {
    return this.#phase;
  }

  /** The peer's IP address (asked once, when a bound needs it). */
  get remoteAddress(): string {
    this.#remoteAddress ??= this.#socket.remoteAddress ?? '?';
    return this.#remoteAddress;
  }

  /** An A-ASSOCIATE-RQ arrived: from now on this is an association, with an id and a record. */
  #becomeAssociation(): void {
    if (this.#id !== undefined) return;
    this.#id = this.#d.recorder.nextId();
    this.#log = this.#d.logger.child({ assoc: this.#id });
    this.#d.recorder.opened(this.#id, () => this.summary());
  }

  /** No whole A-ASSOCIATE-RQ in time: close, without a PDU (as ARTIM does in Sta2). */
  #onAssociateTimeout(): void {
    this.#associateTimer = undefined;
    if (this.#phase !== 'unassociated') return;
    this.#dropBeforeAssociation(
      'associate-timeout',
      `no A-ASSOCIATE-RQ within ${this.#d.limits.associateMs} ms`,
    );
    this.#socket.destroy();
  }

  /** The listener makes room for newer connections: close this unassociated (or closing) one now. */
  evict(): void {
    if (this.#phase === 'unassociated')
      this.#dropBeforeAssociation('evicted', 'too many unassociated connections');
    this.#socket.destroy();
  }

  #dropBeforeAssociation(reason: PreAssociationDrop, detail: string): void {
    if (this.#log.isLevelEnabled('debug'))
      this.#log.debug({ peer: this.peerAddress, reason }, `connection dropped before associating: ${detail}`);
    this.#d.onDropped?.(reason);
  }

  /** Phase after whatever the last step did; the listener hears of changes. */
  #updatePhase(): void {
    let phase: ConnectionPhase;
    const s = this.#assoc.state;
    if (this.#closed) phase = 'closed';
    else if (s === 'Sta2') phase = 'unassociated';
    else if (s === 'Sta13' || s === 'Sta1') phase = 'closing';
    else phase = 'associated';
    if (phase === this.#phase) return;
    this.#phase = phase;
    if (phase !== 'unassociated' && this.#associateTimer) {
      clearTimeout(this.#associateTimer);
      this.#associateTimer = undefined;
    }
    this.#d.onPhase?.(phase);
  }

  /** host:port of the peer; a getpeername() syscall, so asked only when a log needs it. */
  get peerAddress(): string {
    this.#peerAddress ??= `${this.#socket.remoteAddress ?? '?'}:${this.#socket.remotePort ?? '?'}`;
    return this.#peerAddress;
  }

  get state(): string {
    return this.#assoc.state;
  }

  /** What the API shows of this association; `messages` are the live records (do not mutate). */
  summary(): AssociationSummary {
    const rq = this.#assoc.request;
    return {
      id: this.id,
      peer: this.peerAddress,
      callingAeTitle: rq?.callingAeTitle,
      calledAeTitle: rq?.calledAeTitle,
      printer: this.#printer?.profile.aeTitle,
      startedAt: new Date(this.startedAt).toISOString(),
      endedAt: this.#endedAt === undefined ? undefined : new Date(this.#endedAt).toISOString(),
      state: this.#assoc.state,
      ending: this.#closed && this.#assoc.ending === 'open' ? 'transport-closed' : this.#assoc.ending,
      detail: this.#assoc.endDetail,
      contexts: this.#contextSummary(),
      acceptedContexts: [...this.#contexts.values()],
      messages: this.messages,
      faults: this.#faults,
      ...(this.#d.tls ? { tls: this.#d.tls } : {}),
      ...(this.#proxy ? { upstream: this.#proxy.summary() } : {}),
    };
  }

  /** True once A-ASSOCIATE-AC was sent and until the association ends. */
  get established(): boolean {
    return ['Sta6', 'Sta7', 'Sta8'].includes(this.#assoc.state);
  }

  onEnd(fn: () => void): void {
    if (this.#closed) fn();
    else this.#endListeners.push(fn);
  }

  /** Abort from our side (shutdown): A-ABORT, then close; a connection not associated is just closed. */
  abort(detail: string): void {
    if (this.#phase === 'unassociated') {
      this.#socket.destroy();
      return;
    }
    this.#abortAndClose(detail);
    if (!this.established && this.#assoc.state !== 'Sta13') this.#socket.destroy();
  }

  /**
   * A-ABORT from us (service provider), then close the transport once it is written instead of
   * waiting in Sta13 for the peer to close (ARTIM): the peer may be gone, or not care.
   */
  #abortAndClose(detail: string): void {
    this.#run(() => this.#assoc.abort(2, 0, detail));
    if (this.#assoc.state === 'Sta13') this.#socket.end(() => this.#socket.destroy());
  }

  #onArtim(): void {
    this.#artim = undefined;
    if (this.#assoc.state === 'Sta2')
      this.#dropBeforeAssociation(
        'associate-timeout',
        `no A-ASSOCIATE-RQ before ARTIM (${this.#d.limits.artimMs} ms)`,
      );
    this.#run(() => this.#assoc.artimExpired());
    // ARTIM gives up on the peer: a socket whose last writes it never read goes too.
    if (this.#assoc.state === 'Sta1') this.#socket.destroy();
  }

  /** Close the socket now, whatever the state (last step of shutdown). */
  destroy(): void {
    this.#socket.destroy();
  }

  // ---------------------------------------------------------------- proxy mode

  /** What the proxy relay (proxy-relay.ts) may ask of this connection. */
  #relayHost(): RelayHost {
    const conn = this;
    return {
      get log() {
        return conn.#log;
      },
      get closed() {
        return conn.#closed;
      },
      get established() {
        return conn.established;
      },
      idle: () => !this.#busy && this.#queue.length === 0,
      hasContext: (id) => this.#contexts.has(id),
      registry: () => this.#printer!.registry,
      association: () => this.#info!,
      recordsDatasets: () => this.messages.length <= RECORDED_DATASETS,
      awaitingAnswer: () => !this.#closed && this.#assoc.state === 'Sta3',
      answerAssociation: (d) => this.#run(() => this.#assoc.associateResponse(d)),
      inflight: this.#d.limits.inflight,
      hold: (on) => this.#hold('printer', on),
      settle: (m) => this.#settle(m),
      maybeRelease: () => this.#maybeRelease(),
      abortAndClose: (detail) => this.#abortAndClose(detail),
    };
  }

  // ---------------------------------------------------------------- test-lab faults

  /** The lab may refuse what we would accept, shorten the max PDU, or drop right after. */
  #decide(d: AssociateDecision): AssociateDecision {
    const faults = this.#d.faults;
    if (!faults || !('accept' in d) || !this.#printer) return d;
    const plan = faults.onAssociate(this.#printer.profile.aeTitle, this.id, (f) => this.#noteFaults([f]));
    if (!plan) return d;
    this.#noteFaults(plan.fired);
    if (plan.reject) return { reject: plan.reject, why: `lab fault ${plan.fired.join('; ')}` };
    if (plan.maxPduLength !== undefined) d.accept.userInfo.maxLength = plan.maxPduLength;
    this.#dropOnAccept = plan.drop;
    return d;
  }

  #noteFaults(fired: readonly Fired[]): void {
    for (const f of fired) if (this.#faults.length < MAX_RECORDED_MESSAGES) this.#faults.push(f);
  }

  /** A lab fault drops the association: an A-ABORT, or a bare TCP close (FIN, no PDU). */
  #drop(d: DropSpec, when: string): void {
    this.#clearQueue();
    this.#log.info({ how: d.how, source: d.source, reason: d.reason }, `lab fault: dropping ${when}`);
    if (d.how === 'a-abort') {
      this.#run(() => this.#assoc.abort(d.source, d.reason, `lab fault: A-ABORT ${when}`));
      return;
    }
    this.#socket.pause();
    this.#socket.end(() => this.#socket.destroy());
  }

  // ---------------------------------------------------------------- core outputs

  #run(step: () => Output[]): void {
    let outputs: Output[];
    try {
      outputs = step();
    } catch (e) {
      // Only a bug in the protocol core gets here; the connection ends, the process goes on.
      this.#log.error({ err: (e as Error).stack }, 'protocol core failure; closing connection');
      this.#socket.destroy();
      return;
    }
    for (const o of outputs) this.#perform(o);
    this.#updatePhase();
  }

  #perform(o: Output): void {
    switch (o.kind) {
      case 'write':
        if (!this.#socket.destroyed) writeParts(this.#socket, o.parts);
        if (o.pdu.type !== 'P-DATA-TF' && this.#log.isLevelEnabled('debug')) {
          this.#log.debug({ pdu: describePdu(o.pdu) }, 'sent');
        }
        break;
      case 'close':
        this.#socket.end(() => this.#socket.destroy());
        break;
      case 'artim':
        clearTimeout(this.#artim);
        this.#artim = o.run ? setTimeout(() => this.#onArtim(), this.#d.limits.artimMs) : undefined;
        break;
      case 'associated':
        this.#onAssociated();
        break;
      case 'rejected':
        // A-ASSOCIATE-RJ without asking the policy (protocol version): an association all the same.
        if (o.rq) this.#becomeAssociation();
        this.#log.info(
          {
            peer: this.peerAddress,
            calling: o.rq?.callingAeTitle,
            called: o.rq?.calledAeTitle,
            result: o.rj.result,
            source: o.rj.source,
            reason: o.rj.reason,
          },
          `association rejected: ${o.why}`,
        );
        break;
      case 'pdata':
        this.#touch();
        try {
          for (const m of this.#assembler.push(o.pdvs)) this.#enqueue(m);
        } catch (e) {
          if (!(e instanceof AssemblyError)) throw e;
          this.#log.warn({ reason: e.reason }, `aborting: ${e.message}`);
          this.#run(() => this.#assoc.protocolError(e.reason, e.message));
        }
        break;
      case 'release-requested':
        this.#releaseRequested = true;
        this.#maybeRelease();
        break;
      case 'aborted':
        if (!this.isAssociation) {
          // Bytes that are not an A-ASSOCIATE-RQ on a new connection: not an association at all.
          if (o.by === 'us') this.#dropBeforeAssociation('invalid-pdu', o.detail);
          break;
        }
        this.#log.info(
          { by: o.by, source: o.source, reason: o.reason, reasonName: abortReasonName(o.reason) },
          `association aborted: ${o.detail}`,
        );
        break;
      case 'released':
      case 'transport-lost':
      case 'connect':
        break;
    }
  }

  #onAssociated(): void {
    const rq = this.#assoc.request!;
    const ac = this.#assoc.accept!;
    this.#peerMaxLength = rq.userInfo.maxLength ?? 0;
    for (const pc of ac.presentationContexts) {
      if (pc.result !== PcResult.Acceptance) continue;
      const abstractSyntax = rq.presentationContexts.find((p) => p.id === pc.id)!.abstractSyntax;
      this.#contexts.set(pc.id, { id: pc.id, abstractSyntax, transferSyntax: pc.transferSyntax });
    }
    const conn = this;
    this.#info = {
      id: this.id,
      callingAeTitle: rq.callingAeTitle,
      calledAeTitle: rq.calledAeTitle,
      get peerAddress() {
        return conn.peerAddress;
      },
      contexts: [...this.#contexts.values()],
      // Proxy mode: the modality hears the printer's events, not those of Lightbox's own jobs.
      notify: (n) => (this.#proxy ? Promise.resolve(undefined) : this.#events.notify(n)),
      onEnd: (fn) => this.onEnd(fn),
    };
    this.#printer!.registry.associated(this.#info);
    const drop = this.#dropOnAccept;
    // After the A-ASSOCIATE-AC went out (this runs inside the output loop that wrote it).
    if (drop) queueMicrotask(() => this.#drop(drop, 'after A-ASSOCIATE-AC'));
    this.#d.events?.publish({
      type: 'association.opened',
      id: this.id,
      callingAeTitle: rq.callingAeTitle,
      calledAeTitle: rq.calledAeTitle,
      peer: this.peerAddress,
      printer: this.#printer!.profile.aeTitle,
    });
    if (this.#log.isLevelEnabled('info'))
      this.#log.info(
        {
          peer: this.peerAddress,
          calling: rq.callingAeTitle,
          called: rq.calledAeTitle,
          peerMaxPdu: this.#peerMaxLength,
          peerImplementation: rq.userInfo.implementationClassUid,
          peerVersion: rq.userInfo.implementationVersionName,
          contexts: this.#contextSummary(),
        },
        'association accepted',
      );
    this.#touch();
  }

  #contextSummary(): string[] {
    const rq = this.#assoc.request;
    const ac = this.#assoc.accept;
    if (!rq || !ac) return [];
    return ac.presentationContexts.map((pc) => {
      const as = rq.presentationContexts.find((p) => p.id === pc.id)?.abstractSyntax ?? '?';
      const verdict =
        pc.result === PcResult.Acceptance ? uidName(pc.transferSyntax) : `refused(${pc.result})`;
      return `${pc.id}:${uidName(as)}:${verdict}`;
    });
  }

  // ---------------------------------------------------------------- DIMSE

  /**
   * An image box N-SET's data set is read as it arrives, its Pixel Data written to a staging file
   * of the printer: memory does not grow with the image. The socket pauses while the disk is behind.
   */
  #streamFor(cmd: DecodedCommand, contextId: number, tapped: boolean): DatasetStream | undefined {
    const c = cmd.command;
    const ctx = this.#contexts.get(contextId);
    if (c.commandField !== CommandField.N_SET_RQ || !ctx || !this.#printer) return undefined;
    // Proxy mode: a data set not relayed as it arrives is relayed whole, so it is held (within
    // --max-inflight); one relayed cut-through is streamed to staging for Lightbox as always.
    if (this.#proxy && !tapped) return undefined;
    if (!STREAMED_CLASSES.has(c.requestedSopClassUid ?? '')) return undefined;
    const staging = this.#printer.runtime.store.staging;
    return datasetStream(ctx.transferSyntax, {
      minLength: 1,
      open: (length) => {
        const file = staging.open(length);
        const budget = this.#d.limits.inflight;
        if (budget) {
          file.memory = budget;
          file.highWater = budget.queueAllowance(HIGH_WATER);
        }
        file.onPressure = (paused) => this.#hold('staging', paused);
        return file;
      },
    });
  }

  /** Stop reading the socket while anyone asks (the disk, or the printer in proxy mode, is behind). */
  #hold(who: 'staging' | 'printer', on: boolean): void {
    if (on) this.#holds.add(who);
    else this.#holds.delete(who);
    if (this.#holds.size > 0) this.#socket.pause();
    else if (!this.#closed) this.#socket.resume();
  }

  /** A message is done with (handled or dropped): its memory goes back, an unclaimed stream's file too. */
  #settle(m: AssembledMessage): void {
    if (m.held > 0) this.#d.limits.inflight?.give(m.held);
    m.held = 0;
    if (m.spilled && !m.spilled.value.claimed) m.spilled.value.sink.abort();
  }

  /** Drop every queued message (the association is going away). */
  #clearQueue(): void {
    for (const { m } of this.#queue.splice(0)) this.#settle(m);
  }

  #enqueue(m: AssembledMessage): void {
    if (m.datasetOverBudget) {
      const b = this.#d.limits.inflight;
      this.#log.warn(
        { datasetBytes: m.datasetLength, inflightBytes: b?.used, maxInflight: b?.limit },
        'in-flight memory budget exhausted: data set dropped, request refused (--max-inflight)',
      );
    }
    if (this.#queue.length >= this.#d.limits.maxQueuedRequests) {
      this.#settle(m);
      this.#log.warn(
        { queued: this.#queue.length },
        'aborting: peer ignores the asynchronous operations window',
      );
      this.#abortAndClose('too many outstanding requests');
      return;
    }
    // PS3.7 10.1: a Message ID still outstanding is a duplicate invocation (0x0210).
    const id = m.command.messageId;
    const duplicate = id !== undefined && !isResponse(m.command.commandField) && this.#outstanding.has(id);
    if (id !== undefined && !duplicate && !isResponse(m.command.commandField)) this.#outstanding.add(id);
    this.#queue.push({ m, duplicate });
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const { m, duplicate } = this.#queue.shift()!;
        try {
          await this.#handle(m, duplicate);
        } finally {
          this.#settle(m);
        }
      }
    } catch (e) {
      this.#log.error({ err: (e as Error).stack }, 'DIMSE handling failed; aborting association');
      this.#abortAndClose('internal error');
    } finally {
      this.#busy = false;
    }
    this.#events.flush();
    this.#proxy?.afterLoss();
    this.#maybeRelease();
  }

  // ---------------------------------------------------------------- N-EVENT-REPORT (SCP -> SCU)

  /** What the event sender (event-sender.ts) may ask of this connection. */
  #eventHost(): EventHost {
    const self = this;
    return {
      get log() {
        return self.#log;
      },
      get closed() {
        return self.#closed;
      },
      idle: () => !this.#busy,
      over: () => !this.#assoc.canSend || this.#releaseRequested || this.#closed,
      contextFor: (abstractSyntaxes) =>
        abstractSyntaxes
          .map((as) => [...this.#contexts.values()].find((c) => c.abstractSyntax === as))
          .find((c) => c !== undefined),
      send: (contextId, command, dataset, event) =>
        void this.#send(contextId, command, dataset, undefined, event.dataset),
    };
  }

  async #handle(m: AssembledMessage, duplicate: boolean): Promise<void> {
    const t0 = performance.now();
    const cmd = m.command;
    const type = commandName(cmd.commandField);
    const ctx = this.#contexts.get(m.contextId)!;
    const record: MessageRecord = {
      at: Date.now(),
      direction: 'in',
      type,
      contextId: m.contextId,
      // The SCU's answers to our N-EVENT-REPORTs carry the ID they respond to.
      messageId: cmd.messageId ?? cmd.messageIdBeingRespondedTo,
      sopClass: cmd.affectedSopClassUid ?? cmd.requestedSopClassUid,
      sopInstance: cmd.affectedSopInstanceUid ?? cmd.requestedSopInstanceUid,
      status: cmd.status,
      actionTypeId: cmd.actionTypeId,
      eventTypeId: cmd.eventTypeId,
      datasetBytes: m.datasetLength,
    };
    // An N-GET's list is what a replay must send again (its data set has none).
    if (cmd.attributeIdentifierList) record.attributeIdentifierList = cmd.attributeIdentifierList;
    this.#record(record);
    if (this.#d.dumpMessages) this.#dump('in', m.commandBytes, cmd, m.dataset, ctx.transferSyntax, m.spilled);
    if (isResponse(cmd.commandField)) {
      if (!this.#events.answered(cmd, type))
        this.#log.warn({ type, messageId: cmd.messageIdBeingRespondedTo }, `unexpected ${type} ignored`);
      return;
    }
    if (cmd.commandField === CommandField.C_CANCEL_RQ) {
      // C-CANCEL applies to C-FIND/C-GET/C-MOVE only, none of which we perform; it needs no answer.
      this.#log.warn({ type, messageId: cmd.messageIdBeingRespondedTo }, `unexpected ${type} ignored`);
      return;
    }
    const index = ++this.#requests;
    const ae = this.#printer!.profile.aeTitle;
    const faults = this.#d.faults;
    const lab: { plan?: RequestPlan } = {};
    const proxy = this.#proxy;
    await proxy?.laneRoom();
    const relayed = proxy ? await proxy.relay(m, ctx, duplicate) : undefined;
    const result: Relayed =
      relayed ??
      (await dispatch(m, {
        registry: this.#printer!.registry,
        context: ctx,
        association: this.#info!,
        duplicate,
        override: faults
          ? (req) => {
              const facts = { command: type.replace(/-RQ$/, ''), sopClassUid: req.sopClassUid };
              lab.plan = faults.onRequest(ae, this.id, { ...facts, dataset: req.dataset });
              return lab.plan?.reply;
            }
          : undefined,
      }));
    if (cmd.messageId !== undefined && !duplicate) this.#outstanding.delete(cmd.messageId);
    if (result.relay) record.relay = result.relay;
    if (result.request && this.messages.length <= RECORDED_DATASETS)
      record.attributes = recordDataset(result.request);
    const plan = lab.plan;
    if (plan) {
      this.#noteFaults(plan.fired);
      record.fault = plan.fired.join('; ');
      if (plan.drop) return this.#drop(plan.drop, `on ${type} (unanswered)`);
      if (plan.reply && result.command.status !== Status[plan.reply.status].code)
        record.fault += ` (status not applied: the handler failed)`;
      if (plan.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs));
    }
    const ms = performance.now() - t0;
    const status = result.command.status ?? 0;
    if (this.#log.isLevelEnabled('info')) {
      this.#log.info(
        {
          type,
          sopClass: result.sopClassUid ? uidName(result.sopClassUid) : undefined,
          messageId: cmd.messageId,
          context: m.contextId,
          datasetBytes: m.datasetLength,
          status: describeStatus(status),
          errorComment: result.command.errorComment,
          ms: Math.round(ms * 10) / 10,
        },
        `${type} -> ${statusCategory(status)}`,
      );
    }
    const out = this.#send(m.contextId, result.command, result.dataset, ms, result.response, {
      fault: record.fault,
      cause: result.cause,
      ...(result.lightbox ? { lightbox: result.lightbox } : {}),
      ...(result.upstreamMs !== undefined ? { upstreamMs: result.upstreamMs } : {}),
    });
    const shadow = result.shadow;
    if (shadow) proxy?.toLane(m, (msg) => shadow(msg, record, out));
    if (result.lost) {
      proxy?.gone(result.lost);
      return;
    }
    this.#d.events?.publish({
      type: 'dimse',
      association: this.id,
      message: type,
      sopClass: result.sopClassUid,
      status,
      ms: Math.round(ms * 10) / 10,
    });
    const after = faults?.afterRequest(ae, this.id, index);
    if (after?.drop) {
      this.#noteFaults(after.fired);
      record.fault = [record.fault, ...after.fired].filter(Boolean).join('; ');
      this.#drop(after.drop, `after request ${index}`);
    }
  }

  #send(
    contextId: number,
    command: CommandSet,
    dataset: Buffer | undefined,
    ms?: number,
    decoded?: DcmDataset,
    why: Pick<MessageRecord, 'fault' | 'cause' | 'lightbox' | 'upstreamMs'> = {},
  ): MessageRecord | undefined {
    if (!this.#assoc.canSend) return undefined;
    const bytes = encodeCommand(command);
    const record: MessageRecord = {
      at: Date.now(),
      direction: 'out',
      type: commandName(command.commandField),
      contextId,
      messageId: command.messageIdBeingRespondedTo ?? command.messageId,
      sopClass: command.affectedSopClassUid,
      sopInstance: command.affectedSopInstanceUid,
      status: command.status,
      actionTypeId: command.actionTypeId,
      eventTypeId: command.eventTypeId,
      errorComment: command.errorComment,
      offendingElement: command.offendingElement,
      attributeIdentifierList: command.attributeIdentifierList,
      datasetBytes: dataset?.length ?? 0,
      ms,
    };
    if (why.fault) record.fault = why.fault;
    if (why.cause) record.cause = why.cause;
    if (why.lightbox) record.lightbox = why.lightbox;
    if (why.upstreamMs !== undefined) record.upstreamMs = why.upstreamMs;
    if (decoded && this.messages.length < RECORDED_DATASETS) record.attributes = recordDataset(decoded);
    this.#record(record);
    if (this.#d.dumpMessages) {
      this.#dump('out', bytes, command, dataset, this.#contexts.get(contextId)?.transferSyntax);
    }
    for (const pdu of fragmentMessage(contextId, bytes, dataset, this.#peerMaxLength)) {
      this.#run(() => this.#assoc.sendPData(pdu));
    }
    return record;
  }

  #maybeRelease(): void {
    if (this.#releaseRequested && !this.#busy && this.#queue.length === 0 && this.#assoc.state === 'Sta8') {
      // Proxy mode: Lightbox's films are kept and the printer's association released first.
      if (this.#proxy && !this.#proxy.readyToRelease()) return;
      this.#run(() => this.#assoc.releaseResponse());
    }
  }

  #record(r: MessageRecord): void {
    if (this.messages.length < MAX_RECORDED_MESSAGES) this.messages.push(r);
  }

  #dump(
    direction: 'in' | 'out',
    commandBytes: Buffer,
    command: object,
    dataset: Bytes | undefined,
    ts: string | undefined,
    spilled?: AssembledMessage['spilled'],
  ): void {
    let data: unknown;
    if (dataset && ts) {
      try {
        const ds = decodeDataset(dataset, ts);
        // A streamed value is shown with its size, as if it were here.
        if (spilled) placeSpilled(ds, spilled.path, spilled.value);
        const natural = naturalize(ds);
        // Pixel data would drown the log: show its size, not its bytes.
        data = JSON.parse(
          JSON.stringify(natural, (_k, v) => {
            const bytes = binaryLength(v);
            return bytes === undefined ? v : `<${bytes} bytes>`;
          }),
        );
      } catch (e) {
        data = `<undecodable: ${(e as Error).message}>`;
      }
    }
    this.#log.info(
      { direction, commandHex: commandBytes.toString('hex'), command, dataset: data },
      'DIMSE dump',
    );
  }

  // ---------------------------------------------------------------- timers and end

  /** Traffic was seen: the idle timer counts from now (armed once, re-armed on expiry). */
  #touch(): void {
    this.#lastActivity = performance.now();
    this.#idle ??= setTimeout(() => this.#onIdle(), this.#d.limits.idleMs);
  }

  #onIdle(): void {
    this.#idle = undefined;
    if (!this.established) return;
    const quietFor = performance.now() - this.#lastActivity;
    if (this.#busy || quietFor < this.#d.limits.idleMs) {
      this.#idle = setTimeout(() => this.#onIdle(), Math.max(1, this.#d.limits.idleMs - quietFor));
      return;
    }
    this.#log.info({ idleMs: this.#d.limits.idleMs }, 'idle timeout: aborting association');
    this.#abortAndClose(`no traffic for ${this.#d.limits.idleMs} ms`);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#endedAt = Date.now();
    this.#run(() => this.#assoc.transportClosed());
    this.#closed = true;
    this.#assembler.discard();
    this.#clearQueue();
    clearTimeout(this.#artim);
    clearTimeout(this.#idle);
    clearTimeout(this.#associateTimer);
    this.#updatePhase();
    const rq = this.#assoc.request;
    if (!this.isAssociation) {
      if (this.#log.isLevelEnabled('debug'))
        this.#log.debug(
          { peer: this.peerAddress, durationMs: Date.now() - this.startedAt, detail: this.#assoc.endDetail },
          'connection closed before associating',
        );
    } else if (this.#log.isLevelEnabled('info'))
      this.#log.info(
        {
          peer: this.peerAddress,
          calling: rq?.callingAeTitle,
          called: rq?.calledAeTitle,
          printer: this.#printer?.profile.aeTitle,
          contexts: this.#contextSummary(),
          messages: this.messages.length,
          durationMs: Date.now() - this.startedAt,
          ending: this.#assoc.ending === 'open' ? 'transport-closed' : this.#assoc.ending,
          detail: this.#assoc.endDetail,
        },
        'association ended',
      );
    this.#events.close();
    this.#proxy?.ended(this.#assoc.ending);
    this.#d.faults?.detach(this.id);
    if (this.#info) {
      this.#d.events?.publish({
        type: 'association.closed',
        id: this.id,
        ending: this.#assoc.ending === 'open' ? 'transport-closed' : this.#assoc.ending,
        printer: this.#printer?.profile.aeTitle,
      });
    }
    if (this.#id !== undefined) this.#d.recorder.ended(this.summary());
    for (const fn of this.#endListeners) fn();
  }
}
