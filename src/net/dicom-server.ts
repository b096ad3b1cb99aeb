/**
 * The DICOM listener: accepts TCP connections, gives each one a DicomConnection, enforces the
 * concurrent association limit, bounds the connections that hold no association, and drains
 * connections on shutdown.
 *
 * A connection counts toward --max-associations only from its A-ASSOCIATE-RQ until the association
 * ends. Connections without an association (not yet associated, or closing after one ended) have
 * their own bound, in total and per peer IP address: when a new connection would exceed either, the
 * oldest such connection (of that address, for the per-address bound) is closed, closing ones first.
 * A modality sends its A-ASSOCIATE-RQ at once, so it is never the oldest for long; a peer that holds
 * silent sockets only ever loses its own to its newer ones. Each is also closed after
 * --associate-timeout without a whole A-ASSOCIATE-RQ.
 *
 * A TLS listener (--tls-port) is the same after the handshake; sockets still in it are bounded the
 * same way (pending-handshakes.ts) and by --associate-timeout.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { Implementation } from '../dicom/uids.js';
import type { EventBus } from '../events.js';
import type { FaultHooks } from '../lab/hooks.js';
import type { Printer } from '../print/printer.js';
import type { AssociationRecorder } from '../store/association-record.js';
import {
  type ConnectionLimits,
  type ConnectionPhase,
  DicomConnection,
  type PreAssociationDrop,
} from './dicom-connection.js';
import { PendingHandshakes } from './pending-handshakes.js';
import { RetryLater } from './retry-later.js';
import { peerRefusal, type TlsCredentials, tlsSession } from './tls-credentials.js';
import type { UpstreamFactory } from './upstream.js';

export interface DicomServerOptions {
  host: string;
  port: number;
  printers: readonly Printer[];
  limits: ConnectionLimits;
  /** Associations allowed at once; one more gets A-ASSOCIATE-RJ transient, local-limit-exceeded. */
  maxAssociations: number;
  /** Connections without an association held at once (not yet associated, or closing). */
  maxUnassociated: number;
  /** The same, per peer IP address. */
  maxUnassociatedPerPeer: number;
  logger: Logger;
  dumpMessages: boolean;
  events?: EventBus;
  /** Test-lab faults (src/lab), passed to every connection. */
  faults?: FaultHooks;
  /** Where associations are recorded and their ids come from (unique across listeners and restarts). */
  recorder: AssociationRecorder;
  /** A DICOM TLS listener (PS3.15 Annex B) with these credentials; absent: plain TCP. */
  tls?: TlsCredentials;
  /** Proxy mode: the real printer behind a printer, when its profile says so. */
  upstreamFor?: UpstreamFactory;
  /** Called for every chunk received on an accepted socket (the render queue's quiet clock). */
  onTraffic?: () => void;
}

/**
 * Why a connection was closed before it associated: the reasons a connection gives, the socket
 * limit, and a TLS handshake that failed (not TLS, untrusted certificate, no common suite, timeout).
 */
export type DropReason = PreAssociationDrop | 'socket-limit' | 'tls-handshake';

/** What /metrics shows of a listener's connections. */
export interface ConnectionStats {
  unassociated: number;
  associated: number;
  closing: number;
  /** Connections closed before they associated, by reason, since start. */
  dropped: Record<DropReason, number>;
}

/** Sockets beyond the bounds (a margin for ones closed but not yet gone) are refused by Node itself. */
const SOCKET_MARGIN = 64;
/** Drops are logged once, then summed up at most this often. */
const DROP_LOG_WINDOW_MS = 10_000;

let connections = 0;

/** See DicomServer's #youngMs. */
const BURST_GRACE_MS = 1000;

export class DicomServer {
  readonly #o: DicomServerOptions;
  readonly #server: Server;
  readonly #connections = new Set<DicomConnection>();
  readonly #associated = new Set<DicomConnection>();
  /** Connections without an association, oldest first (a Set keeps insertion order). */
  readonly #unassociated = new Set<DicomConnection>();
  readonly #printers: Map<string, Printer>;
  readonly #dropped: Record<DropReason, number> = {
    'associate-timeout': 0,
    'invalid-pdu': 0,
    evicted: 0,
    'socket-limit': 0,
    'tls-handshake': 0,
  };
  /** Drops since the last log line, and whether a summary is due. */
  #dropLog: { since: Partial<Record<DropReason, number>>; timer: NodeJS.Timeout } | undefined;
  #listening = false;
  /** A TLS listener's connections still in their handshake. */
  #handshakes: PendingHandshakes | undefined;
  /** Addresses over their bound with only young connections: trimmed once those are no longer young. */
  readonly #peerTrims = new RetryLater();

  constructor(o: DicomServerOptions) {
    this.#o = o;
    this.#printers = new Map(o.printers.map((p) => [p.profile.aeTitle, p]));
    // noDelay: every response is one small write that must not wait for a delayed ACK (Nagle).
    this.#server = o.tls ? this.#tlsServer(o.tls) : createServer({ noDelay: true }, (s) => this.#accept(s));
    this.#server.maxConnections = o.maxAssociations + o.maxUnassociated + SOCKET_MARGIN;
    this.#server.on('drop', (d) => this.#noteDrop('socket-limit', `${d?.remoteAddress}:${d?.remotePort}`));
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

  /** Connections by phase, and those dropped before associating. */
  get stats(): ConnectionStats {
    let closing = 0;
    for (const c of this.#unassociated) if (c.phase !== 'unassociated') closing++;
    return {
      unassociated: this.#unassociated.size - closing,
      associated: this.#associated.size,
      closing,
      dropped: { ...this.#dropped },
    };
  }

  /**
   * A TLS listener: a connection becomes a DicomConnection once its handshake is done. The
   * handshake is bounded by --associate-timeout (it comes before the A-ASSOCIATE-RQ); a failed one
   * is a drop. Certificates reloaded later apply to the connections that follow.
   */
  #tlsServer(tls: TlsCredentials): Server {
    const pending = new PendingHandshakes(
      this.#o.maxUnassociated,
      this.#o.maxUnassociatedPerPeer,
      this.#youngMs,
      (peer) => this.#noteDrop('evicted', peer, 'TLS handshake not done'),
    );
    this.#handshakes = pending;
    const server = createTlsServer(
      { ...tls.serverOptions(), noDelay: true, handshakeTimeout: this.#o.limits.associateMs },
      (socket) => {
        pending.settled(socket);
        const refused = peerRefusal(socket, tls);
        if (refused) {
          this.#noteDrop('tls-handshake', `${socket.remoteAddress}:${socket.remotePort}`, refused);
          socket.destroy();
          return;
        }
        this.#accept(socket);
      },
    );
    // A failed handshake: OpenSSL's `reason` ("peer did not return a certificate", "wrong version
    // number") is the line worth logging. With a listener here Node leaves the socket open (after a
    // handshake timeout too): close it.
    server.on('tlsClientError', (err: Error & { reason?: string }, socket) => {
      if (pending.settled(socket))
        this.#noteDrop(
          'tls-handshake',
          `${socket.remoteAddress}:${socket.remotePort}`,
          err.reason ?? err.message,
        );
      socket.destroy();
    });
    // The raw TCP socket, before the TLS one wraps it: its handshake is pending until settled.
    server.on('connection', (raw: Socket) => pending.add(raw));
    tls.onReload(() => server.setSecureContext(tls.serverOptions()));
    return server;
  }

  /** Whether this listener speaks TLS. */
  get secure(): boolean {
    return this.#o.tls !== undefined;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.#server.once('error', onError);
      this.#server.listen(this.#o.port, this.#o.host, () => {
        this.#server.off('error', onError);
        this.#listening = true;
        this.#o.logger.info(
          { host: this.#o.host, port: this.port, printers: [...this.#printers.keys()], tls: this.secure },
          this.secure ? 'DICOM TLS listener up' : 'DICOM listener up',
        );
        resolve();
      });
    });
  }

  #accept(socket: Socket | TLSSocket): void {
    const tls = this.#o.tls ? tlsSession(socket as TLSSocket) : undefined;
    if (tls)
      this.#o.logger.debug(
        { peer: `${socket.remoteAddress}:${socket.remotePort}`, ...tls },
        'TLS connection',
      );
    const conn: DicomConnection = new DicomConnection(socket, {
      label: `c${++connections}`,
      recorder: this.#o.recorder,
      logger: this.#o.logger,
      limits: this.#o.limits,
      findPrinter: (ae) => this.#printers.get(ae),
      // Asked while this connection is still unassociated: the others holding an association.
      atCapacity: () => this.#associated.size >= this.#o.maxAssociations,
      ...(tls ? { tls } : {}),
      implementation: Implementation,
      dumpMessages: this.#o.dumpMessages,
      events: this.#o.events,
      faults: this.#o.faults,
      onPhase: (phase) => this.#moved(conn, phase),
      onDropped: (reason) => this.#noteDrop(reason, conn.peerAddress),
      ...(this.#o.upstreamFor ? { upstreamFor: this.#o.upstreamFor } : {}),
    });
    if (conn.phase === 'closed') return;
    if (this.#o.onTraffic) socket.on('data', this.#o.onTraffic);
    this.#connections.add(conn);
    this.#moved(conn, conn.phase);
    this.#makeRoom(conn);
  }

  /** Keep the phase sets in line with a connection's phase. */
  #moved(conn: DicomConnection, phase: ConnectionPhase): void {
    if (phase === 'closed') {
      this.#connections.delete(conn);
      this.#associated.delete(conn);
      this.#unassociated.delete(conn);
      return;
    }
    if (!this.#connections.has(conn)) return;
    if (phase === 'associated') {
      this.#unassociated.delete(conn);
      this.#associated.add(conn);
    } else {
      this.#associated.delete(conn);
      // A connection that ended its association joins the unassociated ones, as the newest.
      if (phase === 'closing') this.#unassociated.delete(conn);
      this.#unassociated.add(conn);
    }
  }

  /** The bounds on connections without an association, applied as `newcomer` arrives. */
  #makeRoom(newcomer: DicomConnection): void {
    // Fewer unassociated connections than the per-peer bound: no address can be over it.
    if (this.#unassociated.size > this.#o.maxUnassociatedPerPeer)
      this.#trimPeer(newcomer.remoteAddress, newcomer);
    while (this.#unassociated.size > this.#o.maxUnassociated) {
      const others = [...this.#unassociated].filter((c) => c !== newcomer);
      if (others.length === 0) break;
      this.#evict(others);
    }
  }

  /**
   * How long a connection is young: an address over --max-unassociated-per-peer loses its oldest
   * connections, but not ones younger than this. A burst of associations from one address (a CI
   * host opening 64 at once) all send their A-ASSOCIATE-RQ within milliseconds; closing the first
   * of them because the last ones arrived lost prints. A peer that only opens sockets is trimmed
   * once they are this old (and the total bound applies meanwhile).
   */
  get #youngMs(): number {
    return Math.min(BURST_GRACE_MS, this.#o.limits.associateMs / 2);
  }

  /** Bring address down to its bound, oldest first, sparing young connections (and `newcomer`). */
  #trimPeer(address: string | undefined, newcomer?: DicomConnection): void {
    const perPeer = this.#o.maxUnassociatedPerPeer;
    const same = [...this.#unassociated].filter((c) => c !== newcomer && c.remoteAddress === address);
    let over = same.length + (newcomer ? 1 : 0) - perPeer;
    if (over <= 0) return;
    const now = Date.now();
    const isOld = (c: DicomConnection) => c.phase === 'closing' || now - c.startedAt >= this.#youngMs;
    const old = same.filter(isOld);
    for (; over > 0 && old.length > 0; over--) old.splice(old.indexOf(this.#evict(old)), 1);
    if (over <= 0 || this.#peerTrims.has(String(address))) return;
    // Again when the oldest young one is no longer young.
    const young = [...same, ...(newcomer ? [newcomer] : [])].filter((c) => !isOld(c));
    const oldestYoung = Math.min(now, ...young.map((c) => c.startedAt));
    this.#peerTrims.once(String(address), Math.max(1, oldestYoung + this.#youngMs - now), () =>
      this.#trimPeer(address),
    );
  }

  /** Close the oldest of `candidates` (oldest first), one closing already if there is one. */
  #evict(candidates: DicomConnection[]): DicomConnection {
    const victim = candidates.find((c) => c.phase === 'closing') ?? candidates[0]!;
    this.#unassociated.delete(victim);
    victim.evict();
    return victim;
  }

  #noteDrop(reason: DropReason, peer: string, detail?: string): void {
    this.#dropped[reason]++;
    if (this.#dropLog) {
      this.#dropLog.since[reason] = (this.#dropLog.since[reason] ?? 0) + 1;
      return;
    }
    this.#o.logger.warn(
      { peer, reason, ...(detail ? { detail } : {}) },
      `connection dropped before associating: ${reason}`,
    );
    const timer = setTimeout(() => {
      const since = this.#dropLog?.since ?? {};
      this.#dropLog = undefined;
      const total = Object.values(since).reduce((a, b) => a + b, 0);
      if (total > 0)
        this.#o.logger.warn(
          { dropped: since, windowMs: DROP_LOG_WINDOW_MS },
          `${total} more connections dropped before associating`,
        );
    }, DROP_LOG_WINDOW_MS);
    timer.unref();
    this.#dropLog = { since: {}, timer };
  }

  /**
   * Stop listening, let open associations finish for up to graceMs, then abort what is left
   * (and destroy sockets still open after ARTIM would have closed them).
   */
  async close(graceMs: number): Promise<void> {
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    clearTimeout(this.#dropLog?.timer);
    this.#peerTrims.clear();
    // Connections without an association (or still in a TLS handshake) have nothing to finish.
    this.#handshakes?.destroyAll();
    for (const c of this.#unassociated) c.destroy();
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
