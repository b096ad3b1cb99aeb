/**
 * The hostile load the soak benchmarks hold against Lightbox: 100 sockets that connect and send
 * nothing and 64 that trickle a valid A-ASSOCIATE-RQ at one byte every 5 s, from 41 loopback
 * addresses (127.0.0.2-42, so that no address passes the per-address bound), each reopened 20 ms
 * after Lightbox closes it (--associate-timeout does that after 5 s): an attacker that keeps them
 * held.
 */
import { connect, type Socket } from 'node:net';
import { encodePdu } from '../src/dicom/ul/pdu-codec.js';
import { associateRq } from '../test/support/pdus.js';

// Not from ./support.js: tests use this load too, and support.js reads the built layout at load.
const HOST = '127.0.0.1';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const SILENT = 100;
export const TRICKLING = 64;
export const TRICKLE_EVERY_MS = 5000;
/** Hostile sockets come from 127.0.0.2 onwards, this many addresses (4 sockets each at most). */
export const HOSTILE_ADDRESSES = 41;
export const REOPEN_AFTER_MS = 20;
const WAVES = 5;

/** Silent and trickling sockets, each reopened shortly after Lightbox closes it. */
export class HostileLoad {
  readonly #port: number;
  readonly #rq = encodePdu(associateRq({ calling: 'TRICKLE' }));
  readonly #sockets = new Set<Socket>();
  readonly #connected = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;
  /** Sockets Lightbox closed (and were reopened). */
  closedByServer = 0;

  constructor(port: number) {
    this.#port = port;
  }

  get held(): number {
    return this.#connected.size;
  }

  /**
   * Open them in waves a second apart over one --associate-timeout (5 s), so that Lightbox closes
   * (and the attacker reopens) some every second rather than all at once.
   */
  async start(): Promise<void> {
    await Promise.all(
      Array.from({ length: SILENT + TRICKLING }, async (_, i) => {
        await sleep((i % WAVES) * 1000);
        await this.#open(i, i >= SILENT);
      }),
    );
  }

  #open(i: number, trickle: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stopped) return resolve();
      const localAddress = `127.0.0.${2 + (i % HOSTILE_ADDRESSES)}`;
      const s = connect({ host: HOST, port: this.#port, localAddress });
      this.#sockets.add(s);
      let timer: NodeJS.Timeout | undefined;
      s.on('error', () => {});
      s.on('data', () => {});
      s.once('connect', () => {
        this.#connected.add(s);
        resolve();
        if (!trickle) return;
        let sent = 0;
        timer = setInterval(() => {
          if (sent < this.#rq.length) s.write(this.#rq.subarray(sent, ++sent));
        }, TRICKLE_EVERY_MS);
        this.#timers.add(timer);
      });
      s.once('close', () => {
        this.#sockets.delete(s);
        this.#connected.delete(s);
        if (timer) {
          clearInterval(timer);
          this.#timers.delete(timer);
        }
        resolve();
        if (this.#stopped) return;
        this.closedByServer++;
        const t = setTimeout(() => {
          this.#timers.delete(t);
          void this.#open(i, trickle);
        }, REOPEN_AFTER_MS);
        this.#timers.add(t);
      });
    });
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    for (const s of this.#sockets) s.destroy();
  }
}
