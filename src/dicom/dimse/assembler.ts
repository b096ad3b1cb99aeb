/**
 * Reassembles PDV fragments into DIMSE messages (PS3.7 6.3.1, PS3.8 Annex E): a command, fragment by
 * fragment until its last, then its data set (when the command says one follows) on the same
 * presentation context. Pure. Violations throw AssemblyError with the A-ABORT reason to send.
 *
 * Data set bytes beyond the configured limit are counted and dropped, not buffered: the message is
 * still delivered (flagged) so the service can answer with a precise status instead of a crash.
 * The same when the memory budget shared by all associations has no room for them.
 *
 * A data set the caller asks to stream (streamFor) is read as it arrives by a DatasetStream: its
 * Pixel Data goes to a sink, only the rest is held (and counted against the budget).
 */
import { type Bytes, bytesOf, joined, partsOf } from '../chunked-bytes.js';
import { SpilledValue } from '../spilled-value.js';
import type { AbortReason } from '../ul/errors.js';
import type { Pdv } from '../ul/pdu.js';
import { CommandError, type DecodedCommand, decodeCommand, MAX_COMMAND_LENGTH } from './command-codec.js';
import { NO_DATA_SET } from './command-fields.js';
import type { DatasetStream, ValuePath } from './dataset-stream.js';

/**
 * Memory for data sets being received, shared by every association (--max-inflight): bytes are
 * taken as they are held and given back once the message is handled or dropped.
 */
export interface MemoryBudget {
  /** Take n bytes; false (nothing taken) when they do not fit. */
  take(n: number): boolean;
  give(n: number): void;
}

export interface AssemblerOptions {
  /** Shared memory bound; absent: only maxDatasetBytes bounds a message. */
  budget?: MemoryBudget;
  /**
   * Asked once a command announcing a data set is complete: a stream to read that data set as it
   * arrives (its large value goes to a sink), or undefined to hold it whole.
   */
  streamFor?(command: DecodedCommand, contextId: number, tapped: boolean): DatasetStream | undefined;
  /**
   * Asked first, once a command announcing a data set is complete: somewhere the data set's bytes
   * also go as they arrive (proxy mode relays them cut-through). The message is still assembled
   * (or streamed) as usual.
   */
  tapFor?(command: DecodedCommand, contextId: number): DataTap | undefined;
}

/** Where a data set's bytes are copied to as they arrive (views: do not mutate). */
export interface DataTap {
  data(part: Bytes): void;
  /** Every byte arrived, within the limits. */
  end(): void;
  /** The data set will not be delivered whole (over a limit, or the association went). */
  abort(): void;
}

export class AssemblyError extends Error {
  override name = 'AssemblyError';
  constructor(
    readonly reason: AbortReason,
    message: string,
  ) {
    super(message);
  }
}

export interface AssembledMessage extends DecodedCommand {
  contextId: number;
  commandBytes: Buffer;
  /**
   * The data set bytes, when one was sent and it fitted the limit: one buffer, or the received
   * chunks as they are (never joined: a large image must not be held twice).
   */
  dataset?: Bytes;
  /** Bytes of data set received in total (also when over the limit). */
  datasetLength: number;
  /** True when the data set exceeded maxDatasetBytes and was dropped. */
  datasetOverLimit: boolean;
  /** True when the shared memory budget had no room for the data set: it was dropped. */
  datasetOverBudget: boolean;
  /** Bytes of this message taken from the budget: give them back once it is handled. */
  held: number;
  /** A streamed data set that does not parse (the stream's reason); `dataset` is then absent. */
  datasetError?: Error;
  /** The streamed large value, to put back in the decoded data set at `path`. */
  spilled?: { path: ValuePath; value: SpilledValue };
}

interface Pending {
  contextId: number;
  commandParts: Buffer[];
  commandLength: number;
  decoded?: DecodedCommand;
  commandBytes?: Buffer;
  dataParts: Buffer[];
  dataLength: number;
  /** Bytes taken from the budget for this message. */
  held: number;
  overBudget: boolean;
  stream?: DatasetStream;
  tap?: DataTap;
}

export class MessageAssembler {
  #p: Pending | undefined;

  constructor(
    public maxDatasetBytes: number,
    readonly options: AssemblerOptions = {},
  ) {}

  /** True while a message is partly received. */
  get inProgress(): boolean {
    return this.#p !== undefined;
  }

  push(pdvs: Pdv[]): AssembledMessage[] {
    const done: AssembledMessage[] = [];
    for (const pdv of pdvs) {
      const m = this.#one(pdv);
      if (m) done.push(m);
    }
    return done;
  }

  #one(pdv: Pdv): AssembledMessage | undefined {
    let p = this.#p;
    if (p && p.contextId !== pdv.contextId) {
      throw new AssemblyError(
        'unexpected-pdu-parameter',
        `PDV on context ${pdv.contextId} while a message on context ${p.contextId} is incomplete`,
      );
    }
    if (pdv.isCommand) {
      if (p?.decoded)
        throw new AssemblyError('unexpected-pdu-parameter', 'command PDV while a data set was expected');
      if (!p) {
        p = {
          contextId: pdv.contextId,
          commandParts: [],
          commandLength: 0,
          dataParts: [],
          dataLength: 0,
          held: 0,
          overBudget: false,
        };
        this.#p = p;
      }
      p.commandLength += pdv.data.length;
      if (p.commandLength > MAX_COMMAND_LENGTH) {
        throw new AssemblyError(
          'invalid-pdu-parameter-value',
          `command set longer than ${MAX_COMMAND_LENGTH} bytes`,
        );
      }
      p.commandParts.push(joined(pdv.data));
      if (!pdv.isLast) return undefined;
      const bytes =
        p.commandParts.length === 1 ? p.commandParts[0]! : Buffer.concat(p.commandParts, p.commandLength);
      let decoded: DecodedCommand;
      try {
        decoded = decodeCommand(bytes);
      } catch (e) {
        if (e instanceof CommandError)
          throw new AssemblyError('invalid-pdu-parameter-value', `command: ${e.message}`);
        throw e;
      }
      p.decoded = decoded;
      p.commandBytes = bytes;
      p.commandParts = [];
      if (decoded.command.commandDataSetType === NO_DATA_SET) return this.#finish(p, false);
      p.tap = this.options.tapFor?.(decoded, p.contextId);
      p.stream = this.options.streamFor?.(decoded, p.contextId, p.tap !== undefined);
      return undefined;
    }
    if (!p?.decoded) {
      throw new AssemblyError(
        'unexpected-pdu-parameter',
        p ? 'data set PDV before the command was complete' : 'data set PDV without a command',
      );
    }
    p.dataLength += pdv.data.length;
    if (p.dataLength > this.maxDatasetBytes || p.overBudget) this.#drop(p);
    else if (p.stream) {
      const before = p.stream.heldBytes;
      p.stream.push(pdv.data);
      // A stream that failed holds nothing more (and let go of what it held).
      const grew = p.stream.heldBytes - before;
      if (grew < 0) this.#give(p, -grew);
      else if (grew > 0) this.#take(p, grew);
      p.tap?.data(pdv.data);
    } else if (this.#take(p, pdv.data.length)) {
      p.dataParts.push(...partsOf(pdv.data));
      p.tap?.data(pdv.data);
    }
    return pdv.isLast ? this.#finish(p, true) : undefined;
  }

  #take(p: Pending, n: number): boolean {
    const budget = this.options.budget;
    if (!budget || budget.take(n)) {
      if (budget) p.held += n;
      return true;
    }
    p.overBudget = true;
    this.#drop(p);
    return false;
  }

  #give(p: Pending, n: number): void {
    const k = Math.min(n, p.held);
    if (k > 0) this.options.budget?.give(k);
    p.held -= k;
  }

  /** The data set will not be delivered: its bytes (and the stream's sink) go, its budget back. */
  #drop(p: Pending): void {
    p.dataParts = [];
    p.stream?.abort();
    p.tap?.abort();
    p.tap = undefined;
    this.#give(p, p.held);
  }

  /**
   * The association is gone with a message half received: its bytes and budget are let go, its
   * stream's sink aborted. The assembler is empty afterwards.
   */
  discard(): void {
    const p = this.#p;
    this.#p = undefined;
    if (p) this.#drop(p);
  }

  #finish(p: Pending, hasData: boolean): AssembledMessage {
    this.#p = undefined;
    const over = p.dataLength > this.maxDatasetBytes;
    const m: AssembledMessage = {
      command: p.decoded!.command,
      unknown: p.decoded!.unknown,
      contextId: p.contextId,
      commandBytes: p.commandBytes!,
      datasetLength: p.dataLength,
      datasetOverLimit: over,
      datasetOverBudget: p.overBudget && !over,
      held: p.held,
    };
    if (!hasData || over || p.overBudget) return m;
    p.tap?.end();
    if (!p.stream) {
      m.dataset = bytesOf(p.dataParts, p.dataLength);
      return m;
    }
    try {
      const r = p.stream.finish();
      m.dataset = r.held;
      if (r.diverted)
        m.spilled = {
          path: r.diverted.path,
          value: new SpilledValue(r.diverted.length, r.diverted.sink, r.diverted.digest),
        };
    } catch (e) {
      m.datasetError = e as Error;
      this.#give(p, p.held);
      m.held = 0;
    }
    return m;
  }
}
