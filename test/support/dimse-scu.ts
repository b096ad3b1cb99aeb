/**
 * An independent DIMSE SCU for tests: dcmjs-dimse 0.3.3's own Upper Layer and DIMSE code, not
 * Lightbox's. dcmjs-dimse's `Client` runs a fixed list of requests and releases when it is done,
 * so a session whose next request depends on the previous response (Film Box UID, Print Job UID)
 * cannot be scripted with it. This drives the class `Client` uses internally instead, its
 * `Network` (the base class of `Scp`): one association, one request at a time, each awaited, and
 * every N-EVENT-REPORT-RQ from the SCP recorded and answered with Success.
 */
import { connect, type Socket } from 'node:net';
import dimse from 'dcmjs-dimse';

const { Dataset, Scp, log } = dimse;
const { Association } = dimse.association;
const { Status, PresentationContextResult } = dimse.constants;
const { NEventReportResponse } = dimse.responses;

// dcmjs-dimse logs every PDU at trace level by default.
log.setLevel('error');

type Association = InstanceType<typeof Association>;
type Request = InstanceType<typeof dimse.requests.Request>;
type Response = InstanceType<typeof dimse.responses.Response>;
type NEventReportRequest = InstanceType<typeof dimse.requests.NEventReportRequest>;
type NEventReportResponse = InstanceType<typeof dimse.responses.NEventReportResponse>;
type RequestListener = Parameters<Request['on']>[1];

/** The part of dcmjs-dimse's (unexported) Network class this SCU uses. */
interface Network {
  association?: Association;
  sendAssociationRequest(a: Association): void;
  sendAssociationReleaseRequest(): void;
  sendRequests(r: Request): void;
  sendAbort(): void;
  on(event: string, fn: (...args: never[]) => void): void;
}
const NetworkClass = Object.getPrototypeOf(Scp) as new (
  socket: Socket,
  opts?: { connectTimeout?: number; associationTimeout?: number; pduTimeout?: number },
) => Network;

export type Elements = Record<string, unknown>;

export interface ScuResponse {
  status: number;
  errorComment: string | undefined;
  /** The response's data set, naturalized by dcmjs (keyword keys). */
  elements: Elements | undefined;
  /** A command element of the response, e.g. 'ActionTypeID', 'AttributeIdentifierList'. */
  command(name: string): unknown;
  raw: Response;
}

export interface ScuEvent {
  sopClassUid: string;
  sopInstanceUid: string;
  eventTypeId: number;
  elements: Elements | undefined;
  at: number;
}

export interface OpenOptions {
  abstractSyntaxes: string[];
  /** One transfer syntax proposed for every context (and used for every data set sent). */
  transferSyntax?: string;
  calling?: string;
  called?: string;
  timeoutMs?: number;
}

const IMPLICIT_LE = '1.2.840.10008.1.2';

export class DimseScu {
  readonly events: ScuEvent[] = [];
  readonly errors: string[] = [];
  #waiters: (() => void)[] = [];
  #closed = false;

  private constructor(
    readonly socket: Socket,
    readonly network: Network,
    readonly association: Association,
    readonly transferSyntax: string,
    readonly timeoutMs: number,
  ) {
    network.on('nEventReportRequest', ((
      req: NEventReportRequest,
      callback: (r: NEventReportResponse) => void,
    ) => {
      this.events.push({
        sopClassUid: req.getAffectedSopClassUid(),
        sopInstanceUid: req.getAffectedSopInstanceUid(),
        eventTypeId: req.getEventTypeId(),
        elements: req.getDataset()?.getElements(),
        at: Date.now(),
      });
      const rsp = NEventReportResponse.fromRequest(req);
      rsp.setStatus(Status.Success);
      callback(rsp);
      this.#wake();
    }) as (...args: never[]) => void);
    network.on('networkError', ((e: Error) => {
      this.errors.push(e.message);
      this.#wake();
    }) as (...args: never[]) => void);
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  static async open(port: number, o: OpenOptions): Promise<DimseScu> {
    const ts = o.transferSyntax ?? IMPLICIT_LE;
    const timeoutMs = o.timeoutMs ?? 5000;
    const assoc = new Association(o.calling ?? 'DCMJSSCU', o.called ?? 'LIGHTBOX');
    for (const as of o.abstractSyntaxes) {
      const pcId = assoc.addPresentationContext(as);
      assoc.addTransferSyntaxToPresentationContext(pcId, ts);
    }
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const network = new NetworkClass(socket, { connectTimeout: 30_000 });
    const accepted = await new Promise<Association>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('association: timeout'));
      }, timeoutMs);
      let settled = false;
      const done = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      network.on('connect', () => network.sendAssociationRequest(assoc));
      network.on('associationAccepted', ((a: Association) => done(() => resolve(a))) as (
        ...args: never[]
      ) => void);
      network.on('associationRejected', ((r: unknown) =>
        done(() => {
          socket.destroy();
          reject(new Error(`association rejected: ${JSON.stringify(r)}`));
        })) as (...args: never[]) => void);
      network.on('networkError', ((e: Error) =>
        done(() => {
          socket.destroy();
          reject(e);
        })) as (...args: never[]) => void);
    });
    return new DimseScu(socket, network, accepted, ts, timeoutMs);
  }

  /** Was this abstract syntax accepted? */
  accepted(abstractSyntax: string): boolean {
    return this.association
      .getPresentationContexts()
      .some(
        (c) =>
          c.context.getAbstractSyntaxUid() === abstractSyntax &&
          c.context.getResult() === PresentationContextResult.Accept,
      );
  }

  /** Send one request (with a data set, given as keyword elements) and await its response. */
  send(request: Request, elements?: Elements): Promise<ScuResponse> {
    if (elements) request.setDataset(new Dataset(elements, this.transferSyntax));
    if (!this.association.getAcceptedPresentationContextFromRequest(request)) {
      throw new Error(`no accepted presentation context for ${request.toString()}`);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no response in ${this.timeoutMs} ms to ${request.toString()}`)),
        this.timeoutMs,
      );
      request.on('response', ((r: Response) => {
        clearTimeout(timer);
        resolve({
          status: r.getStatus(),
          errorComment: r.getErrorComment(),
          elements: r.getDataset()?.getElements(),
          command: (name: string) => r.getCommandDataset().getElement(name),
          raw: r,
        });
      }) as unknown as RequestListener);
      this.network.sendRequests(request);
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Resolves once the recorded events satisfy cond; rejects after ms or when the connection ends. */
  waitFor(cond: (events: ScuEvent[]) => boolean, ms: number, what: string): Promise<ScuEvent[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const seen = this.events.map((e) => `${e.sopClassUid}#${e.eventTypeId}`).join(', ');
        reject(new Error(`timeout after ${ms} ms waiting for ${what}; events seen: [${seen}]`));
      }, ms);
      const check = () => {
        if (cond(this.events)) {
          clearTimeout(timer);
          resolve(this.events);
        } else if (this.#closed) {
          clearTimeout(timer);
          reject(new Error(`connection closed waiting for ${what}`));
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  /** A-RELEASE; the socket is destroyed if the SCP does not answer in time. */
  async release(): Promise<void> {
    if (this.#closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, this.timeoutMs);
      this.network.on('associationReleaseResponse', () => {
        clearTimeout(timer);
        this.socket.end();
        resolve();
      });
      this.network.sendAssociationReleaseRequest();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export { dimse };
