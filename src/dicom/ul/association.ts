/**
 * One DICOM association's Upper Layer protocol machine (PS3.8 9.2), pure: bytes and local
 * primitives go in, outputs come back (bytes to write, timer and close requests, indications for
 * the service layer). No sockets, no timers, no clock: net/ performs the outputs.
 *
 * The (state, event) -> action mapping is the table in fsm.ts; the methods named after PS3.8
 * actions below are the only places that change state.
 */
import type { Bytes } from '../chunked-bytes.js';
import { ABORT_REASONS, type AbortReason, PduError } from './errors.js';
import { ACTION_NEXT_STATES, type Action, type Event, PDU_EVENTS, type State, transition } from './fsm.js';
import type { Abort, AssociateAc, AssociateRj, AssociateRq, PDataTf, Pdu, Pdv } from './pdu.js';
import { Reject } from './pdu.js';
import { decodePdu, encodePduParts } from './pdu-codec.js';
import { type FramerLimits, PduFramer } from './pdu-framer.js';

/** What the service layer answers to an A-ASSOCIATE indication. */
export type AssociateDecision = { accept: AssociateAc } | { reject: Omit<AssociateRj, 'type'>; why: string };

export type Output =
  /** The PDU's bytes in order (a P-DATA-TF's data as views, not copied): one writev. */
  | { kind: 'write'; parts: readonly Buffer[]; pdu: Pdu }
  | { kind: 'close' }
  | { kind: 'connect' }
  | { kind: 'artim'; run: boolean }
  | { kind: 'associated'; rq: AssociateRq; ac: AssociateAc }
  | { kind: 'rejected'; rq: AssociateRq | undefined; rj: AssociateRj; why: string }
  | { kind: 'pdata'; pdvs: Pdv[] }
  | { kind: 'release-requested' }
  | { kind: 'released' }
  | { kind: 'aborted'; by: 'peer' | 'us'; source: number; reason: number; detail: string }
  | { kind: 'transport-lost'; detail: string };

export interface Transition {
  from: State;
  event: Event;
  action: Action;
  to: State;
}

export interface AssociationOptions {
  role: 'acceptor' | 'requestor';
  limits: FramerLimits;
  /**
   * Acceptor: decide on an A-ASSOCIATE-RQ that passed the Upper Layer checks (Sta3). Returning
   * 'defer' leaves the association in Sta3 until associateResponse() is called.
   */
  decide?: (rq: AssociateRq) => AssociateDecision | 'defer';
}

/** How the association ended, for the per-association log record. */
export type Ending =
  | 'released'
  | 'rejected'
  | 'aborted-by-peer'
  | 'aborted-by-us'
  | 'transport-closed'
  | 'artim-expired'
  | 'open';

const HISTORY_LIMIT = 64;

/** Parameters an event may carry into its action. */
interface EventArgs {
  pdu?: Pdu;
  abort?: { source: Abort['source']; reason: number; detail: string };
  pdata?: PDataTf;
}

export class Association {
  #state: State = 'Sta1';
  #out: Output[] = [];
  #framer: PduFramer;
  #inputClosed = false;
  #rq: AssociateRq | undefined;
  #ac: AssociateAc | undefined;
  #acceptedContexts = new Set<number>();
  #ending: Ending = 'open';
  #endDetail = '';
  readonly history: Transition[] = [];

  constructor(readonly options: AssociationOptions) {
    this.#framer = new PduFramer(options.limits);
  }

  get state(): State {
    return this.#state;
  }
  get request(): AssociateRq | undefined {
    return this.#rq;
  }
  get accept(): AssociateAc | undefined {
    return this.#ac;
  }
  get ending(): Ending {
    return this.#ending;
  }
  get endDetail(): string {
    return this.#endDetail;
  }
  /** True once the association can carry P-DATA in our direction (Sta6, or Sta8 while releasing). */
  get canSend(): boolean {
    return this.#state === 'Sta6' || this.#state === 'Sta8';
  }

  // ---------------------------------------------------------------- inputs

  /** Evt5: a transport connection was accepted (acceptor). */
  transportAccepted(): Output[] {
    return this.#fire('Evt5', {});
  }

  /** Evt1: local A-ASSOCIATE request (requestor). */
  associateRequest(rq: AssociateRq): Output[] {
    this.#rq = rq;
    return this.#fire('Evt1', {});
  }

  /** Evt2: the transport connection we asked for is open (requestor). */
  transportConnected(): Output[] {
    return this.#fire('Evt2', {});
  }

  /** Bytes from the transport, in any chunking. */
  receive(chunk: Buffer): Output[] {
    if (this.#inputClosed) return [];
    let frames: Bytes[];
    try {
      frames = this.#framer.push(chunk);
    } catch (e) {
      return this.#invalidPdu(e);
    }
    const out: Output[] = [];
    for (const frame of frames) {
      if (this.#inputClosed) break;
      let pdu: Pdu;
      try {
        pdu = decodePdu(frame);
      } catch (e) {
        out.push(...this.#invalidPdu(e));
        break;
      }
      out.push(...this.#receivedPdu(pdu));
    }
    return out;
  }

  /** Evt7/Evt8: the deferred answer to an A-ASSOCIATE indication. */
  associateResponse(d: AssociateDecision): Output[] {
    if (this.#state !== 'Sta3') return [];
    this.#setDecision(d);
    return this.#fire('accept' in d ? 'Evt7' : 'Evt8', {});
  }

  /** Evt9: send one P-DATA-TF PDU. Returns nothing written when the state does not allow it. */
  sendPData(p: PDataTf): Output[] {
    if (!this.canSend) return [];
    return this.#fire('Evt9', { pdata: p });
  }

  /** Evt11: local A-RELEASE request (requestor). */
  releaseRequest(): Output[] {
    return this.#fire('Evt11', {});
  }

  /** Evt14: the service layer agrees to the peer's release (always affirmative, PS3.8 7.2). */
  releaseResponse(): Output[] {
    return this.#fire('Evt14', {});
  }

  /** Evt15: local A-ABORT request (idle timeout, shutdown, service-layer protocol error). */
  abort(source: Abort['source'], reason: number, detail: string): Output[] {
    if (transition(this.#state, 'Evt15') === undefined) return [];
    return this.#fire('Evt15', { abort: { source, reason, detail } });
  }

  /** A violation the service layer found in a PDU's content (e.g. a PDV out of sequence): Evt19. */
  protocolError(reason: AbortReason, detail: string): Output[] {
    if (transition(this.#state, 'Evt19') === undefined) return [];
    this.#inputClosed = true;
    return this.#fire('Evt19', { abort: { source: 2, reason: ABORT_REASONS[reason], detail } });
  }

  /** Evt17: the transport connection closed. */
  transportClosed(): Output[] {
    if (this.#state === 'Sta1') return [];
    return this.#fire('Evt17', {});
  }

  /** Evt18: the ARTIM timer expired. */
  artimExpired(): Output[] {
    if (transition(this.#state, 'Evt18') === undefined) return [];
    return this.#fire('Evt18', {});
  }

  // ---------------------------------------------------------------- dispatch

  #invalidPdu(e: unknown): Output[] {
    const err = e instanceof PduError ? e : new PduError('reason-not-specified', String(e));
    this.#inputClosed = true;
    if (transition(this.#state, 'Evt19') === undefined) return [];
    return this.#fire('Evt19', {
      abort: { source: 2, reason: ABORT_REASONS[err.reason], detail: err.message },
    });
  }

  #receivedPdu(pdu: Pdu): Output[] {
    // PS3.8 9.3.5: a PDV on a context that was not accepted is an invalid PDU parameter.
    if (pdu.type === 'P-DATA-TF' && (this.#state === 'Sta6' || this.#state === 'Sta7')) {
      const bad = pdu.pdvs.find((v) => !this.#acceptedContexts.has(v.contextId));
      if (bad) {
        return this.protocolError(
          'invalid-pdu-parameter-value',
          `PDV on presentation context ${bad.contextId}, which was not accepted`,
        );
      }
    }
    const unexpected = {
      source: 2 as const,
      reason: ABORT_REASONS['unexpected-pdu'],
      detail: `unexpected ${pdu.type}`,
    };
    return this.#fire(PDU_EVENTS[pdu.type], { pdu, abort: unexpected });
  }

  #fire(event: Event, args: EventArgs): Output[] {
    const from = this.#state;
    const action = transition(from, event);
    if (action === undefined) {
      throw new Error(`PS3.8 defines no action for ${event} in ${from}`);
    }
    this.#out = [];
    const to = this.#perform(action, event, args);
    if (!ACTION_NEXT_STATES[action].includes(to)) {
      throw new Error(`${action} may not lead to ${to}`);
    }
    this.#state = to;
    // Bounded: drop the older half at once rather than shift() on every event.
    if (this.history.length >= HISTORY_LIMIT) this.history.splice(0, HISTORY_LIMIT / 2);
    this.history.push({ from, event, action, to });
    const out = this.#out;
    this.#out = [];
    // An acceptor answers its own A-ASSOCIATE indication synchronously (Sta3 -> Evt7/Evt8).
    if (to === 'Sta3' && this.#pendingDecision) {
      const d = this.#pendingDecision;
      this.#pendingDecision = undefined;
      out.push(...('accept' in d ? this.#fire('Evt7', {}) : this.#fire('Evt8', {})));
    }
    return out;
  }

  #pendingDecision: AssociateDecision | undefined;
  #pendingReject: { rj: AssociateRj; why: string } | undefined;

  // ---------------------------------------------------------------- actions (PS3.8 9.2.2)

  #perform(action: Action, event: Event, a: EventArgs): State {
    switch (action) {
      case 'AE-1':
        this.#emit({ kind: 'connect' });
        return 'Sta4';
      case 'AE-2':
        this.#send(this.#rq!);
        return 'Sta5';
      case 'AE-3': {
        const ac = a.pdu as AssociateAc;
        this.#ac = ac;
        for (const pc of ac.presentationContexts) if (pc.result === 0) this.#acceptedContexts.add(pc.id);
        this.#emit({ kind: 'associated', rq: this.#rq!, ac });
        return 'Sta6';
      }
      case 'AE-4': {
        const rj = a.pdu as AssociateRj;
        this.#end('rejected', `rejected: result ${rj.result} source ${rj.source} reason ${rj.reason}`);
        this.#emit({ kind: 'rejected', rq: this.#rq, rj, why: 'rejected by peer' });
        this.#emit({ kind: 'close' });
        return 'Sta1';
      }
      case 'AE-5':
        this.#emit({ kind: 'artim', run: true });
        return 'Sta2';
      case 'AE-6': {
        this.#emit({ kind: 'artim', run: false });
        const rq = a.pdu as AssociateRq;
        this.#rq = rq;
        // PS3.8 9.3.2: bit 0 of the protocol version must be set.
        if ((rq.protocolVersion & 1) === 0) {
          this.#rejectNow(
            Reject['protocol-version-not-supported'],
            `protocol version 0x${rq.protocolVersion.toString(16)}`,
          );
          return 'Sta13';
        }
        const decision = this.options.decide?.(rq) ?? {
          reject: Reject['no-reason-given'],
          why: 'no acceptance policy',
        };
        if (decision !== 'defer') {
          this.#pendingDecision = decision;
          this.#setDecision(decision);
        }
        return 'Sta3';
      }
      case 'AE-7': {
        const ac = this.#ac!;
        for (const pc of ac.presentationContexts) if (pc.result === 0) this.#acceptedContexts.add(pc.id);
        const max = ac.userInfo.maxLength;
        if (max !== undefined && max > 0)
          this.#framer.limits = { ...this.#framer.limits, maxPDataLength: max };
        this.#send(ac);
        this.#emit({ kind: 'associated', rq: this.#rq!, ac });
        return 'Sta6';
      }
      case 'AE-8': {
        const { rj, why } = this.#pendingReject!;
        this.#pendingReject = undefined;
        this.#rejectNow(rj, why);
        return 'Sta13';
      }
      case 'DT-1':
      case 'AR-7':
        this.#send(a.pdata!);
        return action === 'DT-1' ? 'Sta6' : 'Sta8';
      case 'DT-2':
      case 'AR-6':
        this.#emit({ kind: 'pdata', pdvs: (a.pdu as PDataTf).pdvs });
        return action === 'DT-2' ? 'Sta6' : 'Sta7';
      case 'AR-1':
        this.#send({ type: 'A-RELEASE-RQ' });
        return 'Sta7';
      case 'AR-2':
        this.#emit({ kind: 'release-requested' });
        return 'Sta8';
      case 'AR-3':
        this.#end('released', 'released');
        this.#emit({ kind: 'released' });
        this.#emit({ kind: 'close' });
        return 'Sta1';
      case 'AR-4':
        this.#send({ type: 'A-RELEASE-RP' });
        this.#end('released', 'released');
        this.#emit({ kind: 'released' });
        this.#emit({ kind: 'artim', run: true });
        return 'Sta13';
      case 'AR-5':
        this.#emit({ kind: 'artim', run: false });
        return 'Sta1';
      case 'AR-8':
        this.#emit({ kind: 'release-requested' });
        return this.options.role === 'requestor' ? 'Sta9' : 'Sta10';
      case 'AR-9':
        this.#send({ type: 'A-RELEASE-RP' });
        return 'Sta11';
      case 'AR-10':
        return 'Sta12';
      case 'AA-1': {
        // Local abort request (Evt15) carries its own source; an unexpected PDU in Sta2 is a
        // protocol error we report as service-provider, as DCMTK does.
        const ab = a.abort ?? { source: 0 as const, reason: 0, detail: 'abort requested' };
        this.#send({ type: 'A-ABORT', source: ab.source, reason: ab.source === 0 ? 0 : ab.reason });
        this.#end('aborted-by-us', ab.detail);
        this.#emit({ kind: 'aborted', by: 'us', source: ab.source, reason: ab.reason, detail: ab.detail });
        this.#emit({ kind: 'artim', run: true });
        return 'Sta13';
      }
      case 'AA-2':
        this.#emit({ kind: 'artim', run: false });
        if (event === 'Evt16') this.#end('aborted-by-peer', `A-ABORT received in ${this.#state}`);
        else if (event === 'Evt15') this.#end('aborted-by-us', a.abort?.detail ?? 'abort requested');
        else if (this.#state === 'Sta2') this.#end('artim-expired', 'no A-ASSOCIATE-RQ before ARTIM expired');
        else this.#end('artim-expired', 'peer did not close the connection before ARTIM expired');
        this.#emit({ kind: 'close' });
        return 'Sta1';
      case 'AA-3': {
        const p = a.pdu as Abort;
        this.#end('aborted-by-peer', `A-ABORT source ${p.source} reason ${p.reason}`);
        this.#emit({
          kind: 'aborted',
          by: 'peer',
          source: p.source,
          reason: p.reason,
          detail: 'A-ABORT received',
        });
        this.#emit({ kind: 'close' });
        return 'Sta1';
      }
      case 'AA-4':
        this.#end('transport-closed', `transport closed in ${this.#state}`);
        this.#emit({ kind: 'transport-lost', detail: `transport closed in ${this.#state}` });
        return 'Sta1';
      case 'AA-5':
        this.#emit({ kind: 'artim', run: false });
        this.#end('transport-closed', 'transport closed before A-ASSOCIATE-RQ');
        return 'Sta1';
      case 'AA-6':
        return 'Sta13';
      case 'AA-7': {
        const ab = a.abort!;
        this.#send({ type: 'A-ABORT', source: 2, reason: ab.reason });
        return 'Sta13';
      }
      case 'AA-8': {
        const ab = a.abort!;
        this.#send({ type: 'A-ABORT', source: 2, reason: ab.reason });
        this.#end('aborted-by-us', ab.detail);
        this.#emit({ kind: 'aborted', by: 'us', source: 2, reason: ab.reason, detail: ab.detail });
        this.#emit({ kind: 'artim', run: true });
        return 'Sta13';
      }
    }
  }

  #setDecision(d: AssociateDecision): void {
    if ('reject' in d) this.#pendingReject = { rj: { type: 'A-ASSOCIATE-RJ', ...d.reject }, why: d.why };
    else this.#ac = d.accept;
  }

  #rejectNow(rj: Omit<AssociateRj, 'type'>, why: string): void {
    const pdu: AssociateRj = { type: 'A-ASSOCIATE-RJ', ...rj };
    this.#send(pdu);
    this.#end('rejected', why);
    this.#emit({ kind: 'rejected', rq: this.#rq, rj: pdu, why });
    this.#emit({ kind: 'artim', run: true });
  }

  #end(ending: Ending, detail: string): void {
    if (this.#ending !== 'open') return;
    this.#ending = ending;
    this.#endDetail = detail;
  }

  #send(pdu: Pdu): void {
    this.#emit({ kind: 'write', parts: encodePduParts(pdu), pdu });
  }

  #emit(o: Output): void {
    this.#out.push(o);
  }
}
