/**
 * Instances the original SCP created (Film Session, Film Box, its Image and Annotation Boxes,
 * Presentation LUTs, Print Jobs) get other UIDs from the new SCP: this maps each original UID to
 * the new one, learnt from each pair of responses, and rewrites later requests with it. Pure.
 */
import type { DcmDataset, RecordedAttribute } from '../dicom/dimse/dataset.js';
import { Tag } from '../dicom/tags.js';

/** Reference sequences of a response whose items name new instances, in the same order on both sides. */
const CREATED_REFERENCES = [
  Tag.ReferencedImageBoxSequence,
  Tag.ReferencedBasicAnnotationBoxSequence,
  Tag.ReferencedPrintJobSequence,
] as const;

function recordedRefs(attrs: readonly RecordedAttribute[] | undefined, tag: string): string[] {
  const seq = attrs?.find((a) => a.tag === tag);
  return (seq?.items ?? []).map((item) =>
    String(item.find((a) => a.tag === Tag.ReferencedSOPInstanceUID)?.value?.[0] ?? ''),
  );
}

function datasetRefs(ds: DcmDataset | undefined, tag: string): string[] {
  const items = (ds?.[tag]?.Value ?? []) as DcmDataset[];
  return items.map((i) => String(i[Tag.ReferencedSOPInstanceUID]?.Value?.[0] ?? ''));
}

export class UidMap {
  readonly #map = new Map<string, string>();
  /** Original instances that were not created this time (their step was skipped or failed). */
  readonly #dropped = new Set<string>();

  /** The new UID of an original one; itself when it was not created by the SCP. */
  get(uid: string): string {
    return this.#map.get(uid) ?? uid;
  }

  isDropped(uid: string): boolean {
    return this.#dropped.has(uid);
  }

  set(original: string, replayed: string): void {
    if (original && replayed) this.#map.set(original, replayed);
  }

  drop(original: string | undefined): void {
    if (original) this.#dropped.add(original);
  }

  /** Learn from a response: the instance it created and the instances its reference sequences name. */
  learn(
    original: { sopInstance?: string; attributes?: readonly RecordedAttribute[] } | undefined,
    replayed: { sopInstance?: string; dataset?: DcmDataset },
  ): void {
    if (!original) return;
    if (original.sopInstance && replayed.sopInstance) this.set(original.sopInstance, replayed.sopInstance);
    for (const tag of CREATED_REFERENCES) {
      const before = recordedRefs(original.attributes, tag);
      const after = datasetRefs(replayed.dataset, tag);
      before.forEach((uid, i) => {
        const now = after[i];
        if (now) this.set(uid, now);
        else this.drop(uid);
      });
    }
  }

  /**
   * A request's data set with every Referenced SOP Instance UID mapped; a reference sequence that
   * names a dropped instance goes (a Presentation LUT the new printer did not create).
   */
  rewrite(ds: DcmDataset): DcmDataset {
    const out: DcmDataset = {};
    for (const [tag, el] of Object.entries(ds)) {
      if (tag === Tag.ReferencedSOPInstanceUID && el.Value) {
        out[tag] = { ...el, Value: el.Value.map((v) => this.get(String(v))) };
      } else if (el.vr === 'SQ' && el.Value) {
        const items = el.Value as DcmDataset[];
        const dropped = items.some((i) =>
          this.isDropped(String(i[Tag.ReferencedSOPInstanceUID]?.Value?.[0] ?? '')),
        );
        if (dropped) continue;
        out[tag] = { ...el, Value: items.map((i) => this.rewrite(i)) };
      } else out[tag] = el;
    }
    return out;
  }

  /** original -> new, for the report. */
  entries(): Record<string, string> {
    return Object.fromEntries(this.#map);
  }
}
