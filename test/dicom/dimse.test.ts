import { describe, expect, it } from 'vitest';
import { joined } from '../../src/dicom/chunked-bytes.js';
import { AssemblyError, MessageAssembler } from '../../src/dicom/dimse/assembler.js';
import { CommandError, decodeCommand, encodeCommand } from '../../src/dicom/dimse/command-codec.js';
import {
  CommandField,
  type CommandSet,
  commandName,
  NO_DATA_SET,
} from '../../src/dicom/dimse/command-fields.js';
import { DatasetError, datasetStream, decodeDataset, encodeDataset } from '../../src/dicom/dimse/dataset.js';
import { fragmentMessage, maxFragment } from '../../src/dicom/dimse/fragmenter.js';
import { describeStatus, Status, statusCategory } from '../../src/dicom/dimse/status.js';
import { Tag } from '../../src/dicom/tags.js';
import { Uid } from '../../src/dicom/uids.js';
import type { Pdv } from '../../src/dicom/ul/pdu.js';
import { encodePdu } from '../../src/dicom/ul/pdu-codec.js';

const hex = (s: string) => Buffer.from(s.replace(/--[^\n]*/g, '').replace(/\s+/g, ''), 'hex');

describe('command set codec', () => {
  it('C-ECHO-RQ encodes to the exact PS3.7 bytes', () => {
    const cmd: CommandSet = {
      affectedSopClassUid: Uid.Verification,
      commandField: CommandField.C_ECHO_RQ,
      messageId: 1,
      commandDataSetType: NO_DATA_SET,
    };
    const expected = hex(`
      00000000 04000000 38000000                    -- [0]  (0000,0000) UL len 4 = 56
      00000200 12000000 312e322e3834302e31303030382e312e3100 -- [12] (0000,0002) UI len 18 "1.2.840.10008.1.1\\0"
      00000001 02000000 3000                        -- [38] (0000,0100) US 0x0030
      00001001 02000000 0100                        -- [48] (0000,0110) US message ID 1
      00000008 02000000 0101                        -- [58] (0000,0800) US 0x0101 no data set
    `);
    expect(encodeCommand(cmd).toString('hex')).toBe(expected.toString('hex'));
    expect(decodeCommand(expected).command).toEqual(cmd);
  });

  it('round-trips every element type', () => {
    const cmd: CommandSet = {
      affectedSopClassUid: '1.2.840.10008.5.1.1.1',
      commandField: 0x8140,
      messageIdBeingRespondedTo: 65535,
      commandDataSetType: 0,
      status: 0xb605,
      offendingElement: [0x20100050, 0x20100010],
      errorComment: 'Max Density 400 above printer range',
      errorId: 3,
      affectedSopInstanceUid: '1.2.3.4.5',
      attributeIdentifierList: [0x21100010],
      actionTypeId: 1,
      eventTypeId: 2,
      moveDestination: 'DEST',
    };
    expect(decodeCommand(encodeCommand(cmd)).command).toEqual(cmd);
  });

  it('keeps unknown group 0000 elements aside', () => {
    const b = Buffer.concat([
      encodeCommand({ commandField: 0x30, commandDataSetType: NO_DATA_SET, messageId: 1 }),
      hex('00000050 02000000 0000'), // (0000,5000) retired
    ]);
    const d = decodeCommand(b);
    expect(d.unknown).toEqual([{ tag: 0x00005000, value: Buffer.from([0, 0]) }]);
  });

  it.each([
    ['element outside group 0000', '08000500 02000000 0000'],
    ['length overrunning the buffer', '00000001 ff000000 3000'],
    ['undefined length', '00000001 ffffffff'],
    ['truncated header', '000000'],
    ['no command field', '00000008 02000000 0101'],
    ['US of wrong length', '00000001 04000000 30000000 00000008 02000000 0101'],
  ])('rejects %s', (_what, bytes) => {
    expect(() => decodeCommand(hex(bytes))).toThrow(CommandError);
  });

  it('names commands', () => {
    expect(commandName(0x0030)).toBe('C-ECHO-RQ');
    expect(commandName(0x8140)).toBe('N-CREATE-RSP');
    expect(commandName(0x0fff)).toBe('C-CANCEL-RQ');
    expect(commandName(0x0042)).toBe('0x0042');
  });
});

describe('status table', () => {
  it('derives categories from PS3.7 C ranges', () => {
    expect(statusCategory(Status.Success.code)).toBe('success');
    expect(statusCategory(Status.MinMaxDensityOutOfRange.code)).toBe('warning');
    expect(statusCategory(Status.AttributeListError.code)).toBe('warning');
    expect(statusCategory(Status.AttributeValueOutOfRange.code)).toBe('warning');
    expect(statusCategory(Status.RequestedOptionalAttributesNotSupported.code)).toBe('warning');
    expect(statusCategory(Status.UnprintedFilmBoxExists.code)).toBe('failure');
    expect(statusCategory(Status.ProcessingFailure.code)).toBe('failure');
    expect(statusCategory(0xff00)).toBe('pending');
    expect(describeStatus(0xb605)).toBe('0xB605 Min/Max density out of range (warning)');
  });
  it('has one definition per code', () => {
    const codes = Object.values(Status).map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

function pdvsOf(contextId: number, command: Buffer, dataset: Buffer | undefined, max: number): Pdv[] {
  return fragmentMessage(contextId, command, dataset, max).flatMap((p) => p.pdvs);
}

describe('fragmenter', () => {
  const command = encodeCommand({
    commandField: 0x0120,
    messageId: 9,
    commandDataSetType: 0,
    requestedSopClassUid: '1.2',
  });
  const dataset = Buffer.alloc(10_000, 0x5a);

  it.each([16, 100, 4096, 16384, 0])('every PDU fits a peer max of %i (0 = unlimited)', (max) => {
    const pdus = fragmentMessage(1, command, dataset, max);
    for (const p of pdus) {
      const length = encodePdu(p).length - 6;
      if (max > 0) expect(length).toBeLessThanOrEqual(max);
      expect(p.pdvs).toHaveLength(1);
    }
    const cmdParts = pdus.flatMap((p) => p.pdvs).filter((v) => v.isCommand);
    expect(Buffer.concat(cmdParts.map((v) => joined(v.data))).equals(command)).toBe(true);
    expect(cmdParts.at(-1)!.isLast).toBe(true);
    expect(cmdParts.slice(0, -1).every((v) => !v.isLast)).toBe(true);
    const dataParts = pdus.flatMap((p) => p.pdvs).filter((v) => !v.isCommand);
    expect(Buffer.concat(dataParts.map((v) => joined(v.data))).equals(dataset)).toBe(true);
  });

  it('uses max - 6 byte fragments', () => {
    expect(maxFragment(4096)).toBe(4090);
    expect(maxFragment(16384)).toBe(16378);
  });
});

describe('message assembler', () => {
  const command = encodeCommand({
    commandField: 0x0120,
    messageId: 9,
    commandDataSetType: 0,
    requestedSopClassUid: '1.2',
  });
  const dataset = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));

  it('reassembles command and data set from fragments of any size', () => {
    for (const size of [7, 8, 64, 1000, 100_000]) {
      const a = new MessageAssembler(1 << 20);
      const msgs = a.push(pdvsOf(3, command, dataset, size));
      expect(msgs).toHaveLength(1);
      expect(msgs[0]!.command.messageId).toBe(9);
      expect(joined(msgs[0]!.dataset!).equals(dataset)).toBe(true);
      expect(msgs[0]!.contextId).toBe(3);
    }
  });

  it('same message delivered PDV by PDV, for every split of the PDV list', () => {
    const pdvs = pdvsOf(1, command, dataset, 512);
    for (let i = 0; i <= pdvs.length; i++) {
      const a = new MessageAssembler(1 << 20);
      const got = [...a.push(pdvs.slice(0, i)), ...a.push(pdvs.slice(i))];
      expect(got).toHaveLength(1);
      expect(joined(got[0]!.dataset!).equals(dataset)).toBe(true);
    }
  });

  it('a command without data set completes at its last fragment', () => {
    const c = encodeCommand({ commandField: 0x0030, messageId: 1, commandDataSetType: NO_DATA_SET });
    const msgs = new MessageAssembler(1024).push(pdvsOf(1, c, undefined, 20));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.dataset).toBeUndefined();
  });

  it('two messages back to back in one PDV list', () => {
    const c = encodeCommand({ commandField: 0x0030, messageId: 1, commandDataSetType: NO_DATA_SET });
    const pdvs = [...pdvsOf(1, c, undefined, 0), ...pdvsOf(1, command, dataset, 0)];
    expect(new MessageAssembler(1 << 20).push(pdvs)).toHaveLength(2);
  });

  it('a tap gets the data set as it arrives, in order, then end(); the message is assembled all the same', () => {
    const got: Buffer[] = [];
    const events: string[] = [];
    const a = new MessageAssembler(1 << 20, {
      tapFor: (c, contextId) => {
        events.push(`tap ${c.command.messageId} on ${contextId}`);
        return {
          data: (part) => {
            got.push(Buffer.from(joined(part)));
            events.push('data');
          },
          end: () => events.push('end'),
          abort: () => events.push('abort'),
        };
      },
    });
    const pdvs = pdvsOf(3, command, dataset, 700);
    // Before the last PDV: the bytes so far are already out, the message not yet done.
    expect(a.push(pdvs.slice(0, -1))).toEqual([]);
    expect(Buffer.concat(got).length).toBeGreaterThan(0);
    const [m] = a.push(pdvs.slice(-1));
    expect(Buffer.concat(got).equals(dataset)).toBe(true);
    expect(joined(m!.dataset!).equals(dataset)).toBe(true);
    expect(events[0]).toBe('tap 9 on 3');
    expect(events.at(-1)).toBe('end');
    expect(events.filter((e) => e === 'end' || e === 'abort')).toEqual(['end']);
  });

  it('a tap is aborted, never ended, when the data set goes over the limit', () => {
    const events: string[] = [];
    const a = new MessageAssembler(1000, {
      tapFor: () => ({
        data: () => events.push('data'),
        end: () => events.push('end'),
        abort: () => events.push('abort'),
      }),
    });
    const [m] = a.push(pdvsOf(1, command, dataset, 256));
    expect(m!.datasetOverLimit).toBe(true);
    expect(events.filter((e) => e !== 'data')).toEqual(['abort']);
  });

  it('drops a data set over the limit but still delivers the message, flagged', () => {
    const a = new MessageAssembler(1000);
    const [m] = a.push(pdvsOf(1, command, dataset, 256));
    expect(m!.datasetOverLimit).toBe(true);
    expect(m!.datasetLength).toBe(3000);
    expect(m!.dataset).toBeUndefined();
  });

  it.each([
    [
      'data before any command',
      () => [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(2) }],
    ],
    [
      'command while a data set is expected',
      () => [...pdvsOf(1, command, undefined, 0), ...pdvsOf(1, command, undefined, 0)],
    ],
    [
      'context switch inside a message',
      () => [pdvsOf(1, command, dataset, 100)[0]!, { ...pdvsOf(1, command, dataset, 100)[1]!, contextId: 3 }],
    ],
    [
      'a command that does not parse',
      () => [{ contextId: 1, isCommand: true, isLast: true, data: Buffer.from('garbage!') }],
    ],
  ] as [string, () => Pdv[]][])('aborts on %s', (_what, make) => {
    expect(() => new MessageAssembler(1 << 20).push(make())).toThrow(AssemblyError);
  });
});

describe('data sets (dcmjs)', () => {
  it('round-trips in implicit and explicit VR little endian', () => {
    const ds = {
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
      '20000010': { vr: 'IS', Value: [2] },
    };
    for (const ts of [Uid.ImplicitVrLittleEndian, Uid.ExplicitVrLittleEndian]) {
      const back = decodeDataset(encodeDataset(ds, ts), ts);
      expect(back['20000010']!.Value).toEqual([2]);
      expect(back['00100010']!.Value).toEqual([{ Alphabetic: 'Doe^Jane' }]);
    }
  });
  it('rejects bytes that do not parse with DatasetError, never a crash', () => {
    for (const bad of [
      Buffer.from([0x10, 0x00, 0x10]),
      Buffer.from('1000100050ffffff', 'hex'),
      Buffer.alloc(9, 0xff),
    ]) {
      expect(() => decodeDataset(bad, Uid.ExplicitVrLittleEndian)).toThrow(DatasetError);
    }
  });
  it('refuses explicit VR big endian', () => {
    expect(() => decodeDataset(Buffer.alloc(8), Uid.ExplicitVrBigEndian)).toThrow(/not supported/);
  });
});

describe('message assembler: memory budget and streamed data sets', () => {
  const command = encodeCommand({
    commandField: CommandField.N_SET_RQ,
    messageId: 4,
    commandDataSetType: 0,
    requestedSopClassUid: Uid.BasicGrayscaleImageBox,
  });
  const pixels = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 13) & 0xff));
  const dataset = encodeDataset(
    {
      [Tag.ImageBoxPosition]: { vr: 'US', Value: [1] },
      [Tag.BasicGrayscaleImageSequence]: {
        vr: 'SQ',
        Value: [{ [Tag.Rows]: { vr: 'US', Value: [100] }, [Tag.PixelData]: { vr: 'OB', Value: [pixels] } }],
      },
    },
    Uid.ExplicitVrLittleEndian,
  );

  /** A budget that records what it lends. */
  class Budget {
    used = 0;
    peak = 0;
    constructor(readonly limit: number) {}
    take(n: number): boolean {
      if (this.used + n > this.limit) return false;
      this.used += n;
      this.peak = Math.max(this.peak, this.used);
      return true;
    }
    give(n: number): void {
      this.used -= n;
    }
  }

  const sink = () => {
    const s = { parts: [] as Buffer[], ended: false, aborted: false };
    return {
      s,
      sink: {
        write: (p: Buffer) => void s.parts.push(Buffer.from(p)),
        end: () => {
          s.ended = true;
        },
        abort: () => {
          s.aborted = true;
        },
      },
    };
  };

  it('holds a data set within the budget, counts every byte, and leaves giving back to the caller', () => {
    const budget = new Budget(1 << 20);
    const [m] = new MessageAssembler(1 << 20, { budget }).push(pdvsOf(1, command, dataset, 1000));
    expect(joined(m!.dataset!).equals(dataset)).toBe(true);
    expect(m!.held).toBe(dataset.length);
    expect(budget.used).toBe(dataset.length);
  });

  it('beyond the budget: drops the data set, gives back what it took, delivers the message flagged', () => {
    const budget = new Budget(10_000);
    const [m] = new MessageAssembler(1 << 20, { budget }).push(pdvsOf(1, command, dataset, 1000));
    expect(m!.datasetOverBudget).toBe(true);
    expect(m!.datasetOverLimit).toBe(false);
    expect(m!.dataset).toBeUndefined();
    expect(m!.held).toBe(0);
    expect(budget.used).toBe(0);
    expect(m!.datasetLength).toBe(dataset.length);
  });

  it('streams the pixel data to a sink: only the rest is held and counted, at every fragment size', () => {
    for (const size of [7, 64, 1000, 30_000]) {
      const budget = new Budget(1000);
      const { s, sink: k } = sink();
      const a = new MessageAssembler(1 << 20, {
        budget,
        streamFor: () => datasetStream(Uid.ExplicitVrLittleEndian, { minLength: 1, open: () => k }),
      });
      const [m] = a.push(pdvsOf(1, command, dataset, size));
      expect(m!.datasetOverBudget).toBe(false);
      expect(Buffer.concat(s.parts).equals(pixels)).toBe(true);
      expect(s.ended && !s.aborted).toBe(true);
      expect(m!.held).toBe(dataset.length - pixels.length);
      expect(budget.peak).toBeLessThan(100);
      expect(m!.spilled!.value.length).toBe(pixels.length);
      expect(m!.spilled!.path).toEqual([Tag.BasicGrayscaleImageSequence, 0, Tag.PixelData]);
    }
  });

  it('a streamed data set over the size limit, or one that does not parse: the sink is aborted', () => {
    const { s, sink: k } = sink();
    const over = new MessageAssembler(10_000, {
      streamFor: () => datasetStream(Uid.ExplicitVrLittleEndian, { minLength: 1, open: () => k }),
    });
    const [m] = over.push(pdvsOf(1, command, dataset, 1000));
    expect(m!.datasetOverLimit).toBe(true);
    expect(s.aborted).toBe(true);

    const bad = sink();
    const budget = new Budget(1 << 20);
    const broken = Buffer.concat([dataset, hex('1000 1000 5a5a 0200 4142')]);
    const [b] = new MessageAssembler(1 << 20, {
      budget,
      streamFor: () => datasetStream(Uid.ExplicitVrLittleEndian, { minLength: 1, open: () => bad.sink }),
    }).push(pdvsOf(1, command, broken, 1000));
    expect(b!.datasetError?.message).toMatch(/VR "ZZ"/);
    expect(b!.dataset).toBeUndefined();
    expect(bad.s.aborted).toBe(true);
    expect(budget.used).toBe(0);
    expect(b!.held).toBe(0);
  });

  it('discard(): a half-received message gives its budget back and aborts its sink', () => {
    const budget = new Budget(1 << 20);
    const { s, sink: k } = sink();
    const a = new MessageAssembler(1 << 20, {
      budget,
      streamFor: () => datasetStream(Uid.ExplicitVrLittleEndian, { minLength: 1, open: () => k }),
    });
    const pdvs = pdvsOf(1, command, dataset, 1000);
    expect(a.push(pdvs.slice(0, -3))).toEqual([]);
    expect(budget.used).toBeGreaterThan(0);
    a.discard();
    expect(budget.used).toBe(0);
    expect(s.aborted).toBe(true);
    expect(a.inProgress).toBe(false);
  });
});
