/**
 * DIMSE status codes: the one definition of each code Lightbox may send (PS3.7 Annex C general
 * codes, PS3.4 Annex H print codes). Category is derived from the PS3.7 C.1 ranges, never typed
 * twice. Every place that answers with a status names it here and says why in Error Comment.
 */

export type StatusCategory = 'success' | 'warning' | 'failure' | 'cancel' | 'pending';

/** Which part defines a code: the Print Management service class (PS3.4 H.4), or DIMSE at large (PS3.7 C). */
export type StatusScope = 'print' | 'general';

interface StatusDef {
  code: number;
  name: string;
  meaning: string;
}

function def(code: number, name: string, meaning: string): StatusDef {
  return { code, name, meaning };
}

export const Status = {
  Success: def(0x0000, 'Success', 'Operation performed as requested'),
  // General (PS3.7 C)
  RequestedOptionalAttributesNotSupported: def(
    0x0001,
    'Requested optional attributes are not supported',
    'Some optional attributes were not supported and were ignored',
  ),
  NoSuchAttribute: def(0x0105, 'No such attribute', 'The tag is not recognized or not supported'),
  InvalidAttributeValue: def(0x0106, 'Invalid attribute value', 'The value is out of range or not supported'),
  AttributeListError: def(
    0x0107,
    'Attribute list error',
    'Some attributes were not recognized and were ignored',
  ),
  ProcessingFailure: def(0x0110, 'Processing failure', 'A general failure in processing the operation'),
  DuplicateSopInstance: def(
    0x0111,
    'Duplicate SOP instance',
    'The supplied SOP Instance UID is already in use',
  ),
  NoSuchSopInstance: def(0x0112, 'No such SOP instance', 'The SOP Instance is not recognized'),
  NoSuchEventType: def(0x0113, 'No such event type', 'The event type is not recognized'),
  NoSuchArgument: def(0x0114, 'No such argument', 'The action or event information is not recognized'),
  InvalidArgumentValue: def(
    0x0115,
    'Invalid argument value',
    'The action or event information value is invalid',
  ),
  AttributeValueOutOfRange: def(
    0x0116,
    'Attribute value out of range',
    'The value was not supported; the default was applied',
  ),
  InvalidSopInstance: def(
    0x0117,
    'Invalid SOP instance',
    'The SOP Instance UID violates UID construction rules',
  ),
  NoSuchSopClass: def(0x0118, 'No such SOP class', 'The SOP class is not recognized or was not negotiated'),
  ClassInstanceConflict: def(
    0x0119,
    'Class-instance conflict',
    'The instance is not of the stated SOP class',
  ),
  MissingAttribute: def(0x0120, 'Missing attribute', 'A mandatory attribute is missing'),
  MissingAttributeValue: def(0x0121, 'Missing attribute value', 'A mandatory attribute has no value'),
  SopClassNotSupported: def(0x0122, 'Refused: SOP class not supported', 'The SOP class is not supported'),
  NoSuchActionType: def(0x0123, 'No such action type', 'The action type is not supported'),
  NotAuthorized: def(0x0124, 'Refused: not authorized', 'The peer may not perform this operation'),
  DuplicateInvocation: def(
    0x0210,
    'Duplicate invocation',
    'The Message ID is already in use by an outstanding operation',
  ),
  UnrecognizedOperation: def(
    0x0211,
    'Unrecognized operation',
    'The operation is not one agreed for this SOP class',
  ),
  MistypedArgument: def(
    0x0212,
    'Mistyped argument',
    'A parameter was not agreed for use on this association',
  ),
  ResourceLimitation: def(
    0x0213,
    'Resource limitation',
    'The operation could not be performed for lack of resources',
  ),
  // Print Management (PS3.4 H.4)
  MemoryAllocationNotSupported: def(
    0xb600,
    'Memory allocation not supported',
    'Memory Allocation was ignored',
  ),
  FilmSessionPrintingNotSupported: def(
    0xb601,
    'Film session printing not supported',
    'Film session printing (collation) is not supported',
  ),
  FilmSessionEmptyPage: def(
    0xb602,
    'Film session empty page',
    'The Film Session has no Image Box with an image (empty page)',
  ),
  FilmBoxEmptyPage: def(
    0xb603,
    'Film box empty page',
    'The Film Box has no Image Box with an image (empty page)',
  ),
  ImageDemagnified: def(0xb604, 'Image demagnified', 'The image was larger than its box and was demagnified'),
  MinMaxDensityOutOfRange: def(
    0xb605,
    'Min/Max density out of range',
    "The requested density is outside the printer's range; the printer's value is used",
  ),
  ImageCropped: def(0xb609, 'Image cropped', 'The image was larger than its box and was cropped to fit'),
  ImageDecimated: def(
    0xb60a,
    'Image decimated',
    'The image was larger than its box and was decimated to fit',
  ),
  NoFilmBox: def(0xc600, 'No film box', 'The Film Session has no Film Box'),
  FilmSessionPrintQueueFull: def(
    0xc601,
    'Print queue full (film session)',
    'Unable to create the Print Job; the print queue is full',
  ),
  FilmBoxPrintQueueFull: def(
    0xc602,
    'Print queue full (film box)',
    'Unable to create the Print Job; the print queue is full',
  ),
  ImageLargerThanBox: def(
    0xc603,
    'Image larger than image box',
    'The image is larger than its box and will not be cropped or decimated',
  ),
  InsufficientMemory: def(0xc605, 'Insufficient memory', 'Insufficient printer memory to store the image'),
  CombinedImageLargerThanBox: def(
    0xc613,
    'Combined print image larger than box',
    'The combined print image is larger than the image box',
  ),
  UnprintedFilmBoxExists: def(
    0xc616,
    'Unprinted film box exists',
    'A film box is not yet printed and film session printing is not supported',
  ),
} as const satisfies Record<string, StatusDef>;

export type StatusName = keyof typeof Status;

const BY_CODE = new Map<number, StatusDef>(Object.values(Status).map((s) => [s.code, s]));

/** PS3.7 C.1: the category follows from the code's range. */
export function statusCategory(code: number): StatusCategory {
  if (code === 0x0000) return 'success';
  if (code === 0xfe00) return 'cancel';
  if (code === 0xff00 || code === 0xff01) return 'pending';
  if (code === 0x0001 || code === 0x0107 || code === 0x0116 || (code & 0xf000) === 0xb000) return 'warning';
  return 'failure';
}

/** PS3.4 H.4 gives the print statuses their own ranges: 0xB6xx warnings, 0xC6xx failures. */
export function statusScope(code: number): StatusScope {
  const range = code & 0xff00;
  return range === 0xb600 || range === 0xc600 ? 'print' : 'general';
}

export function statusByCode(code: number): StatusDef | undefined {
  return BY_CODE.get(code);
}

/** "0xB605": how a status code is written everywhere people read it. */
export function statusHex(code: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** "0xB605 Min/Max density out of range (warning)" for logs. */
export function describeStatus(code: number): string {
  return `${statusHex(code)} ${BY_CODE.get(code)?.name ?? 'unknown status'} (${statusCategory(code)})`;
}
