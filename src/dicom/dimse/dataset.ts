/**
 * Data sets (the part of a DIMSE message after the command), encoded in the presentation
 * context's transfer syntax. Reading and writing are ours (dataset-reader.ts, zero-copy;
 * dataset-writer.ts, dcmjs's encoding at a fraction of its cost); dcmjs is the dictionary, and this
 * module is the only place that touches its untyped API.
 */
import dcmjs from 'dcmjs';
import { type Bytes, binaryLength } from '../chunked-bytes.js';
import { SpilledValue, type ValueDigest, type ValueSink } from '../spilled-value.js';
import { namedTag, Tag } from '../tags.js';
import { Uid } from '../uids.js';
import { DatasetReadError, readDataset } from './dataset-reader.js';
import { DatasetStream, type ValuePath } from './dataset-stream.js';
import { writeDataset } from './dataset-writer.js';

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

interface DcmjsData {
  DicomMetaDictionary: {
    naturalizeDataset(d: DcmDataset): NaturalDataset;
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
const { DicomMetaDictionary } = lib.data;

export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** Transfer syntaxes whose data sets we can read and write. */
function isReadableTransferSyntax(ts: string): boolean {
  return ts === Uid.ImplicitVrLittleEndian || ts === Uid.ExplicitVrLittleEndian;
}

/** The dictionary VR of a tag ("20200010"), for Implicit VR data sets. */
const dictionary = (DicomMetaDictionary as unknown as { dictionary: Record<string, { vr: string }> })
  .dictionary;
const vrCache = new Map<string, string | undefined>();
function dictionaryVr(tag: string): string | undefined {
  let vr = vrCache.get(tag);
  if (vr === undefined && !vrCache.has(tag)) {
    vr = dictionary[`(${tag.slice(0, 4)},${tag.slice(4)})`]?.vr;
    vrCache.set(tag, vr);
  }
  return vr;
}

/**
 * Decode a data set with our own reader (dataset-reader.ts): binary values stay views into
 * `bytes`. Throws DatasetError when the bytes do not parse to the end.
 */
export function decodeDataset(bytes: Bytes, transferSyntax: string): DcmDataset {
  if (!isReadableTransferSyntax(transferSyntax)) {
    throw new DatasetError(`transfer syntax ${transferSyntax} is not supported for data sets`);
  }
  try {
    return readDataset(bytes, transferSyntax === Uid.ExplicitVrLittleEndian, dictionaryVr);
  } catch (e) {
    throw asDatasetError(e);
  }
}

/** A reader's error as the DatasetError handlers and the dispatcher know (other errors as they are). */
export function asDatasetError(e: unknown): unknown {
  return e instanceof DatasetReadError ? new DatasetError(`data set does not parse: ${e.message}`) : e;
}

/**
 * A reader of a data set as it arrives whose Pixel Data value (when at least minLength bytes) goes
 * to the sink `open` returns instead of memory; undefined for a transfer syntax we cannot read
 * (the message is then held whole, and refused as before).
 */
export function datasetStream(
  transferSyntax: string,
  o: { minLength: number; open(length: number): ValueSink },
): DatasetStream | undefined {
  if (!isReadableTransferSyntax(transferSyntax)) return undefined;
  return new DatasetStream({
    explicit: transferSyntax === Uid.ExplicitVrLittleEndian,
    vrOf: dictionaryVr,
    tag: Number.parseInt(Tag.PixelData, 16),
    minLength: o.minLength,
    open: o.open,
  });
}

/**
 * Put a spilled value back where the stream took it from (its element was read with no value).
 * False when the path does not lead to that element (the handler must then not see a data set
 * that lies about its pixels).
 */
export function placeSpilled(ds: DcmDataset, path: ValuePath, value: SpilledValue): boolean {
  let at: DcmDataset | undefined = ds;
  for (let i = 0; i < path.length - 1; i += 2) {
    const items: unknown[] | undefined = at?.[path[i] as string]?.Value;
    at = items?.[path[i + 1] as number] as DcmDataset | undefined;
  }
  const el = at?.[path.at(-1) as string];
  if (!el || path.length % 2 !== 1) return false;
  el.Value = [value];
  return true;
}

export function encodeDataset(dict: DcmDataset, transferSyntax: string): Buffer {
  if (!isReadableTransferSyntax(transferSyntax)) {
    throw new DatasetError(`transfer syntax ${transferSyntax} is not supported for data sets`);
  }
  return writeDataset(dict, transferSyntax === Uid.ExplicitVrLittleEndian);
}

export function naturalize(dict: DcmDataset): NaturalDataset {
  return DicomMetaDictionary.naturalizeDataset(dict);
}

/** One attribute as an association record shows it: small, JSON-safe, binary values as sizes. */
export interface RecordedAttribute {
  tag: string;
  keyword?: string;
  vr: string;
  /** Values; binary values become `{ bytes: n }` (a streamed one `{ bytes, sha256 }`); long lists are cut (see `more`). */
  value?: unknown[];
  /** Sequence items, each a list of attributes. */
  items?: RecordedAttribute[][];
  /** How many values were left out of `value`. */
  more?: number;
}

const RECORD_MAX_VALUES = 16;
const RECORD_MAX_DEPTH = 4;

/**
 * The keyword of a tag ("20100010" -> "ImageDisplayFormat"): ours (src/dicom/tags.ts) for the tags
 * the code names, else the dictionary's, when it has one.
 */
export function keywordOf(tag: string): string | undefined {
  return (
    namedTag(tag) ??
    (dictionary[`(${tag.slice(0, 4)},${tag.slice(4)})`] as { name?: string } | undefined)?.name
  );
}

const nameMap = (DicomMetaDictionary as unknown as { nameMap: Record<string, { tag: string } | undefined> })
  .nameMap;

/** The tag of a dictionary keyword ("Rows" -> "00280010"), when the dictionary has it. */
export function tagOf(keyword: string): string | undefined {
  if (Object.hasOwn(Tag, keyword)) return Tag[keyword as keyof typeof Tag];
  const entry = Object.hasOwn(nameMap, keyword) ? nameMap[keyword] : undefined;
  return entry ? entry.tag.replace(/[(),]/g, '').toUpperCase() : undefined;
}

/** The dictionary VR of a tag, for checks of what an SCU sent (undefined when not in the dictionary). */
export function expectedVr(tag: string): string | undefined {
  return dictionaryVr(tag);
}

/**
 * A streamed value as the record keeps it: `{ bytes, sha256 }`, the digest read when the record is
 * (so recording an image box does not finish its hash ahead of the answer; see stream-digest.ts).
 */
function streamedValue(bytes: number, digest: ValueDigest): { bytes: number; sha256?: string } {
  const out = { bytes };
  Object.defineProperty(out, 'sha256', { enumerable: true, get: () => digest.hex });
  return out;
}

/**
 * A data set as an association record keeps it: every attribute with its tag, keyword and VR as
 * received, values bounded, binary data (pixels) reduced to a byte count.
 */
export function recordDataset(ds: DcmDataset, depth = 0): RecordedAttribute[] {
  const out: RecordedAttribute[] = [];
  for (const tag of Object.keys(ds).sort()) {
    const el = ds[tag]!;
    const a: RecordedAttribute = { tag, vr: el.vr };
    const keyword = keywordOf(tag);
    if (keyword) a.keyword = keyword;
    const values = el.Value ?? [];
    if (el.vr === 'SQ') {
      a.items =
        depth < RECORD_MAX_DEPTH ? values.map((item) => recordDataset(item as DcmDataset, depth + 1)) : [];
    } else if (values.length > 0) {
      a.value = values.slice(0, RECORD_MAX_VALUES).map((v) => {
        const bytes = binaryLength(v);
        if (bytes === undefined) return v;
        // A streamed image keeps its digest: the record can tell a film sent twice from two films.
        return v instanceof SpilledValue && v.digest ? streamedValue(bytes, v.digest) : { bytes };
      });
      if (values.length > RECORD_MAX_VALUES) a.more = values.length - RECORD_MAX_VALUES;
    }
    out.push(a);
  }
  return out;
}

/** A fresh UID under 2.25 (PS3.5 B.2), for SCP-created instances. */
export function newUid(): string {
  return DicomMetaDictionary.uid();
}
