/**
 * Checks of the data sets the SCU sent, against the print service's own attribute tables and the
 * data dictionary: mandatory attributes, allowed values, attributes the class does not define or
 * N-SET may not change, and VRs. What Lightbox answered (0x0120/0x0121, 0x0106) is folded in, so
 * a finding also appears when the reason lies outside the tables (e.g. the pixel module).
 */

import { expectedVr, keywordOf, type RecordedAttribute } from '../../dicom/dimse/dataset.js';
import { describeStatus } from '../../dicom/dimse/status.js';
import { hasValue, items } from '../../print/values.js';
import type { Conversation, Exchange } from '../conversation.js';
import type { Hit } from '../model.js';
import { attributeTable, IMAGE_SEQUENCES, isMandatory, VR_CHOICES } from '../spec.js';

export const tagHex = (n: number): string => (n >>> 0).toString(16).toUpperCase().padStart(8, '0');

const isGroupLength = (tag: string) => tag.endsWith('0000');

/** Hits of one exchange, at most one per tag (our answer may name what the data already showed). */
function collector(ex: Exchange, hits: Hit[]) {
  const seen = new Set<string>();
  return (tag: string | undefined, detail: string) => {
    if (tag !== undefined && seen.has(tag)) return;
    if (tag !== undefined) seen.add(tag);
    hits.push(tag === undefined ? { at: ex.index, detail } : { at: ex.index, tag, detail });
  };
}

const answered = (ex: Exchange) =>
  `Lightbox answered ${describeStatus(ex.rsp?.status ?? 0)}${ex.rsp?.errorComment ? `: ${ex.rsp.errorComment}` : ''}`;

export function missingMandatory(c: Conversation): Hit[] {
  const hits: Hit[] = [];
  for (const ex of c.exchanges) {
    const add = collector(ex, hits);
    const table = attributeTable(ex.rq.sopClass, ex.operation);
    const ds = ex.dataset;
    if (table && ds) {
      for (const r of table.rules) {
        if (!isMandatory(r, table.operation)) continue;
        if (!(r.tag in ds)) add(r.tag, `${table.name} without ${keywordOf(r.tag)}`);
        else if (ds[r.tag]!.vr !== 'SQ' && !hasValue(ds, r.tag))
          add(r.tag, `${keywordOf(r.tag)} is present without a value`);
      }
      const image = IMAGE_SEQUENCES[ex.rq.sopClass ?? ''];
      for (const item of image ? items(ds, image.sequence) : []) {
        for (const tag of image!.required)
          if (!(tag in item)) add(tag, `the image item has no ${keywordOf(tag) ?? tag}`);
      }
    }
    const status = ex.rsp?.status;
    if (status === 0x0120 || status === 0x0121) {
      const tags = ex.rsp?.attributeIdentifierList ?? [];
      for (const t of tags) add(tagHex(t), answered(ex));
      if (tags.length === 0) add(undefined, answered(ex));
    }
  }
  return hits;
}

export function valueNotAllowed(c: Conversation): Hit[] {
  const hits: Hit[] = [];
  for (const ex of c.exchanges) {
    const add = collector(ex, hits);
    const table = attributeTable(ex.rq.sopClass, ex.operation);
    const ds = ex.dataset;
    for (const r of table && ds ? table.rules : []) {
      if (!r.check || !(r.tag in ds!)) continue;
      // Attributes that may not be sent at all are other rules' findings.
      if ((r.supported && !r.supported(c.caps)) || (table!.operation === 'N-SET' && r.settable === false))
        continue;
      if (ds![r.tag]!.vr !== 'SQ' && !hasValue(ds, r.tag)) continue;
      let why: string | undefined;
      try {
        why = r.check({ ...ds }, r.tag, c.caps);
      } catch (e) {
        why = `cannot be read (${(e as Error).message})`;
      }
      if (why) add(r.tag, `${keywordOf(r.tag)}: ${why}`);
    }
    if (ex.rsp?.status === 0x0106) {
      const tags = ex.rsp.offendingElement ?? [];
      for (const t of tags) add(tagHex(t), answered(ex));
      if (tags.length === 0) add(undefined, answered(ex));
    }
  }
  return hits;
}

export function notDefined(c: Conversation): Hit[] {
  const hits: Hit[] = [];
  for (const ex of c.exchanges) {
    const table = attributeTable(ex.rq.sopClass, ex.operation);
    if (!table || !ex.dataset) continue;
    const byTag = new Map(table.rules.map((r) => [r.tag, r]));
    for (const tag of Object.keys(ex.dataset)) {
      if (isGroupLength(tag)) continue;
      const r = byTag.get(tag);
      if (!r)
        hits.push({ at: ex.index, tag, detail: `${table.name} does not define ${keywordOf(tag) ?? tag}` });
      else if (r.supported && !r.supported(c.caps))
        hits.push({ at: ex.index, tag, detail: `${keywordOf(r.tag)} is not supported by this printer` });
    }
  }
  return hits;
}

export function notSettable(c: Conversation): Hit[] {
  const hits: Hit[] = [];
  for (const ex of c.exchanges) {
    const table = attributeTable(ex.rq.sopClass, ex.operation);
    if (table?.operation !== 'N-SET' || !ex.dataset) continue;
    for (const r of table.rules) {
      if (r.settable === false && r.tag in ex.dataset)
        hits.push({
          at: ex.index,
          tag: r.tag,
          detail: `${keywordOf(r.tag)} is fixed at N-CREATE and was sent in N-SET`,
        });
    }
  }
  return hits;
}

/** Is a VR received acceptable for the dictionary's VR (which may be a choice, e.g. OB or OW)? */
function vrAccepted(dictionaryVr: string, received: string): boolean {
  return received === 'UN' || (VR_CHOICES[dictionaryVr] ?? [dictionaryVr]).includes(received);
}

export function wrongVr(c: Conversation): Hit[] {
  const hits: Hit[] = [];
  const walk = (ex: Exchange, attrs: readonly RecordedAttribute[]) => {
    for (const a of attrs) {
      const want = isGroupLength(a.tag) ? undefined : expectedVr(a.tag);
      if (want && !vrAccepted(want, a.vr)) {
        const expected = (VR_CHOICES[want] ?? [want]).join(' or ');
        hits.push({
          at: ex.index,
          tag: a.tag,
          detail: `${a.keyword ?? a.tag} sent as ${a.vr}; the data dictionary says ${expected}`,
        });
      }
      for (const item of a.items ?? []) walk(ex, item);
    }
  };
  // Implicit VR data sets take their VR from the dictionary: only explicit ones can be wrong.
  for (const ex of c.exchanges) if (ex.context?.explicit && ex.rq.attributes) walk(ex, ex.rq.attributes);
  return hits;
}
