/**
 * What the printer uses for an attribute the SCU leaves out: the film session and film box ones
 * are what their N-CREATE fills in and returns (print/print-context.ts), the image box ones what
 * printing takes instead. A test creates a film session and a film box on every shipped printer
 * and checks the N-CREATE responses against the `returned` ones.
 */
import { Uid } from '../dicom/uids.js';
import { type Capabilities, defaultResolution } from '../profiles/capabilities.js';
import { DEFAULT_ILLUMINATION, DEFAULT_REFLECTED_AMBIENT } from '../profiles/viewing.js';

export interface AttributeDefault {
  /** The value; absent: the note alone says what is used. */
  value?: (c: Capabilities) => string;
  /** Said with the value: when it applies, or what is used. */
  note?: (c: Capabilities) => string | undefined;
  /** In the N-CREATE response (and so checked against it); false: used at printing. */
  returned: boolean;
  /** Only on printers where this holds. */
  applies?: (c: Capabilities) => boolean;
}

const returned = (value: (c: Capabilities) => string, note?: string): AttributeDefault =>
  note === undefined ? { value, returned: true } : { value, note: () => note, returned: true };
const used = (value: (c: Capabilities) => string): AttributeDefault => ({ value, returned: false });

const FROM_FILM_BOX: AttributeDefault = { note: () => "the film box's", returned: false };
const DECIMATE_CROP: AttributeDefault = {
  value: (c) => c.decimateCrop.default,
  note: (c) => (c.decimateCrop.honoursRequest ? undefined : 'always, whatever is requested'),
  returned: false,
};

/** SOP class UID -> attribute keyword -> its default. */
export const DEFAULTS: Readonly<Record<string, Readonly<Record<string, AttributeDefault>>>> = {
  [Uid.BasicFilmSession]: {
    NumberOfCopies: returned(() => '1'),
    PrintPriority: returned(() => 'MED'),
    MediumType: returned((c) => c.mediumTypes[0]!),
    FilmDestination: returned((c) => c.filmDestinations[0]!),
  },
  [Uid.BasicFilmBox]: {
    FilmOrientation: returned((c) => c.orientations[0]!),
    FilmSizeID: returned((c) => c.filmSizes[0]!.id),
    MagnificationType: returned((c) => c.magnificationTypes[0]!),
    SmoothingType: returned((c) => c.smoothingTypes[0]!),
    BorderDensity: returned((c) => c.borderDensities[0]!),
    EmptyImageDensity: returned((c) => c.emptyImageDensities[0]!),
    MinDensity: returned((c) => String(c.density.defaultMin)),
    MaxDensity: returned((c) => String(c.density.defaultMax)),
    Trim: returned(() => 'NO'),
    // PS3.4 H.2.2.1.1, as the session's Medium Type says: the values the film box N-CREATE writes.
    Illumination: returned(
      (c) => String(c.mediumTypes[0] === 'PAPER' ? DEFAULT_ILLUMINATION.paper : DEFAULT_ILLUMINATION.film),
      `with the default Medium Type; ${DEFAULT_ILLUMINATION.film} cd/m² on film, ${DEFAULT_ILLUMINATION.paper} on PAPER`,
    ),
    ReflectedAmbientLight: returned(() => String(DEFAULT_REFLECTED_AMBIENT)),
    RequestedResolutionID: returned(defaultResolution),
    AnnotationDisplayFormatID: {
      ...returned((c) => Object.keys(c.annotationFormats)[0]!, 'when Basic Annotation Box was negotiated'),
      applies: (c) => c.sopClasses.annotationBox,
    },
  },
  [Uid.BasicGrayscaleImageBox]: {
    Polarity: used(() => 'NORMAL'),
    MagnificationType: FROM_FILM_BOX,
    SmoothingType: FROM_FILM_BOX,
    MinDensity: FROM_FILM_BOX,
    MaxDensity: FROM_FILM_BOX,
    RequestedDecimateCropBehavior: DECIMATE_CROP,
  },
  [Uid.BasicColorImageBox]: {
    Polarity: used(() => 'NORMAL'),
    MagnificationType: FROM_FILM_BOX,
    SmoothingType: FROM_FILM_BOX,
    RequestedDecimateCropBehavior: DECIMATE_CROP,
  },
};
