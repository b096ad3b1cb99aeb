/**
 * Data sets (the part of a DIMSE message after the command), encoded in the presentation
 * context's transfer syntax. dcmjs is the dictionary and attribute codec; this module is the only
 * place that touches its untyped API.
 */
import dcmjs from 'dcmjs';
import { Uid } from '../uids.js';

/** One attribute as dcmjs holds it: VR plus values (sequences hold nested data sets). */
export interface DcmElement {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
}
/** A data set keyed by 8-hex-digit tag ("00100010"), the DICOM JSON model. */
export type DcmDataset = Record<string, DcmElement>;
/** A data set keyed by keyword ("PatientName"), as dcmjs naturalizes it. */
export type NaturalDataset = Record<string, unknown>;

interface DcmjsReadStream {
  end(): boolean;
  offset: number;
}
interface DcmjsData {
  ReadBufferStream: new (buf: ArrayBuffer, littleEndian?: boolean) => DcmjsReadStream;
  WriteBufferStream: new (
    size?: number,
    littleEndian?: boolean,
  ) => { getBuffer(): ArrayBuffer; size: number };
  DicomMessage: {
    _read(
      stream: DcmjsReadStream,
      syntax: string,
      options: { ignoreErrors: boolean; untilTag: null },
    ): DcmDataset;
    write(dict: DcmDataset, stream: unknown, syntax: string, options: Record<string, unknown>): number;
  };
  DicomMetaDictionary: {
    naturalizeDataset(d: DcmDataset): NaturalDataset;
    denaturalizeDataset(d: NaturalDataset): DcmDataset;
    uid(): string;
  };
}
interface DcmjsModule {
  data: DcmjsData;
  log: { setLevel(level: string): void; getLogger(name: string): { setLevel(level: string): void } };
}

const lib = dcmjs as unknown as DcmjsModule;
// dcmjs logs through a global loglevel instance; its warnings are ours to report, not to print.
lib.log.setLevel('silent');
// Its validation logger ("Invalid vr type ox - using OW" for pixel data in implicit VR) is separate.
lib.log.getLogger('validation.dcmjs').setLevel('silent');
const { DicomMessage, ReadBufferStream, WriteBufferStream, DicomMetaDictionary } = lib.data;

export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** Transfer syntaxes whose data sets we can read and write. */
export function isReadableTransferSyntax(ts: string): boolean {
  return ts === Uid.ImplicitVrLittleEndian || ts === Uid.ExplicitVrLittleEndian;
}

/** Decode a data set; throws DatasetError when its bytes do not parse to the end. */
export function decodeDataset(bytes: Buffer, transferSyntax: string): DcmDataset {
  if (!isReadableTransferSyntax(transferSyntax)) {
    throw new DatasetError(`transfer syntax ${transferSyntax} is not supported for data sets`);
  }
  if (bytes.length === 0) return {};
  // A large data set usually owns its whole ArrayBuffer (Buffer.concat of its fragments): read it
  // in place rather than copy tens of megabytes of pixel data once more.
  const owns = bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength;
  const ab = (
    owns ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)
  ) as ArrayBuffer;
  const stream = new ReadBufferStream(ab, true);
  let dict: DcmDataset;
  try {
    dict = DicomMessage._read(stream, transferSyntax, { ignoreErrors: false, untilTag: null });
  } catch (e) {
    throw new DatasetError(`data set does not parse: ${(e as Error).message ?? String(e)}`);
  }
  if (!stream.end() || stream.offset !== bytes.length) {
    throw new DatasetError(`data set does not parse: stopped at byte ${stream.offset} of ${bytes.length}`);
  }
  return dict;
}

export function encodeDataset(dict: DcmDataset, transferSyntax: string): Buffer {
  if (!isReadableTransferSyntax(transferSyntax)) {
    throw new DatasetError(`transfer syntax ${transferSyntax} is not supported for data sets`);
  }
  const stream = new WriteBufferStream(4096, true);
  DicomMessage.write(dict, stream, transferSyntax, {});
  return Buffer.from(stream.getBuffer());
}

export function naturalize(dict: DcmDataset): NaturalDataset {
  return DicomMetaDictionary.naturalizeDataset(dict);
}

export function denaturalize(natural: NaturalDataset): DcmDataset {
  return DicomMetaDictionary.denaturalizeDataset(natural);
}

/** A fresh UID under 2.25 (PS3.5 B.2), for SCP-created instances. */
export function newUid(): string {
  return DicomMetaDictionary.uid();
}
