/**
 * TLS connections whose handshake is not done yet, bounded like connections without an
 * association (dicom-server.ts): in total and per peer IP address. A new one beyond either bound
 * closes the oldest pending one (of that address, for the per-address bound), so a peer that opens
 * sockets and never says ClientHello can only hold its own few, never the listener's socket limit;
 * --associate-timeout (the handshake timeout) ends the rest. As for plain connections, the
 * per-address bound spares sockets younger than `youngMs` (a CI job's burst of SCUs from one
 * host): the address is trimmed again once they are that old, if it is still over.
 */
import type { Socket } from 'node:net';
import { RetryLater } from './retry-later.js';

/** A socket's address and port, the same on the TCP socket and the TLS socket wrapping it. */
const keyOf = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }) =>
  `${s.remoteAddress}:${s.remotePort}`;

export class PendingHandshakes {
  /** Oldest first (a Map keeps insertion order). */
  readonly #pending = new Map<string, Socket>();
  /** When each pending socket arrived (performance.now()). */
  readonly #arrived = new WeakMap<Socket, number>();
  /** Addresses over their bound with only young sockets: trimmed again once those are not young. */
  readonly #trims = new RetryLater();
  readonly #max: number;
  readonly #maxPerPeer: number;
  readonly #youngMs: number;
  readonly #onEvict: (peer: string) => void;

  constructor(max: number, maxPerPeer: number, youngMs: number, onEvict: (peer: string) => void) {
    this.#max = max;
    this.#maxPerPeer = maxPerPeer;
    this.#youngMs = youngMs;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** A TCP connection arrived (its handshake starts): track it, and make room. */
  add(raw: Socket): void {
    const key = keyOf(raw);
    this.#pending.set(key, raw);
    this.#arrived.set(raw, performance.now());
    raw.once('close', () => {
      if (this.#pending.get(key) === raw) this.#pending.delete(key);
    });
    this.#trimPeer(String(raw.remoteAddress));
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
    this.#trims.clear();
    for (const raw of this.#pending.values()) raw.destroy();
    this.#pending.clear();
  }

  /** Close an address's oldest sockets over its bound, those no longer young; the rest later. */
  #trimPeer(address: string): void {
    const same = [...this.#pending.values()].filter((s) => String(s.remoteAddress) === address);
    const now = performance.now();
    let over = same.length - this.#maxPerPeer;
    let age = 0;
    for (const s of same) {
      age = now - (this.#arrived.get(s) ?? 0);
      if (over <= 0 || age < this.#youngMs) break;
      this.#evict(s);
      over--;
    }
    if (over <= 0) return;
    // Again when the oldest one left is no longer young.
    this.#trims.once(address, Math.max(1, this.#youngMs - age), () => this.#trimPeer(address));
  }

  #evict(raw: Socket): void {
    this.#pending.delete(keyOf(raw));
    this.#onEvict(keyOf(raw));
    raw.destroy();
  }
}
