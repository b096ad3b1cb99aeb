/**
 * Our data set writer against dcmjs's, byte for byte, on the data sets the print service answers
 * with (and every VR it writes), in both transfer syntaxes; and what it writes reads back.
 */
import dcmjs from 'dcmjs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type DcmDataset, decodeDataset, encodeDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { printerAttributes, printerConfiguration } from '../../src/print/printer-attributes.js';
import { PrinterRuntime } from '../../src/print/printer-runtime.js';
import { resolveCapabilities } from '../../src/profiles/capabilities.js';
import { DEFAULT_PROFILE } from '../../src/profiles/default-profile.js';
import { tempStore } from '../support/store.js';

interface DcmjsWriter {
  data: {
    WriteBufferStream: new (size?: number, littleEndian?: boolean) => { getBuffer(): ArrayBuffer };
    DicomMessage: { write(d: DcmDataset, s: unknown, ts: string, o: object): number };
  };
}
const { WriteBufferStream, DicomMessage } = (dcmjs as unknown as DcmjsWriter).data;

/** The reference: what dcmjs writes for the same data set. */
function dcmjsBytes(ds: DcmDataset, ts: string): Buffer {
  const stream = new WriteBufferStream(4096, true);
  DicomMessage.write(ds, stream, ts, {});
  return Buffer.from(stream.getBuffer());
}

const ref = (cls: string, uid: string): DcmDataset => ({
  '00081150': { vr: 'UI', Value: [cls] },
  '00081155': { vr: 'UI', Value: [uid] },
});

const FILM_BOX_RESPONSE: DcmDataset = {
  '20100010': { vr: 'ST', Value: ['STANDARD\\4,5'] },
  '20100040': { vr: 'CS', Value: ['PORTRAIT'] },
  '20100050': { vr: 'CS', Value: ['14INX17IN'] },
  '20100060': { vr: 'CS', Value: ['CUBIC'] },
  '20100100': { vr: 'CS', Value: ['BLACK'] },
  '20100110': { vr: 'CS', Value: ['WHITE'] },
  '20100120': { vr: 'US', Value: [20] },
  '20100130': { vr: 'US', Value: [320] },
  '20100150': { vr: 'ST', Value: ['odd'] },
  '20100500': { vr: 'SQ', Value: [ref(Uid.BasicFilmSession, '1.2.3')] },
  '20100510': {
    vr: 'SQ',
    Value: Array.from({ length: 20 }, (_, i) => ref(Uid.BasicGrayscaleImageBox, `2.25.1234567.${i}`)),
  },
  '20100520': { vr: 'SQ', Value: [] },
};

const EVERY_VR: DcmDataset = {
  '00080005': { vr: 'CS', Value: ['ISO_IR 100'] },
  '00080012': { vr: 'DA', Value: ['20261130'] },
  '00080013': { vr: 'TM', Value: ['120000.5'] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JANE' }] },
  '00100020': { vr: 'LO', Value: ['ID1'] },
  '00181000': { vr: 'LO', Value: [] },
  '00200013': { vr: 'IS', Value: [7] },
  '00280030': { vr: 'DS', Value: [0.5, 0.25] },
  '00280034': { vr: 'IS', Value: [1, 2] },
  '00283002': { vr: 'SS', Value: [4096, -2, 16] },
  '00189087': { vr: 'FD', Value: [1.25] },
  '00209241': { vr: 'FL', Value: [0.5] },
  '00289001': { vr: 'UL', Value: [70000] },
  '00189219': { vr: 'SS', Value: [-3] },
  '0040A124': { vr: 'UI', Value: ['1.2.345'] },
  '20300020': { vr: 'LO', Value: ['HELLO'] },
  '21000160': { vr: 'SH', Value: ['ODD'] },
  '7FE00010': { vr: 'OW', Value: [new Uint16Array([1, 2, 3, 65535]).buffer] },
  '00420011': { vr: 'OB', Value: [new Uint8Array([1, 2, 3]).buffer] },
  '20200110': {
    vr: 'SQ',
    Value: [{ '00280010': { vr: 'US', Value: [2] }, '00081140': { vr: 'SQ', Value: [{}] } }],
  },
};

const runtime = new PrinterRuntime(
  resolveCapabilities(DEFAULT_PROFILE),
  tempStore(),
  pino({ level: 'silent' }),
);
const CASES: [string, DcmDataset][] = [
  ['Film Box N-CREATE response', FILM_BOX_RESPONSE],
  ['Printer N-GET response', printerAttributes(runtime)],
  ['Printer Configuration Retrieval N-GET response', printerConfiguration(runtime)],
  ['every VR the writer knows', EVERY_VR],
  ['empty', {}],
];

describe('data set writer', () => {
  for (const [name, ds] of CASES) {
    for (const [tsName, ts] of [
      ['explicit', Uid.ExplicitVrLittleEndian],
      ['implicit', Uid.ImplicitVrLittleEndian],
    ] as const) {
      it(`${name}, ${tsName} VR: the bytes dcmjs writes, and they read back`, () => {
        const ours = encodeDataset(ds, ts);
        expect(ours.toString('hex')).toBe(dcmjsBytes(ds, ts).toString('hex'));
        expect(Object.keys(decodeDataset(ours, ts)).sort()).toEqual(Object.keys(ds).sort());
      });
    }
  }
});
