/**
 * A test pattern as a DICOM Part 10 file ready to print: a Secondary Capture image (synthetic,
 * Conversion Type SYN), MONOCHROME2, 8 bits (OB) or 12 bits stored in 16 (OW), Explicit VR Little
 * Endian, with the modules the SC Image IOD asks for. Pure: bytes in memory.
 */
import { type DcmDataset, encodeDataset, newUid } from '../dicom/dimse/dataset.js';
import { Tag } from '../dicom/tags.js';
import { Implementation, Uid } from '../dicom/uids.js';
import { PATTERNS, type PatternImage } from './patterns.js';

/** PS3.4 B.5: Secondary Capture Image Storage. */
export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

const el = (vr: string, ...values: unknown[]): { vr: string; Value: unknown[] } => ({ vr, Value: values });

function dicomDate(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}
function dicomTime(d: Date): string {
  return d.toISOString().slice(11, 19).replace(/:/g, '');
}

export function patternDataset(p: PatternImage, now = new Date()): DcmDataset {
  const bytes =
    p.bits === 8
      ? Uint8Array.from(p.pixels)
      : new Uint8Array(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength);
  const info = PATTERNS[p.name];
  return {
    [Tag.SpecificCharacterSet]: el('CS', 'ISO_IR 100'),
    [Tag.ImageType]: el('CS', 'DERIVED', 'SECONDARY'),
    [Tag.SOPClassUID]: el('UI', SECONDARY_CAPTURE),
    [Tag.SOPInstanceUID]: el('UI', newUid()),
    [Tag.StudyDate]: el('DA', dicomDate(now)),
    [Tag.ContentDate]: el('DA', dicomDate(now)),
    [Tag.StudyTime]: el('TM', dicomTime(now)),
    [Tag.ContentTime]: el('TM', dicomTime(now)),
    [Tag.AccessionNumber]: el('SH'),
    [Tag.Modality]: el('CS', 'OT'),
    [Tag.ConversionType]: el('CS', 'SYN'),
    [Tag.Manufacturer]: el('LO', 'Lightbox'),
    [Tag.ReferringPhysicianName]: el('PN'),
    [Tag.SeriesDescription]: el('LO', `QA ${info.title}`.slice(0, 64)),
    [Tag.PatientName]: el('PN', { Alphabetic: 'QA^TEST PATTERN' }),
    [Tag.PatientID]: el('LO', 'LIGHTBOX-QA'),
    [Tag.PatientBirthDate]: el('DA'),
    [Tag.PatientSex]: el('CS', 'O'),
    [Tag.StudyInstanceUID]: el('UI', newUid()),
    [Tag.SeriesInstanceUID]: el('UI', newUid()),
    [Tag.StudyID]: el('SH', 'QA'),
    [Tag.SeriesNumber]: el('IS', 1),
    [Tag.InstanceNumber]: el('IS', 1),
    [Tag.Laterality]: el('CS'),
    [Tag.PatientOrientation]: el('CS'),
    [Tag.ImageComments]: el('LT', `lightbox-qa-pattern ${p.name} ${p.bits}-bit: ${info.description}`),
    [Tag.SamplesPerPixel]: el('US', 1),
    [Tag.PhotometricInterpretation]: el('CS', 'MONOCHROME2'),
    [Tag.Rows]: el('US', p.rows),
    [Tag.Columns]: el('US', p.columns),
    [Tag.BitsAllocated]: el('US', p.bits === 8 ? 8 : 16),
    [Tag.BitsStored]: el('US', p.bits),
    [Tag.HighBit]: el('US', p.bits - 1),
    [Tag.PixelRepresentation]: el('US', 0),
    [Tag.PixelData]: el(p.bits === 8 ? 'OB' : 'OW', bytes),
  };
}

/** The Part 10 file: 128-byte preamble, "DICM", the file meta group, the data set. */
export function patternFile(p: PatternImage, now = new Date()): Buffer {
  const ds = patternDataset(p, now);
  const sopInstance = String(ds[Tag.SOPInstanceUID]!.Value![0]);
  const meta: DcmDataset = {
    [Tag.FileMetaInformationVersion]: el('OB', Uint8Array.of(0, 1)),
    [Tag.MediaStorageSOPClassUID]: el('UI', SECONDARY_CAPTURE),
    [Tag.MediaStorageSOPInstanceUID]: el('UI', sopInstance),
    [Tag.TransferSyntaxUID]: el('UI', Uid.ExplicitVrLittleEndian),
    [Tag.ImplementationClassUID]: el('UI', Implementation.classUid),
    [Tag.ImplementationVersionName]: el('SH', Implementation.versionName),
  };
  const metaBytes = encodeDataset(meta, Uid.ExplicitVrLittleEndian);
  const groupLength = encodeDataset(
    { [Tag.FileMetaInformationGroupLength]: el('UL', metaBytes.length) },
    Uid.ExplicitVrLittleEndian,
  );
  return Buffer.concat([
    Buffer.alloc(128),
    Buffer.from('DICM', 'latin1'),
    groupLength,
    metaBytes,
    encodeDataset(ds, Uid.ExplicitVrLittleEndian),
  ]);
}
