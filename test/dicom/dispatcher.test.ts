import { describe, expect, it } from 'vitest';
import type { AssembledMessage } from '../../src/dicom/dimse/assembler.js';
import { encodeCommand } from '../../src/dicom/dimse/command-codec.js';
import { CommandField, type CommandSet, NO_DATA_SET } from '../../src/dicom/dimse/command-fields.js';
import { decodeDataset, encodeDataset } from '../../src/dicom/dimse/dataset.js';
import { dispatch } from '../../src/dicom/service/dispatcher.js';
import { ServiceRegistry } from '../../src/dicom/service/registry.js';
import type { Service } from '../../src/dicom/service/service.js';
import { verificationService } from '../../src/dicom/service/verification.js';
import { Uid } from '../../src/dicom/uids.js';

const TEST_META = '1.2.826.0.1.3680043.9.9999.1';
const TEST_CLASS = '1.2.826.0.1.3680043.9.9999.2';

/** A stand-in service on a meta-like abstract syntax, to exercise the shared checks. */
const testService: Service = {
  name: 'test',
  abstractSyntaxes: { [TEST_META]: [TEST_CLASS] },
  routes: [
    {
      sopClasses: [TEST_CLASS],
      command: CommandField.N_CREATE_RQ,
      handler: (req) => ({
        status: 'Success',
        affectedSopInstanceUid: req.sopInstanceUid ?? '1.2.3.999',
        dataset: {
          '20000010': { vr: 'IS', Value: [Number(req.dataset?.['20000010']?.Value?.[0] ?? 0) + 1] },
        },
      }),
    },
    {
      sopClasses: [TEST_CLASS],
      command: CommandField.N_ACTION_RQ,
      handler: () => ({
        status: 'ProcessingFailure',
        errorComment: 'printer FAILURE',
        cause: 'printer FAILURE',
      }),
    },
    {
      sopClasses: [TEST_CLASS],
      command: CommandField.N_DELETE_RQ,
      handler: () => {
        throw new Error('kaboom');
      },
    },
  ],
};

const registry = new ServiceRegistry([verificationService, testService]);
const association = {
  id: 'a1',
  callingAeTitle: 'SCU',
  calledAeTitle: 'LIGHTBOX',
  peerAddress: '127.0.0.1:1',
  contexts: [],
  notify: async () => undefined,
  onEnd: () => {},
};

function msg(command: CommandSet, dataset?: Buffer, over = false): AssembledMessage {
  const m: AssembledMessage = {
    command,
    unknown: [],
    contextId: 1,
    commandBytes: encodeCommand(command),
    datasetLength: dataset?.length ?? 0,
    datasetOverLimit: over,
    datasetOverBudget: false,
    held: 0,
  };
  if (dataset) m.dataset = dataset;
  return m;
}

const ctx = (abstractSyntax: string, transferSyntax = Uid.ExplicitVrLittleEndian) => ({
  id: 1,
  abstractSyntax,
  transferSyntax,
});
const run = (m: AssembledMessage, abstractSyntax = TEST_META, duplicate = false) =>
  dispatch(m, { registry, context: ctx(abstractSyntax), association, duplicate });

describe('dispatcher', () => {
  it('C-ECHO -> C-ECHO-RSP success with Affected SOP Class UID', async () => {
    const r = await run(
      msg({
        commandField: CommandField.C_ECHO_RQ,
        messageId: 5,
        affectedSopClassUid: Uid.Verification,
        commandDataSetType: NO_DATA_SET,
      }),
      Uid.Verification,
    );
    expect(r.command).toEqual({
      commandField: 0x8030,
      messageIdBeingRespondedTo: 5,
      commandDataSetType: NO_DATA_SET,
      status: 0,
      affectedSopClassUid: Uid.Verification,
    });
  });

  it('C-ECHO on a context negotiated for another class -> 0x0122', async () => {
    const r = await run(
      msg({
        commandField: CommandField.C_ECHO_RQ,
        messageId: 1,
        affectedSopClassUid: Uid.Verification,
        commandDataSetType: NO_DATA_SET,
      }),
    );
    expect(r.command.status).toBe(0x0122);
    expect(r.command.errorComment).toMatch(/not negotiated/);
  });

  it('N-* with a SOP class not negotiated on the context -> 0x0118', async () => {
    const r = await run(
      msg({
        commandField: CommandField.N_GET_RQ,
        messageId: 1,
        requestedSopClassUid: Uid.Printer,
        commandDataSetType: NO_DATA_SET,
      }),
    );
    expect(r.command.status).toBe(0x0118);
  });

  it('an operation the class does not define -> 0x0211', async () => {
    const r = await run(
      msg({
        commandField: CommandField.N_GET_RQ,
        messageId: 1,
        requestedSopClassUid: TEST_CLASS,
        requestedSopInstanceUid: '1.2',
        commandDataSetType: NO_DATA_SET,
      }),
    );
    expect(r.command.status).toBe(0x0211);
    expect(r.command.affectedSopInstanceUid).toBe('1.2');
  });

  it('a duplicate Message ID -> 0x0210', async () => {
    const r = await run(
      msg({
        commandField: CommandField.N_CREATE_RQ,
        messageId: 1,
        affectedSopClassUid: TEST_CLASS,
        commandDataSetType: NO_DATA_SET,
      }),
      TEST_META,
      true,
    );
    expect(r.command.status).toBe(0x0210);
  });

  it('decodes the data set in the context transfer syntax and encodes the reply in it', async () => {
    const ds = encodeDataset({ '20000010': { vr: 'IS', Value: [41] } }, Uid.ExplicitVrLittleEndian);
    const r = await run(
      msg(
        {
          commandField: CommandField.N_CREATE_RQ,
          messageId: 2,
          affectedSopClassUid: TEST_CLASS,
          commandDataSetType: 0,
        },
        ds,
      ),
    );
    expect(r.command).toMatchObject({
      status: 0,
      commandDataSetType: 0,
      affectedSopInstanceUid: '1.2.3.999',
      affectedSopClassUid: TEST_CLASS,
    });
    expect(decodeDataset(r.dataset!, Uid.ExplicitVrLittleEndian)['20000010']!.Value).toEqual([42]);
  });

  it('a data set that does not parse -> 0x0110 with the reason, no handler call', async () => {
    const r = await run(
      msg(
        {
          commandField: CommandField.N_CREATE_RQ,
          messageId: 3,
          affectedSopClassUid: TEST_CLASS,
          commandDataSetType: 0,
        },
        Buffer.from([1, 2, 3]),
      ),
    );
    expect(r.command.status).toBe(0x0110);
    expect(r.command.errorComment).toMatch(/does not parse/);
    expect(r.command.errorComment!.length).toBeLessThanOrEqual(64);
  });

  it('a data set over the limit -> 0x0213 resource limitation', async () => {
    const r = await run(
      msg(
        {
          commandField: CommandField.N_CREATE_RQ,
          messageId: 3,
          affectedSopClassUid: TEST_CLASS,
          commandDataSetType: 0,
        },
        undefined,
        true,
      ),
    );
    expect(r.command.status).toBe(0x0213);
  });

  it('a handler that throws -> 0x0110 with the reason in Error Comment', async () => {
    const r = await run(
      msg({
        commandField: CommandField.N_DELETE_RQ,
        messageId: 4,
        requestedSopClassUid: TEST_CLASS,
        requestedSopInstanceUid: '1.5',
        commandDataSetType: NO_DATA_SET,
      }),
    );
    expect(r.command).toMatchObject({
      commandField: 0x8150,
      status: 0x0110,
      errorComment: 'internal error: kaboom',
      affectedSopInstanceUid: '1.5',
    });
  });

  it("a handler's cause (the printer's own state) is on the result for the record, not on the wire", async () => {
    const r = await run(
      msg({
        commandField: CommandField.N_ACTION_RQ,
        messageId: 5,
        requestedSopClassUid: TEST_CLASS,
        requestedSopInstanceUid: '1.5',
        actionTypeId: 1,
        commandDataSetType: NO_DATA_SET,
      }),
    );
    expect(r.cause).toBe('printer FAILURE');
    expect(r.command).toMatchObject({ status: 0x0110, errorComment: 'printer FAILURE' });
    expect(Object.keys(r.command)).not.toContain('cause');
  });

  it('a request without Message ID -> 0x0212 mistyped argument', async () => {
    const r = await run(
      msg({
        commandField: CommandField.C_ECHO_RQ,
        affectedSopClassUid: Uid.Verification,
        commandDataSetType: NO_DATA_SET,
      }),
      Uid.Verification,
    );
    expect(r.command.status).toBe(0x0212);
  });
});
