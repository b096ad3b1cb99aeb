/**
 * A small DIMSE N-service SCU for tests, over a real socket: associate with chosen abstract
 * syntaxes, send N-CREATE/N-SET/N-GET/N-ACTION/N-DELETE with data sets, read the response and its
 * data set, and answer the SCP's N-EVENT-REPORTs (recording them). Built from the project's pure
 * codecs; what it sends is what a test asks for, valid or not.
 */
import { connect, type Socket } from 'node:net';
import { type AssembledMessage, MessageAssembler } from '../../src/dicom/dimse/assembler.js';
import { encodeCommand } from '../../src/dicom/dimse/command-codec.js';
import { CommandField, type CommandSet, NO_DATA_SET } from '../../src/dicom/dimse/command-fields.js';
import { type DcmDataset, decodeDataset, encodeDataset } from '../../src/dicom/dimse/dataset.js';
import { fragmentMessage } from '../../src/dicom/dimse/fragmenter.js';
import { Uid } from '../../src/dicom/uids.js';
import type { AssociateAc, Pdu } from '../../src/dicom/ul/pdu.js';
import { decodePdu, encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { PduFramer } from '../../src/dicom/ul/pdu-framer.js';
import { associateRq } from './pdus.js';

export interface Response {
  command: CommandSet;
  dataset?: DcmDataset;
}

export interface ReceivedEvent {
  sopClassUid: string;
  sopInstanceUid: string;
  eventTypeId: number;
  dataset?: DcmDataset;
}

export class Scu {
  readonly #socket: Socket;
  readonly #framer = new PduFramer({ maxPDataLength: 1 << 24, maxAssociateLength: 1 << 20 });
  readonly #assembler = new MessageAssembler(1 << 28);
  readonly #pdus: Pdu[] = [];
  readonly #responses: AssembledMessage[] = [];
  readonly events: ReceivedEvent[] = [];
  #waiters: (() => void)[] = [];
  #closed = false;
  #messageId = 1;
  ac!: AssociateAc;
  #contexts = new Map<string, { id: number; ts: string }>();
  /** The status the SCU answers N-EVENT-REPORTs with. */
  eventStatus = 0;
  /** How long a request waits for its response (a modality printing 64 films at once waits longer). */
  responseTimeoutMs = 10_000;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => {
      for (const f of this.#framer.push(c)) {
        const p = decodePdu(f);
        if (p.type === 'P-DATA-TF' && this.ac) {
          for (const m of this.#assembler.push(p.pdvs)) this.#onMessage(m);
        } else this.#pdus.push(p);
      }
      this.#wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  static async open(
    port: number,
    o: {
      called?: string;
      calling?: string;
      abstractSyntaxes: string[];
      transferSyntaxes?: string[];
      /** Our side's address (127.0.0.x): modalities of their own, not one host's burst. */
      localAddress?: string;
      /** How long to wait for the A-ASSOCIATE-AC (5 s; DCMTK's ACSE timeout is 30 s). */
      associateTimeoutMs?: number;
    },
  ): Promise<Scu> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1', localAddress: o.localAddress }, () => resolve(s));
      s.once('error', reject);
    });
    const scu = new Scu(socket);
    const ts = o.transferSyntaxes ?? [Uid.ExplicitVrLittleEndian, Uid.ImplicitVrLittleEndian];
    const contexts = o.abstractSyntaxes.map((a, i) => ({
      id: 2 * i + 1,
      abstractSyntax: a,
      transferSyntaxes: ts,
    }));
    socket.write(
      encodePdu(associateRq({ called: o.called, calling: o.calling, contexts, maxLength: 65536 })),
    );
    const p = await scu.#nextPdu(o.associateTimeoutMs);
    if (p.type !== 'A-ASSOCIATE-AC') throw new Error(`association not accepted: ${JSON.stringify(p)}`);
    scu.ac = p;
    for (const pc of p.presentationContexts) {
      if (pc.result === 0)
        scu.#contexts.set(contexts.find((c) => c.id === pc.id)!.abstractSyntax, {
          id: pc.id,
          ts: pc.transferSyntax,
        });
    }
    return scu;
  }

  /** Our writes are waiting: the socket's buffers are full (the peer does not read). */
  get sendBlocked(): boolean {
    return this.#socket.writableNeedDrain;
  }

  accepted(abstractSyntax: string): boolean {
    return this.#contexts.has(abstractSyntax);
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #until(cond: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), ms);
      const check = () => {
        if (cond()) {
          clearTimeout(t);
          resolve();
        } else if (this.#closed) {
          clearTimeout(t);
          reject(new Error(`connection closed waiting for ${what}`));
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  async #nextPdu(ms = 5000): Promise<Pdu> {
    await this.#until(() => this.#pdus.length > 0, ms, 'a PDU');
    return this.#pdus.shift()!;
  }

  #onMessage(m: AssembledMessage): void {
    if (m.command.commandField !== CommandField.N_EVENT_REPORT_RQ) {
      this.#responses.push(m);
      return;
    }
    const ts = [...this.#contexts.values()].find((c) => c.id === m.contextId)!.ts;
    this.events.push({
      sopClassUid: m.command.affectedSopClassUid ?? '',
      sopInstanceUid: m.command.affectedSopInstanceUid ?? '',
      eventTypeId: m.command.eventTypeId ?? 0,
      dataset: m.dataset ? decodeDataset(m.dataset, ts) : undefined,
    });
    this.#write(m.contextId, {
      commandField: CommandField.N_EVENT_REPORT_RQ | 0x8000,
      messageIdBeingRespondedTo: m.command.messageId,
      affectedSopClassUid: m.command.affectedSopClassUid,
      affectedSopInstanceUid: m.command.affectedSopInstanceUid,
      eventTypeId: m.command.eventTypeId,
      commandDataSetType: NO_DATA_SET,
      status: this.eventStatus,
    });
  }

  #write(contextId: number, command: CommandSet, dataset?: Buffer): void {
    for (const p of fragmentMessage(contextId, encodeCommand(command), dataset, 65536))
      this.#socket.write(encodePdu(p));
  }

  /** Send any command on the context of an abstract syntax; `messageId: null` sends none. */
  async request(
    abstractSyntax: string,
    command: Omit<Partial<CommandSet>, 'messageId'> & { commandField: number; messageId?: number | null },
    dataset?: DcmDataset,
  ): Promise<Response> {
    const ctx = this.#contexts.get(abstractSyntax);
    if (!ctx) throw new Error(`${abstractSyntax} was not accepted`);
    const bytes = dataset ? encodeDataset(dataset, ctx.ts) : undefined;
    const omit = command.messageId === null;
    const messageId = omit ? 0 : (command.messageId ?? this.#messageId++);
    const cmd = {
      ...command,
      messageId: omit ? undefined : messageId,
      commandDataSetType: bytes ? 0 : NO_DATA_SET,
    };
    this.#write(ctx.id, cmd as CommandSet, bytes);
    await this.#until(
      () => this.#responses.some((r) => r.command.messageIdBeingRespondedTo === messageId),
      this.responseTimeoutMs,
      `response to ${messageId}`,
    );
    const i = this.#responses.findIndex((r) => r.command.messageIdBeingRespondedTo === messageId);
    const [m] = this.#responses.splice(i, 1);
    return { command: m!.command, dataset: m!.dataset ? decodeDataset(m!.dataset, ctx.ts) : undefined };
  }

  /**
   * Send a request whose data set stops short of its last fragment: the SCP holds a message not yet
   * complete. `finish()` sends the rest and waits for the response.
   */
  hold(
    abstractSyntax: string,
    command: Partial<CommandSet> & { commandField: number },
    dataset: DcmDataset,
  ): { finish(): Promise<Response> } {
    const ctx = this.#contexts.get(abstractSyntax);
    if (!ctx) throw new Error(`${abstractSyntax} was not accepted`);
    const messageId = this.#messageId++;
    const cmd = { ...command, messageId, commandDataSetType: 0 } as CommandSet;
    const pdus = fragmentMessage(ctx.id, encodeCommand(cmd), encodeDataset(dataset, ctx.ts), 65536);
    const last = pdus.pop()!;
    for (const p of pdus) this.#socket.write(encodePdu(p));
    return {
      finish: async () => {
        this.#socket.write(encodePdu(last));
        await this.#until(
          () => this.#responses.some((r) => r.command.messageIdBeingRespondedTo === messageId),
          30_000,
          `response to ${messageId}`,
        );
        const i = this.#responses.findIndex((r) => r.command.messageIdBeingRespondedTo === messageId);
        const [m] = this.#responses.splice(i, 1);
        return { command: m!.command, dataset: m!.dataset ? decodeDataset(m!.dataset, ctx.ts) : undefined };
      },
    };
  }

  /**
   * Send a request whose data set comes as pieces (a large image never built whole), fragment by
   * fragment, waiting for the socket to drain as a modality does; the last fragment is held back
   * until `finish()`, which sends it and waits for the response.
   */
  async stream(
    abstractSyntax: string,
    command: Partial<CommandSet> & { commandField: number },
    pieces: Iterable<Buffer>,
  ): Promise<{ finish(): Promise<Response> }> {
    const ctx = this.#contexts.get(abstractSyntax);
    if (!ctx) throw new Error(`${abstractSyntax} was not accepted`);
    const messageId = this.#messageId++;
    const cmd = { ...command, messageId, commandDataSetType: 0 } as CommandSet;
    for (const p of fragmentMessage(ctx.id, encodeCommand(cmd), undefined, 65536))
      this.#socket.write(encodePdu(p));
    const size = 65536 - 6;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let held: Buffer | undefined;
    const pdv = (data: Buffer, isLast: boolean) =>
      encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: ctx.id, isCommand: false, isLast, data }] });
    const flush = async () => {
      // One fragment is always kept back: it may be the last.
      if (held && !this.#socket.write(pdv(held, false)))
        await new Promise<void>((r) => this.#socket.once('drain', () => r()));
      held = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
    };
    for (let piece of pieces) {
      while (piece.length > 0) {
        const n = Math.min(size - pendingBytes, piece.length);
        pending.push(piece.subarray(0, n));
        pendingBytes += n;
        piece = piece.subarray(n);
        if (pendingBytes === size) await flush();
        if (this.#closed) throw new Error('connection closed while sending a data set');
      }
    }
    if (pendingBytes > 0) await flush();
    const last = held ?? Buffer.alloc(0);
    return {
      finish: async () => {
        this.#socket.write(pdv(last, true));
        await this.#until(
          () => this.#responses.some((r) => r.command.messageIdBeingRespondedTo === messageId),
          Math.max(this.responseTimeoutMs, 120_000),
          `response to ${messageId}`,
        );
        const i = this.#responses.findIndex((r) => r.command.messageIdBeingRespondedTo === messageId);
        const [m] = this.#responses.splice(i, 1);
        return { command: m!.command, dataset: m!.dataset ? decodeDataset(m!.dataset, ctx.ts) : undefined };
      },
    };
  }

  nCreate(meta: string, sopClass: string, dataset?: DcmDataset, uid?: string): Promise<Response> {
    return this.request(
      meta,
      { commandField: CommandField.N_CREATE_RQ, affectedSopClassUid: sopClass, affectedSopInstanceUid: uid },
      dataset,
    );
  }
  nSet(meta: string, sopClass: string, uid: string, dataset: DcmDataset): Promise<Response> {
    return this.request(
      meta,
      { commandField: CommandField.N_SET_RQ, requestedSopClassUid: sopClass, requestedSopInstanceUid: uid },
      dataset,
    );
  }
  nGet(meta: string, sopClass: string, uid: string, attributeIdentifierList?: number[]): Promise<Response> {
    return this.request(meta, {
      commandField: CommandField.N_GET_RQ,
      requestedSopClassUid: sopClass,
      requestedSopInstanceUid: uid,
      attributeIdentifierList,
    });
  }
  nAction(meta: string, sopClass: string, uid: string, actionTypeId = 1): Promise<Response> {
    return this.request(meta, {
      commandField: CommandField.N_ACTION_RQ,
      requestedSopClassUid: sopClass,
      requestedSopInstanceUid: uid,
      actionTypeId,
    });
  }
  nDelete(meta: string, sopClass: string, uid: string): Promise<Response> {
    return this.request(meta, {
      commandField: CommandField.N_DELETE_RQ,
      requestedSopClassUid: sopClass,
      requestedSopInstanceUid: uid,
    });
  }

  async waitEvents(n: number, ms = 10_000): Promise<ReceivedEvent[]> {
    await this.#until(() => this.events.length >= n, ms, `${n} N-EVENT-REPORTs`);
    return this.events;
  }

  async release(): Promise<void> {
    this.#socket.write(encodePdu({ type: 'A-RELEASE-RQ' }));
    await this.#nextPdu().catch(() => undefined);
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/**
 * An image box N-SET data set (Explicit VR Little Endian) of a columns x rows 12-bit image whose
 * pixels are `pattern` repeated, as pieces: the attributes, then the pixels a pattern at a time,
 * then the delimiters. A 200 MB image is sent without ever being built.
 */
export function imageBoxSetPieces(
  position: number,
  columns: number,
  rows: number,
  pattern: Buffer,
): { pieces: () => Iterable<Buffer>; pixelBytes: number } {
  const pixelBytes = columns * rows * 2;
  const item = grayImage(1, 1);
  const encoded = encodeDataset(
    {
      '20200010': { vr: 'US', Value: [position] },
      '20200110': {
        vr: 'SQ',
        Value: [
          { ...item, '00280010': { vr: 'US', Value: [rows] }, '00280011': { vr: 'US', Value: [columns] } },
        ],
      },
    },
    Uid.ExplicitVrLittleEndian,
  );
  // The Pixel Data header (7FE0,0010) OW, its 2-byte value, then the item and sequence delimiters.
  const at = encoded.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]));
  if (at < 0 || encoded.readUInt32LE(at + 8) !== 2) throw new Error('pixel data header not found');
  const prefix = Buffer.from(encoded.subarray(0, at + 12));
  prefix.writeUInt32LE(pixelBytes, at + 8);
  const suffix = encoded.subarray(at + 14);
  return {
    pixelBytes,
    *pieces() {
      yield prefix;
      for (let left = pixelBytes; left > 0; left -= pattern.length)
        yield pattern.subarray(0, Math.min(pattern.length, left));
      yield suffix;
    },
  };
}

/** A film session and a 1-up film box on the grayscale meta SOP class: their UIDs and the image box's. */
export async function openFilmBox(
  s: Scu,
  filmSize = '14INX17IN',
): Promise<{ session: string; filmBox: string; imageBox: string; status: number }> {
  const meta = Uid.BasicGrayscalePrintManagementMeta;
  const session = await s.nCreate(meta, Uid.BasicFilmSession, {});
  const sid = session.command.affectedSopInstanceUid!;
  const fb = await s.nCreate(meta, Uid.BasicFilmBox, {
    '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
    '20100050': { vr: 'CS', Value: [filmSize] },
    '20100500': {
      vr: 'SQ',
      Value: [
        { '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] }, '00081155': { vr: 'UI', Value: [sid] } },
      ],
    },
  });
  const ref = (fb.dataset?.['20100510']?.Value as DcmDataset[] | undefined)?.[0];
  return {
    session: sid,
    filmBox: fb.command.affectedSopInstanceUid ?? '',
    imageBox: ref ? String(ref['00081155']!.Value![0]) : '',
    status: fb.command.status ?? -1,
  };
}

/** A grayscale image item for Basic Grayscale Image Sequence. */
export function grayImage(
  columns: number,
  rows: number,
  bits: 8 | 12 = 12,
  photometric = 'MONOCHROME2',
): DcmDataset {
  const bytes = columns * rows * (bits === 8 ? 1 : 2);
  const pixels = new Uint8Array(bytes);
  for (let i = 0; i < pixels.length; i++) pixels[i] = i & 0xff;
  return {
    '00280002': { vr: 'US', Value: [1] },
    '00280004': { vr: 'CS', Value: [photometric] },
    '00280010': { vr: 'US', Value: [rows] },
    '00280011': { vr: 'US', Value: [columns] },
    '00280100': { vr: 'US', Value: [bits === 8 ? 8 : 16] },
    '00280101': { vr: 'US', Value: [bits] },
    '00280102': { vr: 'US', Value: [bits - 1] },
    '00280103': { vr: 'US', Value: [0] },
    '7FE00010': { vr: bits === 8 ? 'OB' : 'OW', Value: [pixels.buffer] },
  };
}
