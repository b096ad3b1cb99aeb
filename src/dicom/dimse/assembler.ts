/**
 * Reassembles PDV fragments into DIMSE messages (PS3.7 6.3.1, PS3.8 Annex E): a command, fragment by
 * fragment until its last, then its data set (when the command says one follows) on the same
 * presentation context. Pure. Violations throw AssemblyError with the A-ABORT reason to send.
 *
 * Data set bytes beyond the configured limit are counted and dropped, not buffered: the message is
 * still delivered (flagged) so the service can answer with a precise status instead of a crash.
 */
import { type Bytes, bytesOf, joined, partsOf } from '../chunked-bytes.js';
import type { AbortReason } from '../ul/errors.js';
import type { Pdv } from '../ul/pdu.js';
import { CommandError, type DecodedCommand, decodeCommand, MAX_COMMAND_LENGTH } from './command-codec.js';
import { NO_DATA_SET } from './command-fields.js';

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
}

interface Pending {
  contextId: number;
  commandParts: Buffer[];
  commandLength: number;
  decoded?: DecodedCommand;
  commandBytes?: Buffer;
  dataParts: Buffer[];
  dataLength: number;
}

export class MessageAssembler {
  #p: Pending | undefined;

  constructor(public maxDatasetBytes: number) {}

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
        p = { contextId: pdv.contextId, commandParts: [], commandLength: 0, dataParts: [], dataLength: 0 };
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
      return undefined;
    }
    if (!p?.decoded) {
      throw new AssemblyError(
        'unexpected-pdu-parameter',
        p ? 'data set PDV before the command was complete' : 'data set PDV without a command',
      );
    }
    p.dataLength += pdv.data.length;
    if (p.dataLength <= this.maxDatasetBytes) p.dataParts.push(...partsOf(pdv.data));
    else p.dataParts = [];
    return pdv.isLast ? this.#finish(p, true) : undefined;
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
    };
    if (hasData && !over) {
      m.dataset = bytesOf(p.dataParts, p.dataLength);
    }
    return m;
  }
}
