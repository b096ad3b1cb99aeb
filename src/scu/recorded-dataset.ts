/**
 * A data set as an association record kept it (recordDataset: values cut after 16, binary values
 * as byte counts) turned back into one that can be sent. What the record lost is filled by the
 * caller (pixel data from the film files) or made up and said so in `notes`.
 */
import type { DcmDataset, RecordedAttribute } from '../dicom/dimse/dataset.js';

/** Supplies a binary value the record kept only the size of; `path` is the tags from the top. */
export type BinaryFill = (path: readonly string[], bytes: number) => Uint8Array | undefined;
/** Supplies the whole value list of an attribute the record cut. */
export type ListFill = (
  path: readonly string[],
  kept: readonly unknown[],
  more: number,
) => unknown[] | undefined;

export interface Fills {
  binary?: BinaryFill;
  list?: ListFill;
}

function isByteCount(v: unknown): v is { bytes: number } {
  return typeof v === 'object' && v !== null && typeof (v as { bytes?: unknown }).bytes === 'number';
}

export function recordedToDataset(
  attrs: readonly RecordedAttribute[],
  fills: Fills,
  notes: string[],
  path: readonly string[] = [],
): DcmDataset {
  const ds: DcmDataset = {};
  for (const a of attrs) {
    const here = [...path, a.tag];
    const name = `${a.keyword ?? a.tag}`;
    if (a.items) {
      ds[a.tag] = { vr: a.vr, Value: a.items.map((item) => recordedToDataset(item, fills, notes, here)) };
      continue;
    }
    let values = [...(a.value ?? [])];
    if (a.more) {
      const whole = fills.list?.(here, values, a.more);
      if (whole) values = whole;
      else
        notes.push(
          `${name}: only the first ${values.length} of ${values.length + a.more} values were recorded`,
        );
    }
    values = values.map((v) => {
      if (!isByteCount(v)) return v;
      const got = fills.binary?.(here, v.bytes);
      if (got) return got;
      notes.push(`${name}: ${v.bytes} bytes not recorded, sent as a made-up pattern`);
      return madeUp(v.bytes);
    });
    ds[a.tag] = { vr: a.vr, Value: values };
  }
  return ds;
}

/** A deterministic gradient of the right length (never all zeros: a printer may treat that apart). */
export function madeUp(bytes: number): Uint8Array {
  const b = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i >> 1) & 0xff;
  return b;
}
