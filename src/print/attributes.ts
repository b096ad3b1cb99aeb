/**
 * What each print SOP class accepts in N-CREATE and N-SET (PS3.4 H.4, PS3.3 C.13), as tables: tag,
 * VR, usage (SCU side), the value check, and whether N-SET may change it. validate() walks a data
 * set against one table: closed world, every attribute known or refused.
 */
import { type DcmDataset, keywordOf } from '../dicom/dimse/dataset.js';
import type { StatusName } from '../dicom/dimse/status.js';
import { Tag } from '../dicom/tags.js';
import { acceptedLayout, type Capabilities } from '../profiles/capabilities.js';
import { DisplayFormatError } from '../profiles/display-format.js';
import { hasValue, items, num, str, tagLabel, tagNumber } from './values.js';

/** SCU usage: M must be sent, U may be sent. */
export type Usage = 'M' | 'U';

/**
 * What a value check accepts, as data: the check reads it, and the conformance statement
 * (src/conformance/) prints it, so the two cannot say different things.
 */
export type Accepted =
  /** One of these terms (CS). */
  | { kind: 'terms'; values: readonly string[] }
  /**
   * An integer in min..max; with clampedTo, values outside that range are valid but the printer
   * uses the nearest end of it and warns (Min/Max Density: 0xB605).
   */
  | { kind: 'integers'; min: number; max: number; clampedTo?: { min: number; max: number } }
  /** One of these terms, or a density in hundredths of OD in min..max. */
  | { kind: 'density'; terms: readonly string[]; min: number; max: number }
  /** An Image Display Format the printer lists (wildcards included), of at most maxBoxes boxes. */
  | {
      kind: 'display-formats';
      formats: readonly string[];
      maxBoxes: number;
      custom: Readonly<Record<string, string>>;
      slide: string;
      superslide: string;
    }
  /** A sequence of exactly one item referencing an instance of this SOP class. */
  | { kind: 'reference'; sopClassUid: string }
  /** A decimal number of millimetres above `above` (larger than the box: see the fit rules). */
  | { kind: 'size-mm'; above: number };

/** A value check: undefined when fine, else why it is invalid (-> 0x0106). */
type Check = ((ds: DcmDataset, tag: string, c: Capabilities) => string | undefined) & {
  /** What it accepts on this printer, as data (absent: the check says it only in words). */
  accepted?: (c: Capabilities) => Accepted;
};

/** A check and what it accepts, as one. */
function described(check: Check, accepted: (c: Capabilities) => Accepted): Check {
  return Object.assign(check, { accepted });
}

/** What a rule's value check accepts on this printer; undefined: any value (or a sequence of its own). */
export function acceptedValues(rule: AttributeRule, c: Capabilities): Accepted | undefined {
  return rule.check?.accepted?.(c);
}

export interface AttributeRule {
  /** One of src/dicom/tags.ts; its keyword names it in every message. */
  tag: string;
  usage: Usage;
  check?: Check;
  /** For N-SET tables: false marks attributes that exist but may not be changed after N-CREATE. */
  settable?: boolean;
  /** The printer must support it (profile flag), else 0x0105. */
  supported?: (c: Capabilities) => boolean;
}

// ---------------------------------------------------------------- value checks

const oneOf = (values: readonly string[] | ((c: Capabilities) => readonly string[])): Check => {
  const accepted = (c: Capabilities) =>
    ({ kind: 'terms', values: typeof values === 'function' ? values(c) : values }) as const;
  return described((ds, tag, c) => {
    const v = str(ds, tag) ?? '';
    const allowed = accepted(c).values;
    return allowed.includes(v) ? undefined : `"${v}" is not one of ${allowed.join(', ')}`;
  }, accepted);
};

const intRange = (
  lo: number | ((c: Capabilities) => number),
  hi: number | ((c: Capabilities) => number),
  clampedTo?: (c: Capabilities) => { min: number; max: number },
): Check => {
  const accepted = (c: Capabilities): Accepted & { kind: 'integers' } => ({
    kind: 'integers',
    min: typeof lo === 'function' ? lo(c) : lo,
    max: typeof hi === 'function' ? hi(c) : hi,
    ...(clampedTo ? { clampedTo: clampedTo(c) } : {}),
  });
  return described((ds, tag, c) => {
    const v = num(ds, tag);
    const { min: a, max: b } = accepted(c);
    return v !== undefined && Number.isInteger(v) && v >= a && v <= b
      ? undefined
      : `${v} is not an integer in ${a}..${b}`;
  }, accepted);
};

const densityTerm = (listed: (c: Capabilities) => readonly string[]): Check => {
  const accepted = (c: Capabilities) =>
    ({ kind: 'density', terms: listed(c), min: c.density.min, max: c.density.max }) as const;
  return described((ds, tag, c) => {
    const v = str(ds, tag) ?? '';
    const { terms, min, max } = accepted(c);
    if (terms.includes(v)) return undefined;
    // Any hundredths-of-OD value inside the printer's range is a valid density term; one outside
    // it is a value this printer does not support (U/U: 0x0106, or 0x0116 and the default).
    if (!/^[0-9]{1,16}$/.test(v)) return `"${v}" is not BLACK, WHITE or hundredths of OD`;
    if (Number(v) >= min && Number(v) <= max) return undefined;
    return `${v} hundredths of OD is outside this printer's ${min}..${max}`;
  }, accepted);
};

const destination: Check = described(
  (ds, tag, c) => {
    const v = str(ds, tag) ?? '';
    if (c.filmDestinations.includes(v)) return undefined;
    return `"${v}" is not one of ${c.filmDestinations.join(', ')}`;
  },
  (c) => ({ kind: 'terms', values: c.filmDestinations }),
);

const displayFormat: Check = described(
  (ds, tag, c) => {
    try {
      acceptedLayout(c, str(ds, tag) ?? '');
      return undefined;
    } catch (e) {
      if (e instanceof DisplayFormatError) return e.message;
      throw e;
    }
  },
  // What acceptedLayout() reads of the profile.
  (c) => ({
    kind: 'display-formats',
    formats: c.displayFormats,
    maxBoxes: c.maxBoxesPerFilm,
    custom: c.customFormats,
    slide: c.slideLayout,
    superslide: c.superslideLayout,
  }),
);

/** A sequence of exactly one item holding Referenced SOP Class/Instance UID of the given class. */
const referenceCheck =
  (sopClassUid: string): Check =>
  (ds, tag) => {
    const list = items(ds, tag);
    if (list.length !== 1) return `must hold exactly one item (has ${list.length})`;
    const cls = str(list[0], Tag.ReferencedSOPClassUID);
    if (cls !== sopClassUid) return `Referenced SOP Class UID ${cls} is not ${sopClassUid}`;
    if (!str(list[0], Tag.ReferencedSOPInstanceUID)) return 'Referenced SOP Instance UID is missing';
    return undefined;
  };

const reference = (sopClassUid: string): Check =>
  described(referenceCheck(sopClassUid), () => ({ kind: 'reference', sopClassUid }));

/**
 * Min/Max Density are US: every value is valid (0x0106 would be wrong); one outside the printer's
 * range is clamped to it with 0xB605 (PS3.4 H.4.2, H.4.3; clampDensities() in film-box.ts).
 */
const density = intRange(0, 65535, (c) => ({ min: c.density.min, max: c.density.max }));

const SIZE_MM = { kind: 'size-mm', above: 0 } as const;

/**
 * Requested Image Size: any positive width in mm. One larger than the box is not invalid: the
 * image is then too big for its box and decimated, cropped or refused as the fit rules say.
 */
const positiveDecimal: Check = described(
  (ds, tag) => {
    const v = num(ds, tag);
    return v !== undefined && Number.isFinite(v) && v > SIZE_MM.above
      ? undefined
      : `${str(ds, tag)} is not a size in mm`;
  },
  () => SIZE_MM,
);

const YES_NO = ['YES', 'NO'];
const PLUT = '1.2.840.10008.5.1.1.23';
const FILM_SESSION = '1.2.840.10008.5.1.1.1';

// ---------------------------------------------------------------- tables

const CHARSET: AttributeRule = { tag: Tag.SpecificCharacterSet, usage: 'U' };

export const FILM_SESSION_RULES: readonly AttributeRule[] = [
  CHARSET,
  { tag: Tag.NumberOfCopies, usage: 'U', check: intRange(1, (c) => c.maxCopies) },
  { tag: Tag.PrintPriority, usage: 'U', check: oneOf(['HIGH', 'MED', 'LOW']) },
  { tag: Tag.MediumType, usage: 'U', check: oneOf((c) => c.mediumTypes) },
  { tag: Tag.FilmDestination, usage: 'U', check: destination },
  { tag: Tag.FilmSessionLabel, usage: 'U' },
  { tag: Tag.MemoryAllocation, usage: 'U' },
  { tag: Tag.OwnerID, usage: 'U' },
  // Non-standard, DCMTK-compatible: P-LUT and viewing conditions at session level (docs/spec/open-questions.md#session-lut).
  {
    tag: Tag.ReferencedPresentationLUTSequence,
    usage: 'U',
    check: reference(PLUT),
    supported: (c) => c.presentationLutLevel === 'film-session' && c.sopClasses.presentationLut,
  },
  {
    tag: Tag.Illumination,
    usage: 'U',
    supported: (c) => c.presentationLutLevel === 'film-session',
  },
  {
    tag: Tag.ReflectedAmbientLight,
    usage: 'U',
    supported: (c) => c.presentationLutLevel === 'film-session',
  },
];

export const FILM_BOX_RULES: readonly AttributeRule[] = [
  CHARSET,
  {
    tag: Tag.ImageDisplayFormat,
    usage: 'M',
    check: displayFormat,
    settable: false,
  },
  {
    tag: Tag.ReferencedFilmSessionSequence,
    usage: 'M',
    check: reference(FILM_SESSION),
    settable: false,
  },
  {
    tag: Tag.FilmOrientation,
    usage: 'U',
    check: oneOf((c) => c.orientations),
    settable: false,
  },
  {
    tag: Tag.FilmSizeID,
    usage: 'U',
    check: oneOf((c) => c.filmSizes.map((f) => f.id)),
    settable: false,
  },
  {
    tag: Tag.MagnificationType,
    usage: 'U',
    check: oneOf((c) => c.magnificationTypes),
  },
  { tag: Tag.MaxDensity, usage: 'U', check: density },
  { tag: Tag.ConfigurationInformation, usage: 'U' },
  {
    tag: Tag.ReferencedPresentationLUTSequence,
    usage: 'U',
    check: reference(PLUT),
    supported: (c) => c.sopClasses.presentationLut && c.presentationLutLevel === 'film-box',
  },
  {
    tag: Tag.AnnotationDisplayFormatID,
    usage: 'U',
    check: oneOf((c) => Object.keys(c.annotationFormats)),
    settable: false,
  },
  { tag: Tag.SmoothingType, usage: 'U', check: oneOf((c) => c.smoothingTypes) },
  {
    tag: Tag.BorderDensity,
    usage: 'U',
    check: densityTerm((c) => c.borderDensities),
  },
  {
    tag: Tag.EmptyImageDensity,
    usage: 'U',
    check: densityTerm((c) => c.emptyImageDensities),
  },
  {
    tag: Tag.MinDensity,
    usage: 'U',
    check: density,
    supported: (c) => c.supportsMinDensity,
  },
  { tag: Tag.Trim, usage: 'U', check: oneOf(YES_NO), supported: (c) => c.supportsTrim },
  { tag: Tag.Illumination, usage: 'U', check: intRange(0, 65535) },
  { tag: Tag.ReflectedAmbientLight, usage: 'U', check: intRange(0, 65535) },
  {
    tag: Tag.RequestedResolutionID,
    usage: 'U',
    check: oneOf((c) => Object.keys(c.resolutions)),
    settable: false,
  },
  { tag: Tag.ICCProfile, usage: 'U', supported: (c) => c.sopClasses.color },
  // Returned by the SCP; an SCU echoing it back is tolerated and ignored.
  { tag: Tag.ReferencedImageBoxSequence, usage: 'U', settable: false },
  {
    tag: Tag.ReferencedBasicAnnotationBoxSequence,
    usage: 'U',
    settable: false,
  },
];

const IMAGE_BOX_COMMON: readonly AttributeRule[] = [
  CHARSET,
  // A position past the film's last box can never match one (the box's own position is checked after).
  { tag: Tag.ImageBoxPosition, usage: 'M', check: intRange(1, (c) => c.maxBoxesPerFilm) },
  { tag: Tag.Polarity, usage: 'U', check: oneOf(['NORMAL', 'REVERSE']) },
  {
    tag: Tag.MagnificationType,
    usage: 'U',
    check: oneOf((c) => c.magnificationTypes),
  },
  { tag: Tag.SmoothingType, usage: 'U', check: oneOf((c) => c.smoothingTypes) },
  {
    tag: Tag.RequestedImageSize,
    usage: 'U',
    check: positiveDecimal,
    supported: (c) => c.supportsRequestedImageSize,
  },
  {
    tag: Tag.RequestedDecimateCropBehavior,
    usage: 'U',
    check: oneOf(['DECIMATE', 'CROP', 'FAIL']),
  },
];

export const GRAYSCALE_IMAGE_BOX_RULES: readonly AttributeRule[] = [
  ...IMAGE_BOX_COMMON,
  { tag: Tag.BasicGrayscaleImageSequence, usage: 'M' },
  {
    tag: Tag.MinDensity,
    usage: 'U',
    check: density,
    supported: (c) => c.supportsMinDensity,
  },
  { tag: Tag.MaxDensity, usage: 'U', check: density },
  { tag: Tag.ConfigurationInformation, usage: 'U' },
  {
    tag: Tag.ReferencedPresentationLUTSequence,
    usage: 'U',
    check: reference(PLUT),
    supported: (c) => c.sopClasses.presentationLut,
  },
];

export const COLOR_IMAGE_BOX_RULES: readonly AttributeRule[] = [
  ...IMAGE_BOX_COMMON,
  { tag: Tag.BasicColorImageSequence, usage: 'M' },
];

export const ANNOTATION_BOX_RULES: readonly AttributeRule[] = [
  CHARSET,
  { tag: Tag.AnnotationPosition, usage: 'M', check: intRange(1, 20) },
  { tag: Tag.TextString, usage: 'U' },
];

export const PRESENTATION_LUT_RULES: readonly AttributeRule[] = [
  CHARSET,
  { tag: Tag.PresentationLUTSequence, usage: 'U' },
  {
    tag: Tag.PresentationLUTShape,
    usage: 'U',
    check: oneOf(['IDENTITY', 'LIN OD']),
  },
];

// ---------------------------------------------------------------- validation

export interface Verdict {
  status: StatusName;
  errorComment: string;
  attributeIdentifierList?: number[];
  offendingElement?: number[];
}

export interface ValidationResult {
  /** A failure to answer with, when the request must be refused. */
  failure?: Verdict;
  /** Warnings collected (unknown attributes ignored). */
  warnings: Verdict[];
}

/**
 * Check a data set against a table. Order follows PS3.7: unknown attributes (0x0105, or ignored
 * with 0x0001 when the profile says so), attributes the printer does not support (0x0105),
 * attributes N-SET may not change (0x0105), missing mandatory ones (0x0120), present without a
 * value (0x0121), invalid values (0x0106).
 */
export function validate(
  ds: DcmDataset,
  rules: readonly AttributeRule[],
  c: Capabilities,
  op: 'create' | 'set',
  sopClassName: string,
): ValidationResult {
  const byTag = new Map(rules.map((r) => [r.tag, r]));
  const warnings: Verdict[] = [];
  const present = Object.keys(ds).filter((t) => !t.endsWith('0000')); // group lengths are tolerated
  const unknown = present.filter((t) => !byTag.has(t));
  if (unknown.length > 0) {
    const verdict = {
      attributeIdentifierList: unknown.map(tagNumber),
      errorComment: `${sopClassName} has no attribute ${unknown.map(tagLabel).join(' ')}`,
    };
    if (c.quirks.unknownAttributes === 'reject')
      return { failure: { status: 'NoSuchAttribute', ...verdict }, warnings };
    warnings.push({
      status: 'RequestedOptionalAttributesNotSupported',
      ...verdict,
      errorComment: `ignored ${unknown.map(tagLabel).join(' ')}`,
    });
  }
  for (const t of present) {
    const r = byTag.get(t);
    if (!r) continue;
    if (r.supported && !r.supported(c)) {
      return {
        failure: {
          status: 'NoSuchAttribute',
          attributeIdentifierList: [tagNumber(t)],
          errorComment: `${keywordOf(r.tag)} ${tagLabel(t)} is not supported by this printer`,
        },
        warnings,
      };
    }
    if (op === 'set' && r.settable === false) {
      return {
        failure: {
          status: 'NoSuchAttribute',
          attributeIdentifierList: [tagNumber(t)],
          errorComment: `${keywordOf(r.tag)} ${tagLabel(t)} cannot be changed by N-SET`,
        },
        warnings,
      };
    }
  }
  // What N-CREATE fixes for good (settable: false) cannot be required of an N-SET.
  const missing = rules.filter(
    (r) => r.usage === 'M' && !(r.tag in ds) && !(op === 'set' && r.settable === false),
  );
  if (missing.length > 0) {
    return {
      failure: {
        status: 'MissingAttribute',
        attributeIdentifierList: missing.map((r) => tagNumber(r.tag)),
        errorComment: `missing ${missing.map((r) => `${keywordOf(r.tag)} ${tagLabel(r.tag)}`).join(', ')}`,
      },
      warnings,
    };
  }
  for (const r of rules) {
    const t = r.tag;
    if (!(t in ds)) continue;
    const isSequence = ds[t]!.vr === 'SQ';
    if (r.usage === 'M' && !isSequence && !hasValue(ds, t)) {
      return {
        failure: {
          status: 'MissingAttributeValue',
          attributeIdentifierList: [tagNumber(t)],
          errorComment: `${keywordOf(r.tag)} ${tagLabel(t)} has no value`,
        },
        warnings,
      };
    }
    if (r.check && (hasValue(ds, t) || isSequence)) {
      const why = r.check(ds, t, c);
      if (why && r.usage === 'U' && !isSequence && c.quirks.unsupportedValues === 'default') {
        // PS3.4 H.2.4 U/M: the SCP may apply its default and warn (0x0116) instead of failing.
        delete ds[t];
        warnings.push({
          status: 'AttributeValueOutOfRange',
          offendingElement: [tagNumber(t)],
          errorComment: `${keywordOf(r.tag)} ${tagLabel(t)}: ${why}; the default is used`,
        });
        continue;
      }
      if (why) {
        return {
          failure: {
            status: 'InvalidAttributeValue',
            offendingElement: [tagNumber(t)],
            errorComment: `${keywordOf(r.tag)} ${tagLabel(t)}: ${why}`,
          },
          warnings,
        };
      }
    }
  }
  return { warnings };
}
