/**
 * Basic Annotation Box SOP class (PS3.4 H.4.5): N-SET of a film box's annotation text.
 */
import type { DimseReply, DimseRequest } from '../dicom/service/service.js';
import { Tag } from '../dicom/tags.js';
import { ANNOTATION_BOX_RULES, validate } from './attributes.js';
import type { PrintContext } from './print-context.js';
import { fail, fromVerdict, warningReply, warningsOf } from './replies.js';
import { num, str, tagNumber } from './values.js';

export function setAnnotationBox(ctx: PrintContext, req: DimseRequest): DimseReply {
  const uid = ctx.lookup(req, 'annotation-box');
  if (typeof uid !== 'string') return uid;
  const fb = ctx.session!.filmBoxes.find((f) => f.annotationBoxes.some((a) => a.uid === uid))!;
  const closed = ctx.openFilmBox(fb);
  if (closed) return closed;
  const box = fb.annotationBoxes.find((a) => a.uid === uid)!;
  const ds = req.dataset ?? {};
  const v = validate(ds, ANNOTATION_BOX_RULES, ctx.caps, 'set', 'Basic Annotation Box');
  if (v.failure) return fromVerdict(v.failure);
  const position = num(ds, Tag.AnnotationPosition);
  if (position !== box.position) {
    return fail(
      'InvalidAttributeValue',
      `Annotation Position ${position}, this box is position ${box.position}`,
      {
        offendingElement: [tagNumber(Tag.AnnotationPosition)],
      },
    );
  }
  box.text = (str(ds, Tag.TextString) ?? '').slice(0, ctx.caps.maxAnnotationLength);
  return warningReply(warningsOf(v));
}
