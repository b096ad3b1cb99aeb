/**
 * DICOM files (PS3.10): the 128-byte preamble, "DICM", the File Meta Information group (Explicit VR
 * Little Endian, with its group length), then the data set. The pixel data is appended as its own
 * element after the rest of the data set, so a film's tens of megabytes are never copied into it.
 */
import type { DcmDataset } from './dimse/dataset.js';
import { writeDataset } from './dimse/dataset-writer.js';
import { Tag } from './tags.js';
import { Implementation, Uid } from './uids.js';

export interface FileMeta {
  sopClassUid: string;
  sopInstanceUid: string;
}

/** Preamble, prefix and File Meta Information of a file in Explicit VR Little Endian. */
export function fileMeta(m: FileMeta): Buffer {
  const group = writeDataset(
    {
      [Tag.FileMetaInformationVersion]: { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
      [Tag.MediaStorageSOPClassUID]: { vr: 'UI', Value: [m.sopClassUid] },
      [Tag.MediaStorageSOPInstanceUID]: { vr: 'UI', Value: [m.sopInstanceUid] },
      [Tag.TransferSyntaxUID]: { vr: 'UI', Value: [Uid.ExplicitVrLittleEndian] },
      [Tag.ImplementationClassUID]: { vr: 'UI', Value: [Implementation.classUid] },
      [Tag.ImplementationVersionName]: { vr: 'SH', Value: [Implementation.versionName] },
    },
    true,
  );
  const length = writeDataset(
    { [Tag.FileMetaInformationGroupLength]: { vr: 'UL', Value: [group.length] } },
    true,
  );
  const head = Buffer.alloc(132);
  head.write('DICM', 128, 'latin1');
  return Buffer.concat([head, length, group]);
}

/** The header of a Pixel Data element of `bytes` bytes (even), Explicit or Implicit VR Little Endian. */
export function pixelDataHeader(vr: 'OB' | 'OW', bytes: number, explicit = true): Buffer {
  const h = Buffer.alloc(explicit ? 12 : 8);
  const tag = Number.parseInt(Tag.PixelData, 16);
  h.writeUInt16LE(tag >>> 16, 0);
  h.writeUInt16LE(tag & 0xffff, 2);
  if (!explicit) {
    h.writeUInt32LE(bytes, 4);
    return h;
  }
  h.write(vr, 4, 'latin1');
  h.writeUInt32LE(bytes, 8);
  return h;
}

/**
 * A whole file as parts to write or send one after the other: file meta, the data set without its
 * pixels, the Pixel Data header, the pixels (padded to even length).
 */
export function part10(
  m: FileMeta,
  dataset: DcmDataset,
  pixels: { vr: 'OB' | 'OW'; data: Buffer },
): Buffer[] {
  const body = datasetParts(dataset, pixels);
  return [fileMeta(m), ...body];
}

/** The data set as parts (Explicit VR Little Endian unless told): attributes, Pixel Data header, pixels. */
export function datasetParts(
  dataset: DcmDataset,
  pixels: { vr: 'OB' | 'OW'; data: Buffer },
  explicit = true,
): Buffer[] {
  const { [Tag.PixelData]: _, ...rest } = dataset;
  const odd = pixels.data.length % 2 === 1;
  return [
    writeDataset(rest, explicit),
    pixelDataHeader(pixels.vr, pixels.data.length + (odd ? 1 : 0), explicit),
    pixels.data,
    ...(odd ? [Buffer.alloc(1)] : []),
  ];
}
