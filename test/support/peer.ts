/**
 * A scriptable raw DICOM peer over real TCP for tests: send any bytes or PDUs, read whole PDUs
 * back, observe the close. Uses the project's own framer and codec for reading only, so what it
 * sends can be anything, valid or not.
 */
import { connect, type Socket } from 'node:net';
import { joined } from '../../src/dicom/chunked-bytes.js';
import { decodeCommand } from '../../src/dicom/dimse/command-codec.js';
import type { CommandSet } from '../../src/dicom/dimse/command-fields.js';
import type { Pdu } from '../../src/dicom/ul/pdu.js';
import { decodePdu, encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { PduFramer } from '../../src/dicom/ul/pdu-framer.js';
import { associateRq, commandPData, echoCommand } from './pdus.js';

export class Peer {
  readonly #socket: Socket;
  readonly #framer = new PduFramer({ maxPDataLength: 64 * 1024 * 1024, maxAssociateLength: 1024 * 1024 });
  readonly #pdus: Pdu[] = [];
  #waiters: (() => void)[] = [];
  #closed = false;
  #error: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.#framer.push(chunk)) this.#pdus.push(decodePdu(f));
      } catch (e) {
        this.#error = e as Error;
      }
      this.#wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => resolve(new Peer(s)));
      s.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #until(cond: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.#error) return reject(this.#error);
        if (cond()) {
          clearTimeout(t);
          return resolve();
        }
        this.#waiters.push(check);
      };
      const t = setTimeout(() => reject(new Error(`timeout after ${ms} ms waiting for ${what}`)), ms);
      check();
    });
  }

  sendBytes(b: Buffer): void {
    this.#socket.write(b);
  }

  send(p: Pdu): void {
    this.sendBytes(encodePdu(p));
  }

  /** The next PDU the other side sent. */
  async next(ms = 5000): Promise<Pdu> {
    await this.#until(() => this.#pdus.length > 0 || this.#closed, ms, 'a PDU');
    const p = this.#pdus.shift();
    if (!p) throw new Error('connection closed while waiting for a PDU');
    return p;
  }

  async nextOf<T extends Pdu['type']>(type: T, ms = 5000): Promise<Extract<Pdu, { type: T }>> {
    const p = await this.next(ms);
    if (p.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(p).slice(0, 300)}`);
    return p as Extract<Pdu, { type: T }>;
  }

  /** Resolves when the other side closed the connection. */
  async waitClosed(ms = 5000): Promise<void> {
    await this.#until(() => this.#closed, ms, 'the connection to close');
  }

  /** Read P-DATA-TF PDUs until a whole command arrives; returns it with the PDU sizes seen. */
  async nextCommand(ms = 5000): Promise<{ command: CommandSet; pduLengths: number[] }> {
    const parts: Buffer[] = [];
    const pduLengths: number[] = [];
    for (;;) {
      const p = await this.nextOf('P-DATA-TF', ms);
      pduLengths.push(encodePdu(p).length - 6);
      for (const v of p.pdvs) {
        if (!v.isCommand) continue;
        parts.push(joined(v.data));
        if (v.isLast) return { command: decodeCommand(Buffer.concat(parts)).command, pduLengths };
      }
    }
  }

  /** Associate for Verification; returns the A-ASSOCIATE-AC. */
  async associate(o: Parameters<typeof associateRq>[0] = {}) {
    this.send(associateRq(o));
    return this.nextOf('A-ASSOCIATE-AC');
  }

  async echo(messageId: number, contextId = 1): Promise<CommandSet> {
    this.send(commandPData(contextId, echoCommand(messageId)));
    return (await this.nextCommand()).command;
  }

  async release(): Promise<void> {
    this.send({ type: 'A-RELEASE-RQ' });
    await this.nextOf('A-RELEASE-RP');
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
