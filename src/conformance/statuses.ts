/**
 * Which DIMSE status each operation can answer, and when: the one table of it. The attribute
 * checks' cases are built from the attribute tables themselves (validate() in print/attributes.ts
 * walks the same ones); the rest is what the dispatcher and the print service decide, written
 * here once, next to nothing else. A test keeps this table and the code in step: every status
 * name the code answers with has a case here, and every case names a status of the status table
 * and an operation a printer really routes.
 */
import { keywordOf } from '../dicom/dimse/dataset.js';
import type { StatusName } from '../dicom/dimse/status.js';
import { Uid } from '../dicom/uids.js';
import type { AttributeRule } from '../print/attributes.js';
import type { Capabilities } from '../profiles/capabilities.js';
import { PRINT_BUFF_FULL } from '../profiles/printer-status.js';
import { type AttributeTable, isMandatory } from '../verdict/spec.js';
import { bytesText, type NetworkSettings } from './settings.js';

export type Operation = 'C-ECHO' | 'N-CREATE' | 'N-SET' | 'N-GET' | 'N-ACTION' | 'N-DELETE';

export interface StatusCase {
  status: StatusName;
  /** The SOP classes and operations that can answer it; absent: any request (the dispatcher's checks). */
  on?: { sopClasses: readonly string[]; operations: readonly Operation[] };
  /** When, in words, on this printer. */
  when: (c: Capabilities, s: NetworkSettings) => string;
  /** Can this printer's profile produce it at all? Absent: always. */
  applies?: (c: Capabilities) => boolean;
}

const FS = Uid.BasicFilmSession;
const FB = Uid.BasicFilmBox;
const GIB = Uid.BasicGrayscaleImageBox;
const CIB = Uid.BasicColorImageBox;
const AB = Uid.BasicAnnotationBox;
const PL = Uid.PresentationLut;

const on = (sopClasses: readonly string[], ...operations: Operation[]) => ({ sopClasses, operations });
const say = (text: string) => () => text;

// ---------------------------------------------------------------- what the profile makes possible

/** Requested Decimate/Crop Behavior is obeyed, or the printer's default is this behaviour. */
const mayDo = (c: Capabilities, b: 'DECIMATE' | 'CROP' | 'FAIL') =>
  c.decimateCrop.default === b || c.decimateCrop.honoursRequest;
const oversizeFailure = (c: Capabilities): StatusName =>
  c.quirks.oversizeStatus === 'C613' ? 'CombinedImageLargerThanBox' : 'ImageLargerThanBox';
const strictOrder = (c: Capabilities) => !c.quirks.lenientFilmBoxOrder;
const collates = (c: Capabilities) => c.maxCollatedFilms > 0;

function queueFull(c: Capabilities): string {
  const refuse =
    c.whenFailed === 'refuse'
      ? `; or the printer status is FAILURE (Error Comment "printer FAILURE (<status info>): no print job created", e.g. ${PRINT_BUFF_FULL} when the disk is full)`
      : '';
  return `the print queue already holds ${c.printJob.queueLimit} jobs queued or printing${refuse}; no print job is created`;
}

const TOO_LARGE =
  'the image is larger than its box (at the film pixel matrix, or at its Requested Image Size)';

// ---------------------------------------------------------------- the cases

/** The dispatcher's checks, common to every request, and Success. */
export const GENERAL_CASES: readonly StatusCase[] = [
  { status: 'Success', when: say('the operation was performed as requested') },
  { status: 'MistypedArgument', when: say('the request has no Message ID') },
  {
    status: 'DuplicateInvocation',
    when: say('the Message ID is that of a request of this association still being answered'),
  },
  {
    status: 'NoSuchSopClass',
    when: say(
      'an N- request names no SOP class, or one that may not be used on the presentation context it came on (see the presentation context table)',
    ),
  },
  {
    status: 'SopClassNotSupported',
    when: say('a C-ECHO names no SOP class, or one other than Verification'),
  },
  {
    status: 'UnrecognizedOperation',
    when: say('the SOP class has no such operation here (the operations of each SOP class are listed below)'),
  },
  {
    status: 'ResourceLimitation',
    when: (_c, s) =>
      `the request's data set is larger than ${bytesText(s.maxDatasetBytes)} (--max-dataset); it is not read. Or the data sets being received from all associations fill the in-flight budget (--max-inflight; image pixels stream to disk: only their bytes waiting for it count): it is dropped as it arrives (an image box N-SET gets 0xC605 instead)`,
  },
  {
    status: 'ProcessingFailure',
    when: say(
      'the data set cannot be parsed in the negotiated transfer syntax (the reason in Error Comment), or the answer could not be built (an internal error, in Error Comment)',
    ),
  },
];

/** What the print service decides, operation by operation (print/print-context.ts, print-service.ts). */
export const PRINT_CASES: readonly StatusCase[] = [
  // Instances
  {
    status: 'InvalidSopInstance',
    on: on([FS, FB, PL], 'N-CREATE'),
    when: say(
      'the Affected SOP Instance UID the SCU chose is not a valid UID (PS3.5 9.1, at most 64 characters)',
    ),
  },
  {
    status: 'DuplicateSopInstance',
    on: on([FS, FB, PL], 'N-CREATE'),
    when: say(
      'the Affected SOP Instance UID the SCU chose is already in use (on this association, or by a print job)',
    ),
  },
  {
    status: 'NoSuchSopInstance',
    on: on([FS, FB], 'N-SET', 'N-DELETE', 'N-ACTION'),
    when: say('no such instance on this association (never created, deleted, or gone with its film session)'),
  },
  {
    status: 'NoSuchSopInstance',
    on: on([GIB, CIB, AB], 'N-SET'),
    when: say('no such box on this association: boxes are those the Film Box N-CREATE response listed'),
  },
  {
    status: 'NoSuchSopInstance',
    on: on([PL], 'N-DELETE'),
    when: say('no such Presentation LUT on this association'),
  },
  ...[on([FS, FB], 'N-SET', 'N-DELETE', 'N-ACTION'), on([GIB, CIB, AB], 'N-SET'), on([PL], 'N-DELETE')].map(
    (where): StatusCase => ({
      status: 'ClassInstanceConflict',
      on: where,
      when: say('the instance exists on this association but is not of the SOP class the request names'),
    }),
  ),
  {
    status: 'NoSuchSopInstance',
    on: on([Uid.Printer], 'N-GET'),
    when: say(`the instance is not the well-known Printer SOP Instance ${Uid.PrinterInstance}`),
  },
  {
    status: 'NoSuchSopInstance',
    on: on([Uid.PrinterConfigurationRetrieval], 'N-GET'),
    when: say(
      `the instance is not the well-known Printer Configuration Retrieval SOP Instance ${Uid.PrinterConfigurationRetrievalInstance}`,
    ),
  },
  {
    status: 'NoSuchSopInstance',
    on: on([Uid.PrintJob], 'N-GET'),
    when: say(
      'no such print job: a job is known from the N-ACTION that created it until its last N-EVENT-REPORT (DONE or FAILURE) was answered',
    ),
  },
  {
    status: 'AttributeListError',
    on: on([Uid.Printer, Uid.PrinterConfigurationRetrieval, Uid.PrintJob], 'N-GET'),
    when: say('some attributes of the Attribute Identifier List are not available: the others are returned'),
  },

  // Film Session
  {
    status: 'ProcessingFailure',
    on: on([FS], 'N-CREATE'),
    when: say('a film session already exists on this association'),
  },
  {
    status: 'MemoryAllocationNotSupported',
    on: on([FS], 'N-CREATE', 'N-SET'),
    when: say('Memory Allocation (2000,0060) was sent: it is ignored'),
  },
  {
    status: 'InvalidAttributeValue',
    on: on([FS], 'N-CREATE', 'N-SET'),
    when: say('Referenced Presentation LUT Sequence names no Presentation LUT created on this association'),
    applies: (c) => c.sopClasses.presentationLut && c.presentationLutLevel === 'film-session',
  },
  {
    status: 'NoSuchActionType',
    on: on([FS, FB], 'N-ACTION'),
    when: say('the Action Type ID is not 1 (print)'),
  },
  { status: 'NoFilmBox', on: on([FS], 'N-ACTION'), when: say('the film session has no film box') },
  { status: 'FilmSessionPrintQueueFull', on: on([FS], 'N-ACTION'), when: queueFull },
  { status: 'FilmBoxPrintQueueFull', on: on([FB], 'N-ACTION'), when: queueFull },
  {
    status: 'ProcessingFailure',
    on: on([FS, FB], 'N-ACTION'),
    when: say(
      'the printer status is FAILURE (Error Comment "printer FAILURE (<status info>)"); no print job is created',
    ),
    applies: (c) => c.whenFailed === 'processing-failure',
  },
  {
    status: 'FilmSessionEmptyPage',
    on: on([FS], 'N-ACTION'),
    when: say('no image box of the session holds an image; the films are printed'),
  },
  {
    status: 'FilmSessionPrintingNotSupported',
    on: on([FS], 'N-ACTION'),
    when: (c) =>
      collates(c)
        ? `the session holds more than ${c.maxCollatedFilms} film boxes: the films are printed, not collated`
        : 'always: this printer does not collate; the films are printed one by one',
  },
  {
    status: 'ResourceLimitation',
    on: on([FS, FB], 'N-ACTION'),
    when: say(
      'the films could not be stored (disk full, I/O error; the reason in Error Comment): nothing is printed, no print job exists, the SCU may retry',
    ),
  },

  // Film Box
  {
    status: 'ProcessingFailure',
    on: on([FB], 'N-CREATE'),
    when: say('there is no film session on this association'),
  },
  {
    status: 'InvalidAttributeValue',
    on: on([FB], 'N-CREATE'),
    when: say("Referenced Film Session Sequence does not name this association's film session"),
  },
  {
    status: 'UnprintedFilmBoxExists',
    on: on([FB], 'N-CREATE'),
    when: say('the previous film box is not printed yet (this printer has no film session printing)'),
    applies: (c) => !collates(c),
  },
  {
    status: 'InvalidAttributeValue',
    on: on([FB], 'N-CREATE', 'N-SET'),
    when: say('Referenced Presentation LUT Sequence names no Presentation LUT created on this association'),
    applies: (c) => c.sopClasses.presentationLut && c.presentationLutLevel === 'film-box',
  },
  {
    status: 'MinMaxDensityOutOfRange',
    on: on([FB], 'N-CREATE', 'N-SET'),
    when: (c) =>
      `Min Density or Max Density outside ${c.density.min} to ${c.density.max} (any value 0 to 65535 is valid): clamped to the printer's range, the films print with the clamped values`,
  },
  ...[on([FB], 'N-CREATE', 'N-SET'), on([GIB], 'N-SET')].map(
    (where): StatusCase => ({
      status: 'InvalidAttributeValue',
      on: where,
      when: say('Min Density is not below Max Density (once clamped)'),
    }),
  ),
  {
    status: 'ProcessingFailure',
    on: on([FB], 'N-SET', 'N-DELETE', 'N-ACTION'),
    when: say('the film box is not the most recently created one (PS3.4 H.4.2)'),
    applies: strictOrder,
  },
  {
    status: 'FilmBoxEmptyPage',
    on: on([FB], 'N-ACTION'),
    when: say('no image box of the film box holds an image; the film is printed'),
  },

  // Image Boxes
  {
    status: 'ProcessingFailure',
    on: on([GIB, CIB, AB], 'N-SET'),
    when: say('its film box is not the most recently created one (PS3.4 H.4.2)'),
    applies: strictOrder,
  },
  {
    status: 'ProcessingFailure',
    on: on([GIB, CIB], 'N-SET'),
    when: say('its film box was already printed'),
    applies: strictOrder,
  },
  {
    status: 'InsufficientMemory',
    on: on([GIB, CIB], 'N-SET'),
    when: (c) =>
      `the image does not fit in the printer's image memory of ${bytesText(c.memoryBytes)} (the images of unprinted film boxes hold it); or the data volume is below --min-free-space (printer status FAILURE, ${PRINT_BUFF_FULL}; the free bytes in Error Comment); or the attributes around the image do not fit in the in-flight budget (--max-inflight) now`,
  },
  {
    status: 'ResourceLimitation',
    on: on([GIB, CIB], 'N-SET'),
    when: say(
      'this image, or another image of this film box, could not be stored (a disk error while it was written, in Error Comment)',
    ),
  },
  {
    status: 'InvalidAttributeValue',
    on: on([GIB, CIB], 'N-SET'),
    when: say(
      "Image Box Position is not this box's position; the image sequence holds more than one item; or a value of the image pixel module is not accepted (see below)",
    ),
  },
  {
    status: 'InvalidAttributeValue',
    on: on([GIB], 'N-SET'),
    when: say('Referenced Presentation LUT Sequence names no Presentation LUT created on this association'),
    applies: (c) => c.sopClasses.presentationLut,
  },
  {
    status: 'MissingAttribute',
    on: on([GIB, CIB], 'N-SET'),
    when: say('an attribute of the image pixel module (see below) is missing from the image sequence item'),
  },
  {
    status: 'ImageDecimated',
    on: on([GIB, CIB], 'N-SET'),
    when: (c) =>
      `${TOO_LARGE}, and ${c.decimateCrop.honoursRequest ? 'Requested Decimate/Crop Behavior (or, absent, the printer default) is' : 'the printer always uses'} DECIMATE: the image is decimated to fit`,
    applies: (c) => mayDo(c, 'DECIMATE'),
  },
  {
    status: 'ImageCropped',
    on: on([GIB, CIB], 'N-SET'),
    when: (c) =>
      `${TOO_LARGE}, and ${c.decimateCrop.honoursRequest ? 'Requested Decimate/Crop Behavior (or, absent, the printer default) is' : 'the printer always uses'} CROP: the image is cropped to its box`,
    applies: (c) => mayDo(c, 'CROP'),
  },
  {
    status: 'ImageDemagnified',
    on: on([GIB, CIB], 'N-SET'),
    when: say(`${TOO_LARGE}: the image is demagnified to fit, whatever is requested`),
    applies: (c) => c.decimateCrop.default === 'DEMAGNIFY',
  },
  {
    status: 'ImageLargerThanBox',
    on: on([GIB, CIB], 'N-SET'),
    when: (c) =>
      [
        mayDo(c, 'DECIMATE') && c.magnificationTypes.includes('NONE')
          ? `${TOO_LARGE}, the behaviour is DECIMATE and Magnification Type is NONE`
          : '',
        mayDo(c, 'FAIL') && oversizeFailure(c) === 'ImageLargerThanBox'
          ? `${TOO_LARGE} and the behaviour is FAIL`
          : '',
      ]
        .filter(Boolean)
        .join('; or '),
    applies: (c) =>
      (mayDo(c, 'DECIMATE') && c.magnificationTypes.includes('NONE')) ||
      (mayDo(c, 'FAIL') && oversizeFailure(c) === 'ImageLargerThanBox'),
  },
  {
    status: 'CombinedImageLargerThanBox',
    on: on([GIB, CIB], 'N-SET'),
    when: say(`${TOO_LARGE} and the behaviour is FAIL`),
    applies: (c) => mayDo(c, 'FAIL') && oversizeFailure(c) === 'CombinedImageLargerThanBox',
  },
  {
    status: 'MinMaxDensityOutOfRange',
    on: on([GIB], 'N-SET'),
    when: (c) =>
      `the box's own Min Density or Max Density is outside ${c.density.min} to ${c.density.max}: clamped, the image prints with the clamped values`,
  },

  // Annotation Box
  {
    status: 'InvalidAttributeValue',
    on: on([AB], 'N-SET'),
    when: say("Annotation Position is not this box's position"),
  },

  // Presentation LUT
  {
    status: 'MissingAttribute',
    on: on([PL], 'N-CREATE'),
    when: say('neither Presentation LUT Shape nor Presentation LUT Sequence was sent'),
  },
  {
    status: 'InvalidAttributeValue',
    on: on([PL], 'N-CREATE'),
    when: say(
      'Presentation LUT Shape and Presentation LUT Sequence were both sent; the sequence does not hold exactly one item; its LUT Descriptor is not 256 or 4096 \\ 0 \\ 10-16; or its LUT Data does not have as many entries as the descriptor says',
    ),
  },
  {
    status: 'ProcessingFailure',
    on: on([PL], 'N-DELETE'),
    when: say('the Presentation LUT is still referenced by the film session, a film box or an image box'),
  },
];

// ---------------------------------------------------------------- the attribute checks

const keyword = (r: AttributeRule): string => keywordOf(r.tag) ?? r.tag;
const names = (xs: readonly AttributeRule[]) => xs.map(keyword).join(', ');
/** Sequences are SQ: validate() tells them by the VR received; their keywords all say so. */
const isSequence = (r: AttributeRule) => keyword(r).endsWith('Sequence');

/**
 * What validate() answers for one attribute table, in its order (PS3.7): unknown attributes,
 * unsupported ones, ones N-SET may not change, missing mandatory ones, mandatory ones without a
 * value, values not accepted.
 */
export function validationCases(t: AttributeTable): StatusCase[] {
  const op = t.operation;
  const where = on([t.sopClass], op);
  const mandatory = t.rules.filter((r) => isMandatory(r, op));
  const checked = t.rules.filter((r) => r.check);
  const cases: StatusCase[] = [
    {
      status: 'NoSuchAttribute',
      on: where,
      when: (c) => {
        const unsupported = t.rules.filter((r) => r.supported && !r.supported(c));
        const fixed = op === 'N-SET' ? t.rules.filter((r) => r.settable === false) : [];
        return [
          c.quirks.unknownAttributes === 'reject'
            ? 'an attribute this SOP class does not define (not listed above)'
            : '',
          unsupported.length > 0 ? `an attribute this printer does not support: ${names(unsupported)}` : '',
          fixed.length > 0 ? `an attribute fixed at N-CREATE: ${names(fixed)}` : '',
        ]
          .filter(Boolean)
          .join('; or ');
      },
      applies: (c) =>
        c.quirks.unknownAttributes === 'reject' ||
        t.rules.some((r) => (r.supported && !r.supported(c)) || (op === 'N-SET' && r.settable === false)),
    },
    {
      status: 'RequestedOptionalAttributesNotSupported',
      on: where,
      when: say('an attribute this SOP class does not define (not listed above) was sent: it is ignored'),
      applies: (c) => c.quirks.unknownAttributes === 'ignore',
    },
  ];
  if (mandatory.length > 0) {
    cases.push({
      status: 'MissingAttribute',
      on: where,
      when: say(`a mandatory attribute is missing: ${names(mandatory)}`),
    });
    const valued = mandatory.filter((r) => !isSequence(r));
    if (valued.length > 0)
      cases.push({
        status: 'MissingAttributeValue',
        on: where,
        when: say(`a mandatory attribute has no value: ${names(valued)}`),
      });
  }
  if (checked.length > 0) {
    const inUse = (c: Capabilities) => checked.filter((r) => !r.supported || r.supported(c));
    // validate(): with unsupportedValues "default", an optional attribute other than a sequence
    // gets its default and 0x0116; mandatory ones and sequences still fail with 0x0106.
    const defaulted = (c: Capabilities, r: AttributeRule) =>
      c.quirks.unsupportedValues === 'default' && r.usage === 'U' && !isSequence(r);
    const refused = (c: Capabilities) => inUse(c).filter((r) => !defaulted(c, r));
    const replaced = (c: Capabilities) => inUse(c).filter((r) => defaulted(c, r));
    cases.push(
      {
        status: 'InvalidAttributeValue',
        on: where,
        when: (c) => `a value other than those accepted above: ${names(refused(c))}`,
        applies: (c) => refused(c).length > 0,
      },
      {
        status: 'AttributeValueOutOfRange',
        on: where,
        when: (c) =>
          `a value other than those accepted above, of ${names(replaced(c))}: the default is used instead`,
        applies: (c) => replaced(c).length > 0,
      },
    );
  }
  return cases;
}
