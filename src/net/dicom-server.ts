/**
 * The DICOM listener: accepts TCP connections, gives each one a DicomConnection, enforces the
 * concurrent association limit and drains connections on shutdown.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Implementation } from '../dicom/uids.js';
import type { EventBus } from '../events.js';
import type { FaultHooks } from '../lab/hooks.js';
import type { Printer } from '../print/printer.js';
import type { AssociationRecorder } from '../store/association-record.js';
import { type ConnectionLimits, DicomConnection } from './dicom-connection.js';

export interface DicomServerOptions {
  host: string;
  port: number;
  printers: readonly Printer[];
  limits: ConnectionLimits;
  /** Associations allowed at once; one more gets A-ASSOCIATE-RJ transient, local-limit-exceeded. */
  maxAssociations: number;
  logger: Logger;
  dumpMessages: boolean;
  events?: EventBus;
  /** Test-lab faults (src/lab), passed to every connection. */
  faults?: FaultHooks;
  /** Where associations are recorded and their ids come from (unique across listeners and restarts). */
  recorder: AssociationRecorder;
}

/** Sockets beyond this multiple of maxAssociations are closed at once, before any PDU is read. */
const SOCKET_HEADROOM = 2;

export class DicomServer {
  readonly #o: DicomServerOptions;
  readonly #server: Server;
  readonly #connections = new Set<DicomConnection>();
  readonly #printers: Map<string, Printer>;
  #listening = false;

  constructor(o: DicomServerOptions) {
    this.#o = o;
    this.#printers = new Map(o.printers.map((p) => [p.profile.aeTitle, p]));
    // noDelay: every response is one small write that must not wait for a delayed ACK (Nagle).
    this.#server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#server.maxConnections = o.maxAssociations * SOCKET_HEADROOM;
    this.#server.on('drop', (d) =>
      o.logger.warn(
        { peer: `${d?.remoteAddress}:${d?.remotePort}` },
        'connection dropped: socket limit reached',
      ),
    );
  }

  get listening(): boolean {
    return this.#listening;
  }

  get port(): number {
    const a = this.#server.address();
    return typeof a === 'object' && a ? a.port : this.#o.port;
  }

  /** Connections currently open, with or without an established association. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.#server.once('error', onError);
      this.#server.listen(this.#o.port, this.#o.host, () => {
        this.#server.off('error', onError);
        this.#listening = true;
        this.#o.logger.info(
          { host: this.#o.host, port: this.port, printers: [...this.#printers.keys()] },
          'DICOM listener up',
        );
        resolve();
      });
    });
  }

  #accept(socket: Socket): void {
    const id = this.#o.recorder.nextId();
    const conn = new DicomConnection(socket, {
      id,
      logger: this.#o.logger,
      limits: this.#o.limits,
      findPrinter: (ae) => this.#printers.get(ae),
      // Counts every other open connection, negotiating or established.
      atCapacity: () => this.#connections.size - 1 >= this.#o.maxAssociations,
      implementation: Implementation,
      dumpMessages: this.#o.dumpMessages,
      events: this.#o.events,
      faults: this.#o.faults,
    });
    this.#connections.add(conn);
    this.#o.recorder.opened(id, () => conn.summary());
    conn.onEnd(() => {
      this.#connections.delete(conn);
      this.#o.recorder.ended(conn.summary());
    });
  }

  /**
   * Stop listening, let open associations finish for up to graceMs, then abort what is left
   * (and destroy sockets still open after ARTIM would have closed them).
   */
  async close(graceMs: number): Promise<void> {
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const drained = (ms: number) =>
      new Promise<boolean>((resolve) => {
        if (this.#connections.size === 0) return resolve(true);
        const t = setTimeout(() => resolve(false), ms);
        let left = this.#connections.size;
        for (const c of this.#connections)
          c.onEnd(() => {
            if (--left === 0) {
              clearTimeout(t);
              resolve(true);
            }
          });
      });
    if (!(await drained(graceMs))) {
      this.#o.logger.warn(
        { open: this.#connections.size },
        'shutdown grace expired: aborting open associations',
      );
      for (const c of this.#connections) c.abort('server shutting down');
      if (!(await drained(Math.min(this.#o.limits.artimMs, 2000)))) {
        for (const c of this.#connections) c.destroy();
      }
    }
    await closed;
  }
}
