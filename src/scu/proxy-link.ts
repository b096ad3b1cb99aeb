/**
 * Proxy mode's link to the real printer: one requestor association per modality association,
 * opened when the modality's A-ASSOCIATE-RQ arrives and proposing what it proposed. Each request
 * is sent on the context that corresponds to the modality's, with the data set bytes as received;
 * the printer's N-EVENT-REPORTs are answered Success at once (the printer must not wait on the
 * modality) and passed on. Every wait is bounded by the profile's `forward.timeoutMs`.
 */
import type { Bytes } from '../dicom/chunked-bytes.js';
import type { CommandSet } from '../dicom/dimse/command-fields.js';
import { type DcmDataset, recordDataset } from '../dicom/dimse/dataset.js';
import { Status } from '../dicom/dimse/status.js';
import type { AssociateDecision } from '../dicom/ul/association.js';
import { type AssociateRq, PcResult } from '../dicom/ul/pdu.js';
import type {
  InstanceNames,
  OurSide,
  StreamFlow,
  Upstream,
  UpstreamAnswer,
  UpstreamHandlers,
  UpstreamStream,
} from '../net/upstream.js';
import type { UpstreamRecord } from '../store/association-record.js';
import { forwardTls } from './forward-tls.js';
import type { ForwardConfig } from './forwarder.js';
import {
  modalityAccept,
  modalityRejection,
  type UpstreamProposal,
  upstreamProposal,
} from './proxy-negotiation.js';
import { type DimseResponse, Requestor, type StreamedRequest } from './requestor.js';
import { ScuError } from './scu-error.js';
import { targetText } from './target.js';
import { UidMap } from './uid-map.js';

/** Default bound on each wait toward the printer: connect, A-ASSOCIATE-AC, each response. */
export const PROXY_TIMEOUT_MS = 30_000;
const RELEASE_MS = 10_000;

/** InstanceNames over the replay's UidMap: the printer's answers play the original's part. */
class PrinterNames implements InstanceNames {
  readonly #map = new UidMap();
  ours(uid: string): string {
    return this.#map.get(uid);
  }
  rewrite(ds: DcmDataset): DcmDataset {
    return this.#map.rewrite(ds);
  }
  learn(
    printer: { sopInstance?: string; dataset?: DcmDataset },
    ours: { sopInstance?: string; dataset?: DcmDataset },
  ): void {
    this.#map.learn(
      {
        ...(printer.sopInstance ? { sopInstance: printer.sopInstance } : {}),
        ...(printer.dataset ? { attributes: recordDataset(printer.dataset) } : {}),
      },
      ours,
    );
  }
}

export class ProxyLink implements Upstream {
  readonly target: string;
  readonly names: InstanceNames = new PrinterNames();
  readonly #c: ForwardConfig;
  readonly #h: UpstreamHandlers;
  #r: Requestor | undefined;
  #proposal: UpstreamProposal | undefined;
  #callingAeTitle: string | undefined;
  /** We released or aborted it: its end is not a loss. */
  #ending = false;
  #failure: string | undefined;

  constructor(config: ForwardConfig, handlers: UpstreamHandlers) {
    this.#c = config;
    this.#h = handlers;
    this.target = targetText({ host: config.host, port: config.port, aeTitle: config.aeTitle });
  }

  async open(rq: AssociateRq, ours: OurSide): Promise<AssociateDecision> {
    const proposal = upstreamProposal(rq);
    this.#proposal = proposal;
    // The printer is asked as the modality calls it, unless the profile names us otherwise: a
    // printer that only knows its modalities' AE titles keeps working behind the proxy.
    this.#callingAeTitle = this.#c.callingAeTitle ?? rq.callingAeTitle;
    if (proposal.contexts.length === 0)
      return {
        accept: modalityAccept(
          rq,
          proposal,
          { ...rq, type: 'A-ASSOCIATE-AC', presentationContexts: [] },
          ours,
        ),
      };
    const t = this.#c.timeoutMs ?? PROXY_TIMEOUT_MS;
    try {
      this.#r = await Requestor.open({
        host: this.#c.host,
        port: this.#c.port,
        calledAeTitle: this.#c.aeTitle,
        callingAeTitle: this.#callingAeTitle,
        contexts: proposal.contexts,
        maxPduLength: ours.maxPduLength,
        timeouts: { connectMs: t, associateMs: t, responseMs: t, releaseMs: Math.min(t, RELEASE_MS) },
        ...(this.#c.tls ? { tls: forwardTls(this.#c.tls, this.#c.host) } : {}),
        onEvent: (e) => {
          this.#h.event({
            abstractSyntaxes: [e.abstractSyntax],
            sopClassUid: e.sopClassUid,
            sopInstanceUid: e.sopInstanceUid,
            eventTypeId: e.eventTypeId,
            ...(e.dataset ? { dataset: e.dataset } : {}),
          });
          return Status.Success.code;
        },
      });
    } catch (e) {
      const err = e instanceof ScuError ? e : new ScuError('closed', String(e));
      this.#failure = err.message;
      return modalityRejection(err, this.target);
    }
    const r = this.#r;
    void r.closed().then(() => {
      if (!this.#ending) this.#h.lost(r.endDetail || `the printer's association ended (${r.ending})`);
    });
    return { accept: modalityAccept(rq, proposal, r.accept!, ours) };
  }

  async request(contextId: number, command: CommandSet, dataset: Bytes | undefined): Promise<UpstreamAnswer> {
    const { r, id, rest } = this.#toPrinter(contextId, command);
    try {
      return answerOf(await r.send({ command: rest, contextId: id, ...(dataset ? { dataset } : {}) }));
    } catch (e) {
      throw this.#noAnswer(e);
    }
  }

  stream(contextId: number, command: CommandSet, flow?: StreamFlow): UpstreamStream | undefined {
    let s: StreamedRequest;
    try {
      const { r, id, rest } = this.#toPrinter(contextId, command);
      s = r.stream({ command: rest, contextId: id }, flow);
    } catch {
      return undefined;
    }
    return {
      write: (part) => s.write(part),
      whenLow: () => s.whenLow(),
      end: () => s.end(),
      abort: (detail) => s.abort(detail),
      answer: s.response.then(answerOf, (e) => {
        throw this.#noAnswer(e);
      }),
    };
  }

  #toPrinter(contextId: number, command: CommandSet) {
    const r = this.#r;
    const id = this.#proposal?.ids.get(contextId);
    if (!r || id === undefined) throw new ScuError('not-negotiated', 'no association with the printer');
    const { messageId: _m, commandDataSetType: _t, messageIdBeingRespondedTo: _r, ...rest } = command;
    return { r, id, rest };
  }

  /** The modality reads this in Error Comment (64 characters): short; the whole story is the cause. */
  #noAnswer(e: unknown): Error {
    const err = e instanceof ScuError ? e : new ScuError('closed', String(e));
    const t = this.#c.timeoutMs ?? PROXY_TIMEOUT_MS;
    const comment =
      err.kind === 'timeout'
        ? `printer did not answer within ${t} ms`
        : err.kind === 'aborted' || err.kind === 'closed'
          ? 'printer connection lost'
          : `printer: ${err.message}`;
    this.#failure ??= err.message;
    return new Error(comment, { cause: err });
  }

  async release(): Promise<void> {
    this.#ending = true;
    if (this.#r?.isOpen) await this.#r.release();
    else this.#r?.abort('the modality released');
  }

  abort(detail: string): void {
    this.#ending = true;
    this.#r?.abort(detail);
  }

  summary(): UpstreamRecord {
    const r = this.#r;
    const accepted = (r?.accept?.presentationContexts ?? [])
      .filter((c) => c.result === PcResult.Acceptance)
      .map((c) => r!.contexts.find((x) => x.id === c.id))
      .filter((c) => c !== undefined)
      .map((c) => `${c.abstractSyntax}: ${c.transferSyntax}`);
    const s: UpstreamRecord = {
      target: this.target,
      tls: this.#c.tls !== undefined,
      accepted,
      ending: r ? r.ending : 'not-associated',
    };
    if (this.#callingAeTitle) s.callingAeTitle = this.#callingAeTitle;
    const detail = this.#failure ?? r?.endDetail;
    if (detail) s.detail = detail;
    return s;
  }
}

function answerOf(rsp: DimseResponse): UpstreamAnswer {
  const a: UpstreamAnswer = { command: rsp.command, ms: rsp.ms };
  if (rsp.dataset) a.dataset = rsp.dataset;
  if (rsp.datasetError) a.datasetError = rsp.datasetError;
  return a;
}
