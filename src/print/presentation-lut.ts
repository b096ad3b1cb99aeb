/**
 * Presentation LUT SOP class (PS3.4 H.4.9): N-CREATE, N-DELETE, and the references other
 * print objects make to a LUT.
 */
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { DimseReply, DimseRequest } from '../dicom/service/service.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import { PRESENTATION_LUT_RULES, validate } from './attributes.js';
import type { PresentationLut } from './model.js';
import type { PrintContext } from './print-context.js';
import { fail, fromVerdict, ok, warningReply, warningsOf } from './replies.js';
import { items, str, tagNumber } from './values.js';

/** A Referenced Presentation LUT Sequence in ds: the LUT's UID, 0x0112-style failure, or none. */
export function lutReference(ctx: PrintContext, ds: DcmDataset): string | undefined | DimseReply {
  const ref = items(ds, Tag.ReferencedPresentationLUTSequence)[0];
  if (!ref) return undefined;
  const uid = str(ref, Tag.ReferencedSOPInstanceUID) ?? '';
  if (!ctx.luts.has(uid)) {
    return fail('InvalidAttributeValue', `Referenced Presentation LUT ${uid.slice(0, 30)} does not exist`, {
      offendingElement: [tagNumber(Tag.ReferencedPresentationLUTSequence)],
    });
  }
  return uid;
}

export function createPresentationLut(ctx: PrintContext, req: DimseRequest): DimseReply {
  const ds = req.dataset ?? {};
  const uid = ctx.newInstanceUid(req);
  if (typeof uid !== 'string') return uid;
  const v = validate(ds, PRESENTATION_LUT_RULES, ctx.caps, 'create', 'Presentation LUT');
  if (v.failure) return fromVerdict(v.failure);
  const shape = str(ds, Tag.PresentationLUTShape);
  const seq = items(ds, Tag.PresentationLUTSequence);
  const hasSeq = Tag.PresentationLUTSequence in ds;
  if (shape === undefined && !hasSeq) {
    return fail('MissingAttribute', 'neither Presentation LUT Shape nor Presentation LUT Sequence', {
      attributeIdentifierList: [tagNumber(Tag.PresentationLUTShape), tagNumber(Tag.PresentationLUTSequence)],
    });
  }
  if (shape !== undefined && hasSeq) {
    return fail('InvalidAttributeValue', 'Presentation LUT Shape and Sequence are mutually exclusive', {
      offendingElement: [tagNumber(Tag.PresentationLUTSequence)],
    });
  }
  const lut: PresentationLut = { uid };
  if (shape !== undefined) lut.shape = shape;
  else {
    if (seq.length !== 1)
      return fail('InvalidAttributeValue', `Presentation LUT Sequence has ${seq.length} items, must be 1`);
    const item = seq[0]!;
    const desc = (item[Tag.LUTDescriptor]?.Value ?? []).map(Number);
    const data = (item[Tag.LUTData]?.Value ?? []).map(Number);
    const [entries, first, bits] = desc as [number, number, number];
    if (
      desc.length !== 3 ||
      !(entries === 256 || entries === 4096) ||
      first !== 0 ||
      bits < 10 ||
      bits > 16
    ) {
      return fail('InvalidAttributeValue', `LUT Descriptor ${desc.join('\\')}: needs 256 or 4096\\0\\10-16`, {
        offendingElement: [tagNumber(Tag.LUTDescriptor)],
      });
    }
    if (data.length !== entries) {
      return fail(
        'InvalidAttributeValue',
        `LUT Data has ${data.length} entries, descriptor says ${entries}`,
        {
          offendingElement: [tagNumber(Tag.LUTData)],
        },
      );
    }
    lut.descriptor = [entries, first, bits];
    lut.data = data;
  }
  ctx.luts.set(uid, lut);
  ctx.register(uid, 'presentation-lut', Uid.PresentationLut);
  return warningReply(warningsOf(v), { affectedSopInstanceUid: uid });
}

export function deletePresentationLut(ctx: PrintContext, req: DimseRequest): DimseReply {
  const uid = ctx.lookup(req, 'presentation-lut');
  if (typeof uid !== 'string') return uid;
  const s = ctx.session;
  const used =
    s?.presentationLutUid === uid ||
    s?.filmBoxes.some(
      (fb) =>
        fb.presentationLutUid === uid ||
        fb.imageBoxes.some(
          (b) =>
            str(
              items(b.attributes, Tag.ReferencedPresentationLUTSequence)[0],
              Tag.ReferencedSOPInstanceUID,
            ) === uid,
        ),
    );
  if (used) return fail('ProcessingFailure', 'the Presentation LUT is still referenced');
  ctx.luts.delete(uid);
  ctx.forget(uid);
  return ok();
}
