/**
 * The N-EVENT-REPORTs an association sends its SCU (Print Job and Printer events, PS3.4 H.4.7),
 * one at a time and only while nothing of the SCU's is in progress (the 1/1 operations window),
 * each on a context of one of the event's abstract syntaxes, each awaited at most
 * EVENT_RESPONSE_TIMEOUT_MS. The connection (dicom-connection.ts) owns the socket; it asks this
 * object through the few methods below and answers through EventHost.
 */
import type { Logger } from 'pino';
import { CommandField, type CommandSet, RESPONSE_BIT } from '../dicom/dimse/command-fields.js';
import { encodeDataset } from '../dicom/dimse/dataset.js';
import { describeStatus } from '../dicom/dimse/status.js';
import type { ContextInfo, EventNotification } from '../dicom/service/service.js';
import { uidName } from '../dicom/uids.js';

/** How long the SCU has to answer an N-EVENT-REPORT before we give up on it. */
export const EVENT_RESPONSE_TIMEOUT_MS = 10_000;

/** What the sender asks of the association's connection. */
export interface EventHost {
  readonly log: Logger;
  /** The connection is closed. */
  readonly closed: boolean;
  /** Nothing of the SCU's is in progress: an event may go now. */
  idle(): boolean;
  /** No event may go any more: nothing can be sent, a release was asked, or it is closed. */
  over(): boolean;
  /** An accepted context of one of these abstract syntaxes, in their order. */
  contextFor(abstractSyntaxes: readonly string[]): ContextInfo | undefined;
  /** Send the request (recorded, dumped, fragmented as any message we send). */
  send(contextId: number, command: CommandSet, dataset: Buffer | undefined, event: EventNotification): void;
}

interface PendingEvent {
  n: EventNotification;
  resolve: (status: number | undefined) => void;
}

export class EventSender {
  readonly #host: EventHost;
  readonly #queue: PendingEvent[] = [];
  #inFlight: (PendingEvent & { messageId: number; timer: NodeJS.Timeout }) | undefined;
  #nextMessageId = 1;

  constructor(host: EventHost) {
    this.#host = host;
  }

  /** Queue an event; resolves with the SCU's status, or undefined when it was not sent or answered. */
  notify(n: EventNotification): Promise<number | undefined> {
    return new Promise((resolve) => {
      if (this.#host.closed) return resolve(undefined);
      this.#queue.push({ n, resolve });
      this.flush();
    });
  }

  /** Send the next queued event if one may go now (call when the association goes idle). */
  flush(): void {
    const host = this.#host;
    while (host.idle() && !this.#inFlight && this.#queue.length > 0) {
      const e = this.#queue.shift()!;
      // After A-RELEASE-RQ the SCU may not answer anything: no new events (PS3.8 7.2).
      if (host.over()) {
        e.resolve(undefined);
        continue;
      }
      const ctx = host.contextFor(e.n.abstractSyntaxes);
      if (!ctx) {
        e.resolve(undefined);
        continue;
      }
      const messageId = this.#nextMessageId;
      this.#nextMessageId = (this.#nextMessageId % 0xffff) + 1;
      let dataset: Buffer | undefined;
      if (e.n.dataset && Object.keys(e.n.dataset).length > 0)
        dataset = encodeDataset(e.n.dataset, ctx.transferSyntax);
      const command: CommandSet = {
        affectedSopClassUid: e.n.sopClassUid,
        commandField: CommandField.N_EVENT_REPORT_RQ,
        messageId,
        commandDataSetType: dataset ? 0x0000 : 0x0101,
        affectedSopInstanceUid: e.n.sopInstanceUid,
        eventTypeId: e.n.eventTypeId,
      };
      const timer = setTimeout(() => {
        host.log.warn({ messageId, eventTypeId: e.n.eventTypeId }, 'N-EVENT-REPORT not answered in time');
        this.#inFlight = undefined;
        e.resolve(undefined);
        this.flush();
      }, EVENT_RESPONSE_TIMEOUT_MS);
      this.#inFlight = { ...e, messageId, timer };
      if (host.log.isLevelEnabled('info')) {
        host.log.info(
          {
            type: 'N-EVENT-REPORT-RQ',
            sopClass: uidName(e.n.sopClassUid),
            eventTypeId: e.n.eventTypeId,
            messageId,
            context: ctx.id,
          },
          'N-EVENT-REPORT-RQ sent',
        );
      }
      host.send(ctx.id, command, dataset, e.n);
    }
  }

  /** A response from the SCU: true when it answers the event in flight (then settled). */
  answered(cmd: CommandSet, type: string): boolean {
    const e = this.#inFlight;
    if (
      cmd.commandField !== (CommandField.N_EVENT_REPORT_RQ | RESPONSE_BIT) ||
      !e ||
      cmd.messageIdBeingRespondedTo !== e.messageId
    )
      return false;
    clearTimeout(e.timer);
    this.#inFlight = undefined;
    if (this.#host.log.isLevelEnabled('info')) {
      this.#host.log.info(
        { type, messageId: e.messageId, status: describeStatus(cmd.status ?? 0) },
        `${type} received`,
      );
    }
    e.resolve(cmd.status ?? 0);
    return true;
  }

  /** The association is over: every event waiting or in flight resolves unanswered. */
  close(): void {
    if (this.#inFlight) {
      clearTimeout(this.#inFlight.timer);
      this.#inFlight.resolve(undefined);
      this.#inFlight = undefined;
    }
    for (const e of this.#queue.splice(0)) e.resolve(undefined);
  }
}
