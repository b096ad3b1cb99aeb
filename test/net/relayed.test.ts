/** Proxy mode's pure steps (src/net/relayed.ts): what the modality is answered, and in whose names. */
import { describe, expect, it } from 'vitest';
import type { AssembledMessage } from '../../src/dicom/dimse/assembler.js';
import { CommandField, NO_DATA_SET } from '../../src/dicom/dimse/command-fields.js';
import { type DcmDataset, decodeDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { inOurNames, noAnswerResponse, relayedResponse } from '../../src/net/relayed.js';

const request = {
  commandField: CommandField.N_CREATE_RQ,
  messageId: 7,
  commandDataSetType: 0,
  affectedSopClassUid: Uid.BasicFilmBox,
};

describe('relayedResponse', () => {
  it("keeps every field the printer set, under the modality's Message ID, its data set in the modality's syntax", () => {
    const r = relayedResponse(
      request,
      {
        command: {
          commandField: CommandField.N_CREATE_RQ | 0x8000,
          messageIdBeingRespondedTo: 3,
          commandDataSetType: 0,
          status: 0xb605,
          errorComment: 'Max Density clamped',
          affectedSopClassUid: Uid.BasicFilmBox,
          affectedSopInstanceUid: '1.2.3.4',
        },
        dataset: { '20100040': { vr: 'CS', Value: ['PORTRAIT'] } },
        ms: 4,
      },
      Uid.ImplicitVrLittleEndian,
    );
    expect(r.command).toMatchObject({
      commandField: 0x8140,
      messageIdBeingRespondedTo: 7,
      commandDataSetType: 0,
      status: 0xb605,
      errorComment: 'Max Density clamped',
      affectedSopInstanceUid: '1.2.3.4',
    });
    expect(decodeDataset(r.dataset!, Uid.ImplicitVrLittleEndian)['20100040']?.Value).toEqual(['PORTRAIT']);
  });

  it('no data set from the printer: none to the modality', () => {
    const r = relayedResponse(
      request,
      {
        command: {
          commandField: 0x8140,
          messageIdBeingRespondedTo: 3,
          commandDataSetType: NO_DATA_SET,
          status: 0x0106,
        },
        ms: 1,
      },
      Uid.ImplicitVrLittleEndian,
    );
    expect(r.command.commandDataSetType).toBe(NO_DATA_SET);
    expect(r.dataset).toBeUndefined();
  });
});

it('noAnswerResponse: 0x0110 with the reason in Error Comment', () => {
  expect(noAnswerResponse(request, 'printer did not answer within 1000 ms')).toMatchObject({
    commandField: 0x8140,
    messageIdBeingRespondedTo: 7,
    status: 0x0110,
    errorComment: 'printer did not answer within 1000 ms',
    commandDataSetType: NO_DATA_SET,
  });
});

it("inOurNames: the instance a request names becomes Lightbox's", () => {
  const m = {
    command: { commandField: CommandField.N_SET_RQ, requestedSopInstanceUid: 'printer.1', messageId: 2 },
  } as unknown as AssembledMessage;
  const names = {
    ours: (u: string) => (u === 'printer.1' ? 'ours.1' : u),
    rewrite: (d: DcmDataset) => d,
    learn() {},
  };
  expect(inOurNames(m, names).command.requestedSopInstanceUid).toBe('ours.1');
  expect(m.command.requestedSopInstanceUid).toBe('printer.1');
});
