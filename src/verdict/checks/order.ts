/**
 * Checks of the order of requests against the print hierarchy as it stood before each one
 * (conversation.ts): what must exist first, which instances may be named, what printing needs.
 */

import { Tag } from '../../dicom/tags.js';
import { sopClassName, Uid } from '../../dicom/uids.js';
import type { Conversation, Exchange } from '../conversation.js';
import type { Hit } from '../model.js';

const REQUESTED_INSTANCE = Tag.RequestedSOPInstanceUID;
const IMAGE_BOXES: readonly string[] = [Uid.BasicGrayscaleImageBox, Uid.BasicColorImageBox];
const BOXES: readonly string[] = [...IMAGE_BOXES, Uid.BasicAnnotationBox];

const is = (ex: Exchange, operation: string, classes: readonly string[]) =>
  ex.operation === operation && classes.includes(ex.rq.sopClass ?? '');

/** One hit per exchange that matches. */
const each =
  (match: (ex: Exchange, c: Conversation) => Omit<Hit, 'at'> | undefined) =>
  (c: Conversation): Hit[] =>
    c.exchanges.flatMap((ex) => {
      const h = match(ex, c);
      return h ? [{ at: ex.index, ...h }] : [];
    });

/** Does the printer refuse work on film boxes other than the last, and on printed ones? */
const strict = (c: Conversation) => !c.caps.quirks.lenientFilmBoxOrder;

export const secondFilmSession = each((ex) =>
  is(ex, 'N-CREATE', [Uid.BasicFilmSession]) && ex.before.session
    ? { detail: `Film Session N-CREATE while film session ${ex.before.session} exists` }
    : undefined,
);

export const filmBoxWithoutSession = each((ex) =>
  is(ex, 'N-CREATE', [Uid.BasicFilmBox]) && !ex.before.session
    ? {
        tag: Tag.ReferencedFilmSessionSequence,
        detail: 'Film Box N-CREATE before any Film Session was created',
      }
    : undefined,
);

export const boxWithoutFilmBox = each((ex) =>
  is(ex, 'N-SET', BOXES) && ex.before.filmBoxes === 0
    ? {
        tag: REQUESTED_INSTANCE,
        detail: `${sopClassName(ex.rq.sopClass)} N-SET of ${ex.rq.sopInstance ?? '(no instance)'} while no Film Box exists`,
      }
    : undefined,
);

export const unknownInstance = each((ex) => {
  const t = ex.before.target;
  if (!t || t.found || t.otherKind) return undefined; // another class's instance: 0x0119, not ours
  // An image or annotation box before any film box is boxWithoutFilmBox's finding.
  if (BOXES.includes(ex.rq.sopClass ?? '') && (ex.before.filmBoxes === 0 || !ex.before.complete))
    return undefined;
  return {
    tag: REQUESTED_INSTANCE,
    detail: `${ex.operation} of ${sopClassName(ex.rq.sopClass)} ${ex.rq.sopInstance}: no such instance on this association`,
  };
});

export const notLastFilmBox = each((ex, c) => {
  const fb = ex.before.target?.found ? ex.before.target.filmBox : undefined;
  if (!fb || fb.isLast || !strict(c)) return undefined;
  return {
    tag: REQUESTED_INSTANCE,
    detail: `${ex.operation} of ${sopClassName(ex.rq.sopClass)} in film box ${fb.uid}, which is not the last created`,
  };
});

export const setAfterPrint = each((ex, c) => {
  const fb = ex.before.target?.found ? ex.before.target.filmBox : undefined;
  if (!is(ex, 'N-SET', IMAGE_BOXES) || !fb?.printed || !strict(c)) return undefined;
  return {
    tag: REQUESTED_INSTANCE,
    detail: `image box N-SET after film box ${fb.uid} was printed (N-ACTION); this printer refuses it`,
  };
});

export const printEmptyPage = each((ex) => {
  const t = ex.before.target;
  if (is(ex, 'N-ACTION', [Uid.BasicFilmBox]) && t?.found && t.filmBox && !t.filmBox.hasImage)
    return { detail: `Film Box N-ACTION of ${t.filmBox.uid}: no image box holds an image` };
  if (
    is(ex, 'N-ACTION', [Uid.BasicFilmSession]) &&
    t?.found &&
    ex.before.filmBoxes > 0 &&
    !ex.before.anyImage
  )
    return { detail: 'Film Session N-ACTION: no image box of the session holds an image' };
  return undefined;
});

export const sessionPrintWithoutFilmBox = each((ex) =>
  is(ex, 'N-ACTION', [Uid.BasicFilmSession]) && ex.before.session && ex.before.filmBoxes === 0
    ? { detail: 'Film Session N-ACTION with no film box in the session' }
    : undefined,
);

export const lutNotCreated = each((ex) =>
  ex.before.unknownLut !== undefined && ['N-CREATE', 'N-SET'].includes(ex.operation)
    ? {
        tag: Tag.ReferencedPresentationLUTSequence,
        detail: `${sopClassName(ex.rq.sopClass)} ${ex.operation} references Presentation LUT ${ex.before.unknownLut}, which does not exist`,
      }
    : undefined,
);
