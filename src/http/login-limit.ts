/**
 * The console login's rate limit: each client may try POST /api/session a few times in a burst,
 * then one attempt per interval (a token bucket per client). Attempts beyond get 429 with
 * Retry-After, whether the token they carry is right or wrong, so guessing is as slow as the
 * bucket allows. A client is its source address, an IPv6 one by its /64 (one host usually holds a
 * whole /64). Memory is bounded: at most `maxClients` buckets; full ones are forgotten first, then
 * the longest untouched.
 */
import { isIPv6 } from 'node:net';

export interface LoginLimitOptions {
  /** Attempts a client may make at once. */
  burst: number;
  /** One more attempt every this many milliseconds. */
  refillMs: number;
  /** Clients remembered at most. */
  maxClients: number;
  /** The clock (tests move it). */
  now?: () => number;
}

export const LOGIN_LIMIT: LoginLimitOptions = { burst: 5, refillMs: 12_000, maxClients: 4096 };

interface Bucket {
  tokens: number;
  at: number;
}

export type LoginAdmission = { allowed: true } | { allowed: false; retryAfterS: number };

/** The key a client's attempts count under. */
export function clientKey(address: string | undefined): string {
  const a = (address ?? '?').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  if (!isIPv6(a)) return a;
  // Expand "::" to get the first four groups: the /64 prefix.
  const [head = '', tail = ''] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = a.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export class LoginLimiter {
  readonly #o: Required<LoginLimitOptions>;
  /** Buckets by client, least recently touched first (a Map keeps insertion order). */
  readonly #buckets = new Map<string, Bucket>();

  constructor(o: LoginLimitOptions = LOGIN_LIMIT) {
    this.#o = { now: Date.now, ...o };
  }

  /** Clients remembered now (for tests of the bound). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Count one attempt from `address`: allowed, or refused with the seconds until the next one. */
  attempt(address: string | undefined): LoginAdmission {
    const key = clientKey(address);
    const now = this.#o.now();
    const b = this.#buckets.get(key) ?? { tokens: this.#o.burst, at: now };
    const tokens = Math.min(this.#o.burst, b.tokens + (now - b.at) / this.#o.refillMs);
    this.#buckets.delete(key);
    if (tokens < 1) {
      // Kept as it was (a refusal neither costs nor earns), touched for the eviction order.
      this.#buckets.set(key, b);
      return {
        allowed: false,
        retryAfterS: Math.max(1, Math.ceil(((1 - tokens) * this.#o.refillMs) / 1000)),
      };
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    this.#bound(now);
    return { allowed: true };
  }

  /** Beyond maxClients: drop the buckets that have refilled, then the least recently touched. */
  #bound(now: number): void {
    if (this.#buckets.size <= this.#o.maxClients) return;
    for (const [k, b] of this.#buckets)
      if (b.tokens + (now - b.at) / this.#o.refillMs >= this.#o.burst) this.#buckets.delete(k);
    for (const k of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#o.maxClients) break;
      this.#buckets.delete(k);
    }
  }
}
