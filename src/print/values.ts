/** Reading attribute values out of a DICOM JSON-model data set (dcmjs's denaturalized form). */
import { type Bytes, ChunkedBytes } from '../dicom/chunked-bytes.js';
import type { DcmDataset, DcmElement } from '../dicom/dimse/dataset.js';
import { Tag } from '../dicom/tags.js';

export function element(ds: DcmDataset | undefined, tag: string): DcmElement | undefined {
  return ds?.[tag];
}

/** True when the attribute is present with at least one non-empty value. */
export function hasValue(ds: DcmDataset | undefined, tag: string): boolean {
  const v = ds?.[tag]?.Value;
  return Array.isArray(v) && v.length > 0 && v[0] !== '' && v[0] !== null && v[0] !== undefined;
}

export function str(ds: DcmDataset | undefined, tag: string): string | undefined {
  const e = ds?.[tag];
  const v = e?.Value?.[0];
  if (v === undefined || v === null) return undefined;
  return String(v).trim();
}

export function num(ds: DcmDataset | undefined, tag: string): number | undefined {
  const v = ds?.[tag]?.Value?.[0];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : Number.NaN;
}

export function items(ds: DcmDataset | undefined, tag: string): DcmDataset[] {
  const v = ds?.[tag]?.Value;
  return Array.isArray(v) ? (v as DcmDataset[]) : [];
}

/** The bytes of an OB/OW attribute (dcmjs holds them as one or more ArrayBuffers). */
export function bytes(ds: DcmDataset | undefined, tag: string): Bytes | undefined {
  const v = ds?.[tag]?.Value;
  if (!Array.isArray(v) || v.length === 0) return undefined;
  // As the reader left it: the chunks a large value arrived in are not joined (see ChunkedBytes).
  if (v.length === 1 && v[0] instanceof ChunkedBytes) return v[0];
  const parts = v.map((x) =>
    x instanceof ChunkedBytes
      ? x.toBuffer()
      : x instanceof ArrayBuffer
        ? Buffer.from(x)
        : ArrayBuffer.isView(x)
          ? Buffer.from(x.buffer, x.byteOffset, x.byteLength)
          : Buffer.alloc(0),
  );
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** "(2010,0050)" from "20100050". */
export function tagLabel(tag: string): string {
  return `(${tag.slice(0, 4)},${tag.slice(4)})`.toUpperCase();
}

/** The AT value for a tag string, as the command set carries it. */
export function tagNumber(tag: string): number {
  return Number.parseInt(tag, 16) >>> 0;
}

export const el = {
  cs: (v: string): DcmElement => ({ vr: 'CS', Value: [v] }),
  st: (v: string): DcmElement => ({ vr: 'ST', Value: [v] }),
  lo: (v: string): DcmElement => ({ vr: 'LO', Value: [v] }),
  sh: (v: string): DcmElement => ({ vr: 'SH', Value: [v] }),
  ui: (v: string): DcmElement => ({ vr: 'UI', Value: [v] }),
  us: (v: number): DcmElement => ({ vr: 'US', Value: [v] }),
  is: (v: number): DcmElement => ({ vr: 'IS', Value: [v] }),
  da: (v: string): DcmElement => ({ vr: 'DA', Value: [v] }),
  tm: (v: string): DcmElement => ({ vr: 'TM', Value: [v] }),
  ae: (v: string): DcmElement => ({ vr: 'AE', Value: [v] }),
  sq: (items: DcmDataset[]): DcmElement => ({ vr: 'SQ', Value: items }),
  ref: (sopClassUid: string, sopInstanceUid: string): DcmDataset => ({
    [Tag.ReferencedSOPClassUID]: { vr: 'UI', Value: [sopClassUid] },
    [Tag.ReferencedSOPInstanceUID]: { vr: 'UI', Value: [sopInstanceUid] },
  }),
};
