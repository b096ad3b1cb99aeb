/**
 * Proxy mode's relay, one per modality association whose printer forwards (`forward: {mode: proxy}`):
 * opens the printer's association for the modality's, relays each request (cut-through while its
 * data set arrives, or whole), hands Lightbox's own handling of it to a bounded lane behind the
 * relay, and releases or aborts the printer's side as the modality's ends (docs/proxy.md). The
 * connection (dicom-connection.ts) owns the socket and the queue; it asks this object through the
 * few methods below and answers through RelayHost.
 */
import type { Logger } from 'pino';
import type { AssembledMessage, DataTap } from '../dicom/dimse/assembler.js';
import type { DecodedCommand } from '../dicom/dimse/command-codec.js';
import { type CommandSet, isResponse } from '../dicom/dimse/command-fields.js';
import { type DcmDataset, decodeDataset, recordDataset } from '../dicom/dimse/dataset.js';
import { statusCategory } from '../dicom/dimse/status.js';
import { type DispatchResult, dispatch, requestSopClass } from '../dicom/service/dispatcher.js';
import type { ServiceRegistry } from '../dicom/service/registry.js';
import type { AssociationInfo, ContextInfo } from '../dicom/service/service.js';
import type { AssociateDecision } from '../dicom/ul/association.js';
import type { AssociateRq } from '../dicom/ul/pdu.js';
import type { MessageRecord, UpstreamRecord } from '../store/association-record.js';
import type { InflightBudget } from './inflight-budget.js';
import { inOurNames, noAnswerResponse, relayedResponse } from './relayed.js';
import type { OurSide, Upstream, UpstreamAnswer } from './upstream.js';

/** A relayed request's outcome: the printer's answer for the modality, and what Lightbox made of it. */
export interface Relayed extends DispatchResult {
  /** Lightbox's own answer (the preview's), when it handled the request. */
  lightbox?: { status: number; errorComment?: string };
  upstreamMs?: number;
  /** How the request went to the printer. */
  relay?: MessageRecord['relay'];
  /** The printer's association is gone: the modality's goes too once this answer is sent. */
  lost?: string;
  /**
   * Lightbox's own handling of the request, to run in the lane once the answer is sent, given
   * the records of the request and of the answer (it fills in `lightbox`).
   */
  shadow?: (m: AssembledMessage, request: MessageRecord, answer: MessageRecord | undefined) => Promise<void>;
}

/** What the relay asks of the modality's connection. */
export interface RelayHost {
  readonly log: Logger;
  /** The modality's transport is closed. */
  readonly closed: boolean;
  /** The modality's association is established (Sta6-8). */
  readonly established: boolean;
  /** Nothing else is in progress or queued on the modality's association. */
  idle(): boolean;
  hasContext(contextId: number): boolean;
  /** Lightbox's own handler for the printer's requests, once the association is accepted. */
  registry(): ServiceRegistry;
  association(): AssociationInfo;
  /** The association record still keeps data sets (bounded per association). */
  recordsDatasets(): boolean;
  /** The modality still waits for its A-ASSOCIATE-AC (Sta3, transport open). */
  awaitingAnswer(): boolean;
  /** The printer's answer to the A-ASSOCIATE-RQ, as the modality's. */
  answerAssociation(d: AssociateDecision): void;
  /** Memory for data sets in flight (--max-inflight): the bytes waiting for the printer count. */
  readonly inflight: InflightBudget | undefined;
  /** Stop (true) or resume (false) reading the modality's socket: the printer is behind. */
  hold(on: boolean): void;
  /** A message the lane is done with: its memory and staging file go back. */
  settle(m: AssembledMessage): void;
  /** The lane drained or the printer released: the modality's release may be answered now. */
  maybeRelease(): void;
  abortAndClose(detail: string): void;
}

/** Requests Lightbox's own handler may lag behind the relay before the relay waits for it. */
const LANE_DEPTH = 4;
/**
 * Bytes of a data set relayed cut-through that may wait for the printer before the modality's
 * socket is paused (less when the in-flight budget is short); it is read again below a quarter.
 */
const RELAY_HIGH_WATER = 8 * 1024 * 1024;

export class ProxyRelay {
  readonly #up: Upstream;
  readonly #host: RelayHost;
  /** The printer's association ended on its own (why); the modality's follows. */
  #gone: string | undefined;
  #release: 'no' | 'asked' | 'done' = 'no';
  /** Lightbox's own handling of relayed requests, in order, behind the relay. */
  #lane: Promise<void> = Promise.resolve();
  #laneDepth = 0;
  /** The request being relayed while its data set arrives, and the printer's answer. */
  #cutThrough: { command: CommandSet; answer: Promise<UpstreamAnswer> } | undefined;
  /** Times the modality was paused because the printer was behind, and whether it is now. */
  #pauses = 0;
  #paused = false;

  constructor(up: Upstream, host: RelayHost) {
    this.#up = up;
    this.#host = host;
  }

  summary(): UpstreamRecord {
    const s = this.#up.summary();
    if (this.#pauses > 0) s.pausedForPrinter = this.#pauses;
    if (this.#paused) s.paused = true;
    return s;
  }

  /** Associate with the printer; its answer becomes the modality's. */
  async open(rq: AssociateRq, ours: OurSide): Promise<void> {
    const decision = await this.#up.open(rq, ours);
    if (!this.#host.awaitingAnswer()) {
      this.#up.abort('the modality went away while the printer was asked');
      return;
    }
    if ('reject' in decision) this.#host.log.warn({ printer: this.#up.target }, `proxy: ${decision.why}`);
    this.#host.answerAssociation(decision);
  }

  /** The printer's association ended on its own: the modality's ends too (after any answer due). */
  lost(detail: string): void {
    if (this.#release !== 'no' || this.#host.closed) return;
    this.#gone ??= detail;
    if (this.#host.idle()) this.afterLoss();
  }

  /** Once nothing is in progress: a printer gone means the modality's association goes. */
  afterLoss(): void {
    const why = this.#gone;
    if (!why || !this.#host.established || this.#release !== 'no') return;
    this.#host.log.warn({ printer: this.#up.target, detail: why }, 'proxy: the printer is gone, aborting');
    this.#host.abortAndClose(`the printer ${this.#up.target}: ${why}`);
  }

  /** Before a request is relayed: Lightbox's own handler may lag behind, within a bound. */
  async laneRoom(): Promise<void> {
    while (this.#laneDepth >= LANE_DEPTH) await this.#lane;
  }

  /**
   * One request through the real printer: its answer goes to the modality; Lightbox's own handler
   * then performs it too (#shadow) unless the printer refused it, so the preview holds what the
   * printer holds. What cannot be relayed (a duplicate Message ID, a data set over our limits)
   * Lightbox answers itself. No answer from the printer: 0x0110 with the reason in Error Comment,
   * then the association ends (docs/proxy.md#lost).
   */
  async relay(m: AssembledMessage, ctx: ContextInfo, duplicate: boolean): Promise<Relayed> {
    const up = this.#up;
    const early = this.#cutThrough?.command === m.command ? this.#cutThrough.answer : undefined;
    this.#cutThrough = undefined;
    // A data set Lightbox cannot read that the printer already has whole: the printer answers it.
    if (duplicate || m.datasetOverLimit || m.datasetOverBudget || (m.datasetError && !early)) {
      return dispatch(m, {
        registry: this.#host.registry(),
        context: ctx,
        association: this.#host.association(),
        duplicate,
      });
    }
    const sopClassUid = requestSopClass(m.command);
    let answer: UpstreamAnswer;
    try {
      answer = await (early ?? up.request(m.contextId, m.command, m.dataset));
    } catch (e) {
      const why = (e as Error).message;
      this.#host.log.warn(
        { printer: up.target, detail: ((e as Error).cause as Error | undefined)?.message },
        `proxy: no answer from the printer: ${why}`,
      );
      return { command: noAnswerResponse(m.command, why), sopClassUid, lost: why };
    }
    const theirs = answer.command;
    const { command, dataset, encodeError } = relayedResponse(m.command, answer, ctx.transferSyntax);
    if (encodeError)
      this.#host.log.warn({ err: encodeError }, "proxy: the printer's response data set is not passed on");
    const status = command.status!;
    const result: Relayed = {
      command,
      sopClassUid,
      upstreamMs: Math.round(answer.ms * 10) / 10,
      relay: early ? 'cut-through' : 'whole',
    };
    if (dataset) result.response = answer.dataset!;
    result.dataset = dataset;
    if (statusCategory(status) === 'failure') {
      // Not done at the printer: not done here either (the modality will not use it).
      if (m.dataset && !m.spilled) {
        try {
          result.request = decodeDataset(m.dataset, ctx.transferSyntax);
        } catch {
          // the record keeps the message without its data set
        }
      }
      return result;
    }
    result.shadow = (msg, request, out) => this.#shadow(msg, ctx, theirs, answer.dataset, request, out);
    return result;
  }

  /**
   * A request with a data set, relayed while its data set arrives: each PDU's worth goes on to the
   * printer as it comes instead of once the whole image is here (a W1 image would otherwise cross
   * the wire twice, one after the other). Only when nothing else is in progress on the association,
   * so the printer gets requests in the modality's order; else the message goes whole (relay()).
   */
  tap(cmd: DecodedCommand, contextId: number): DataTap | undefined {
    const host = this.#host;
    if (!host.idle() || this.#gone || !host.hasContext(contextId)) return undefined;
    if (isResponse(cmd.command.commandField)) return undefined;
    const budget = host.inflight;
    const s = this.#up.stream(contextId, cmd.command, {
      highWater: budget ? budget.queueAllowance(RELAY_HIGH_WATER) : RELAY_HIGH_WATER,
      memory: budget,
    });
    if (!s) return undefined;
    s.answer.catch(() => undefined);
    this.#cutThrough = { command: cmd.command, answer: s.answer };
    return {
      data: (part) => {
        if (s.write(part) || this.#paused) return;
        // The printer takes the bytes slower than the modality sends them: stop reading the
        // modality (its sends block once the socket buffers are full) until they have gone on.
        this.#paused = true;
        this.#pauses++;
        host.hold(true);
        void s.whenLow().then(() => {
          this.#paused = false;
          host.hold(false);
        });
      },
      end: () => s.end(),
      // The modality's data set is over a limit, or it went away: the printer has half a request.
      abort: () => s.abort("the modality's data set was not relayed whole"),
    };
  }

  /**
   * Lightbox performs a request the printer accepted, under its own instance UIDs (the modality
   * uses the printer's), after the modality has its answer: the relay does not wait for Lightbox's
   * handler, which follows in order in its own lane (bounded, and drained before the release is
   * answered, so the film is kept by the end of the association).
   */
  async #shadow(
    m: AssembledMessage,
    ctx: ContextInfo,
    theirs: CommandSet,
    theirDataset: DcmDataset | undefined,
    request: MessageRecord,
    out: MessageRecord | undefined,
  ): Promise<void> {
    if (this.#host.closed) return;
    const names = this.#up.names;
    const mine = await dispatch(inOurNames(m, names), {
      registry: this.#host.registry(),
      context: ctx,
      association: this.#host.association(),
      duplicate: false,
      rewrite: (ds) => names.rewrite(ds),
      ...(theirs.status === undefined
        ? {}
        : {
            told: {
              status: theirs.status,
              ...(theirs.errorComment ? { errorComment: theirs.errorComment } : {}),
            },
          }),
    });
    names.learn(
      { sopInstance: theirs.affectedSopInstanceUid, dataset: theirDataset },
      { sopInstance: mine.command.affectedSopInstanceUid, dataset: mine.response },
    );
    if (mine.request && this.#host.recordsDatasets()) request.attributes = recordDataset(mine.request);
    if (!out) return;
    out.lightbox = { status: mine.command.status ?? 0 };
    if (mine.command.errorComment) out.lightbox.errorComment = mine.command.errorComment;
    if (mine.cause) out.cause = mine.cause;
  }

  /**
   * Run a lane job in order. It owns the message from now: its memory stays taken, and a
   * streamed image's staging file kept, until the job is done with them.
   */
  toLane(m: AssembledMessage, job: (m: AssembledMessage) => Promise<void>): void {
    const msg = { ...m };
    m.held = 0;
    delete m.spilled;
    this.#laneDepth++;
    this.#lane = this.#lane
      .then(() => job(msg))
      .catch((e) =>
        this.#host.log.error(
          { err: (e as Error).stack },
          'proxy: Lightbox could not perform a relayed request',
        ),
      )
      .finally(() => {
        this.#laneDepth--;
        this.#host.settle(msg);
        this.#host.maybeRelease();
      });
  }

  /** A request's answer said the printer is gone: the modality's association follows it. */
  gone(why: string): void {
    this.#gone ??= why;
    this.afterLoss();
  }

  /**
   * The modality asked to release: true once its release may be answered, that is once Lightbox's
   * lane is drained (the films are kept) and the printer's association is released (bounded).
   */
  readyToRelease(): boolean {
    if (this.#laneDepth > 0) return false;
    if (this.#release === 'done') return true;
    if (this.#release === 'no') {
      this.#release = 'asked';
      void this.#up.release().finally(() => {
        this.#release = 'done';
        this.#host.maybeRelease();
      });
    }
    return false;
  }

  /** The modality's association ended: the printer's is aborted unless it was released. */
  ended(how: string): void {
    if (this.#release !== 'no') return;
    this.#release = 'done';
    this.#up.abort(`the modality's association ended (${how})`);
  }
}
