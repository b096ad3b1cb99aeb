/** EventSender (src/net/event-sender.ts) over a fake connection: one event at a time, when idle, bounded. */
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommandField, type CommandSet } from '../../src/dicom/dimse/command-fields.js';
import type { EventNotification } from '../../src/dicom/service/service.js';
import { Uid } from '../../src/dicom/uids.js';
import { EVENT_RESPONSE_TIMEOUT_MS, type EventHost, EventSender } from '../../src/net/event-sender.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
const ctx = { id: 3, abstractSyntax: META, transferSyntax: Uid.ImplicitVrLittleEndian };

function fakeHost() {
  const sent: { contextId: number; command: CommandSet; dataset?: Buffer }[] = [];
  const state = { closed: false, busy: false, over: false };
  const host: EventHost = {
    log: pino({ level: 'silent' }),
    get closed() {
      return state.closed;
    },
    idle: () => !state.busy,
    over: () => state.over || state.closed,
    contextFor: (as) => (as.includes(META) ? ctx : undefined),
    send: (contextId, command, dataset) => void sent.push({ contextId, command, dataset }),
  };
  return { host, sent, state };
}

const job = (eventTypeId: number, abstractSyntaxes: string[] = [META]): EventNotification => ({
  abstractSyntaxes,
  sopClassUid: Uid.PrintJob,
  sopInstanceUid: '1.2.3',
  eventTypeId,
});

const answer = (messageId: number, status = 0): CommandSet => ({
  commandField: CommandField.N_EVENT_REPORT_RQ | 0x8000,
  commandDataSetType: 0x0101,
  messageIdBeingRespondedTo: messageId,
  status,
});

afterEach(() => vi.useRealTimers());

describe('EventSender', () => {
  it('sends one event at a time, the next once the SCU answered, with its status', async () => {
    const { host, sent } = fakeHost();
    const s = new EventSender(host);
    const first = s.notify(job(1));
    const second = s.notify(job(2));
    expect(sent.map((m) => m.command.eventTypeId)).toEqual([1]);
    expect(sent[0]).toMatchObject({ contextId: 3, command: { messageId: 1, commandDataSetType: 0x0101 } });
    expect(s.answered(answer(2), 'N-EVENT-REPORT-RSP')).toBe(false);
    expect(s.answered(answer(1, 0x0110), 'N-EVENT-REPORT-RSP')).toBe(true);
    expect(await first).toBe(0x0110);
    // The connection flushes once the response is handled and nothing else is in progress.
    expect(sent).toHaveLength(1);
    s.flush();
    expect(sent.map((m) => m.command.messageId)).toEqual([1, 2]);
    s.answered(answer(2), 'N-EVENT-REPORT-RSP');
    expect(await second).toBe(0);
  });

  it('waits while the SCU has something in progress; drops what cannot go (no context, association over)', async () => {
    const { host, sent, state } = fakeHost();
    const s = new EventSender(host);
    expect(await s.notify(job(1, [Uid.BasicColorPrintManagementMeta]))).toBeUndefined();
    state.busy = true;
    const waiting = s.notify(job(2));
    s.flush();
    expect(sent).toHaveLength(0);
    state.busy = false;
    state.over = true;
    s.flush();
    expect(await waiting).toBeUndefined();
    expect(sent).toHaveLength(0);
  });

  it('gives up on an event not answered in time, and sends the next; none once closed', async () => {
    vi.useFakeTimers();
    const { host, sent, state } = fakeHost();
    const s = new EventSender(host);
    const first = s.notify(job(1));
    const second = s.notify(job(2));
    vi.advanceTimersByTime(EVENT_RESPONSE_TIMEOUT_MS);
    expect(await first).toBeUndefined();
    expect(sent.map((m) => m.command.eventTypeId)).toEqual([1, 2]);
    state.closed = true;
    s.close();
    expect(await second).toBeUndefined();
    expect(await s.notify(job(3))).toBeUndefined();
  });
});
