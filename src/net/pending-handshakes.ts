/**
 * TLS connections whose handshake is not done yet, bounded like connections without an
 * association (dicom-server.ts): in total and per peer IP address. A new one beyond either bound
 * closes the oldest pending one (of that address, for the per-address bound), so a peer that opens
 * sockets and never says ClientHello can only hold its own few, never the listener's socket limit;
 * --associate-timeout (the handshake timeout) ends the rest.
 */
import type { Socket } from 'node:net';

/** A socket's address and port, the same on the TCP socket and the TLS socket wrapping it. */
const keyOf = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }) =>
  `${s.remoteAddress}:${s.remotePort}`;

export class PendingHandshakes {
  /** Oldest first (a Map keeps insertion order). */
  readonly #pending = new Map<string, Socket>();
  readonly #max: number;
  readonly #maxPerPeer: number;
  readonly #onEvict: (peer: string) => void;

  constructor(max: number, maxPerPeer: number, onEvict: (peer: string) => void) {
    this.#max = max;
    this.#maxPerPeer = maxPerPeer;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** A TCP connection arrived (its handshake starts): track it, and make room. */
  add(raw: Socket): void {
    const key = keyOf(raw);
    this.#pending.set(key, raw);
    raw.once('close', () => {
      if (this.#pending.get(key) === raw) this.#pending.delete(key);
    });
    const address = raw.remoteAddress;
    const same = [...this.#pending.values()].filter((s) => s !== raw && s.remoteAddress === address);
    if (same.length >= this.#maxPerPeer) this.#evict(same[0]!);
    while (this.#pending.size > this.#max) {
      const oldest = this.#pending.values().next().value;
      if (!oldest || oldest === raw) break;
      this.#evict(oldest);
    }
  }

  /**
   * The handshake of this (TLS) socket is done, or failed: it is no longer pending. False when it
   * was not pending (closed by a bound already: its failure is not a second drop).
   */
  settled(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): boolean {
    return this.#pending.delete(keyOf(socket));
  }

  /** Shutting down: close every socket still in its handshake. */
  destroyAll(): void {
    for (const raw of this.#pending.values()) raw.destroy();
    this.#pending.clear();
  }

  #evict(raw: Socket): void {
    this.#pending.delete(keyOf(raw));
    this.#onEvict(keyOf(raw));
    raw.destroy();
  }
}
