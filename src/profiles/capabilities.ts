/**
 * A profile with every key resolved (the file's value, else the embedded default's), plus the
 * questions the print service asks of it: is this layout accepted, how many pixels is this film.
 */

import { DEFAULT_PROFILE } from './default-profile.js';
import { boxCount, DisplayFormatError, type Layout, parseDisplayFormat } from './display-format.js';
import { FILM_SIZES_MM } from './film-sizes.js';
import type { PrinterProfile } from './profile-schema.js';
import { type TextLayout, textLayout } from './text-layout.js';

type Defaults = typeof DEFAULT_PROFILE;
/** Every optional key made present, typed as the schema types it. */
export type Capabilities = Required<Omit<PrinterProfile, 'port' | 'characteristicCurve' | 'forward'>> & {
  port?: number;
  /** Absent: the printer prints the GSDF exactly. */
  characteristicCurve?: PrinterProfile['characteristicCurve'];
  /** Where films are printed on to (tee), if anywhere. */
  forward?: PrinterProfile['forward'];
  identity: Required<PrinterProfile>['identity'];
  quirks: Required<NonNullable<PrinterProfile['quirks']>>;
  density: Required<NonNullable<PrinterProfile['density']>>;
};

export function resolveCapabilities(p: PrinterProfile): Capabilities {
  const d: Defaults = DEFAULT_PROFILE;
  const pick = <K extends keyof PrinterProfile>(k: K) =>
    (p[k] ?? d[k as keyof Defaults]) as Required<PrinterProfile>[K];
  const density = p.density ?? d.density;
  return {
    aeTitle: p.aeTitle,
    name: p.name,
    description: p.description ?? '',
    callingAeTitles: p.callingAeTitles ?? [],
    ...(p.port === undefined ? {} : { port: p.port }),
    ...(p.forward === undefined ? {} : { forward: p.forward }),
    ...(p.characteristicCurve === undefined ? {} : { characteristicCurve: p.characteristicCurve }),
    transferSyntaxes: pick('transferSyntaxes'),
    tls: pick('tls'),
    identity: pick('identity'),
    sopClasses: pick('sopClasses'),
    presentationLutLevel: pick('presentationLutLevel'),
    resolutions: pick('resolutions'),
    filmSizes: pick('filmSizes'),
    displayFormats: pick('displayFormats'),
    maxBoxesPerFilm: pick('maxBoxesPerFilm'),
    customFormats: pick('customFormats'),
    slideLayout: pick('slideLayout'),
    superslideLayout: pick('superslideLayout'),
    orientations: pick('orientations'),
    mediumTypes: pick('mediumTypes'),
    filmDestinations: pick('filmDestinations'),
    magnificationTypes: pick('magnificationTypes'),
    smoothingTypes: pick('smoothingTypes'),
    borderDensities: pick('borderDensities'),
    emptyImageDensities: pick('emptyImageDensities'),
    density: {
      min: density.min,
      max: density.max,
      defaultMin: density.defaultMin ?? density.min,
      defaultMax: density.defaultMax ?? density.max,
    },
    supportsMinDensity: pick('supportsMinDensity'),
    supportsTrim: pick('supportsTrim'),
    supportsRequestedImageSize: pick('supportsRequestedImageSize'),
    bitsStored: pick('bitsStored'),
    annotationFormats: pick('annotationFormats'),
    annotationLayout: pick('annotationLayout'),
    maxAnnotationLength: pick('maxAnnotationLength'),
    smoothingKernels: pick('smoothingKernels'),
    annotationArea: pick('annotationArea'),
    stamp: pick('stamp'),
    export: p.export ?? [],
    maxCopies: pick('maxCopies'),
    maxImageSize: pick('maxImageSize'),
    memoryBytes: pick('memoryBytes'),
    maxCollatedFilms: pick('maxCollatedFilms'),
    decimateCrop: pick('decimateCrop'),
    printJob: pick('printJob'),
    whenFailed: pick('whenFailed'),
    quirks: { ...d.quirks, ...p.quirks },
  };
}

/** The layout of an accepted Image Display Format; throws DisplayFormatError (-> 0x0106) otherwise. */
export function acceptedLayout(c: Capabilities, format: string): Layout {
  const layout = parseDisplayFormat(format, {
    custom: c.customFormats,
    slide: c.slideLayout,
    superslide: c.superslideLayout,
  });
  const kind = format.split('\\')[0]!;
  const listed = c.displayFormats.includes(format) || c.displayFormats.includes(`${kind}\\*`);
  if (!listed) throw new DisplayFormatError(`${format} is not a display format of this printer`);
  if (boxCount(layout) > c.maxBoxesPerFilm) {
    throw new DisplayFormatError(
      `${format} has ${boxCount(layout)} boxes; this printer prints at most ${c.maxBoxesPerFilm}`,
    );
  }
  return layout;
}

export interface FilmMatrix {
  /** Printable pixels across (columns) and down (rows), as the film is viewed. */
  width: number;
  height: number;
  dpi: number;
  /** Film size in mm as viewed (landscape swaps). */
  widthMm: number;
  heightMm: number;
}

/** The printer's pixel matrix for a film size, orientation and resolution. */
export function filmMatrix(
  c: Capabilities,
  filmSizeId: string,
  orientation: string,
  resolutionId: string,
): FilmMatrix {
  const mm = FILM_SIZES_MM[filmSizeId];
  const size = c.filmSizes.find((f) => f.id === filmSizeId);
  const dpi = c.resolutions[resolutionId];
  if (!mm || !size || dpi === undefined)
    throw new Error(`no pixel matrix for ${filmSizeId} at ${resolutionId}`);
  const margin = size.printableMarginMm ?? 0;
  const [w, h] = orientation === 'LANDSCAPE' ? [mm[1], mm[0]] : [mm[0], mm[1]];
  const px = (v: number) => Math.round(((v - 2 * margin) / 25.4) * dpi);
  return { width: px(w), height: px(h), dpi, widthMm: w, heightMm: h };
}

/**
 * Where a film box's text prints and the image area it leaves (text-layout.ts): its annotation
 * boxes, of Annotation Display Format `annotationFormat` (undefined: none), and the printer's stamp.
 */
export function filmText(c: Capabilities, annotationFormat: string | undefined, m: FilmMatrix): TextLayout {
  return textLayout(
    {
      area: c.annotationArea,
      annotationCount: annotationFormat ? (c.annotationFormats[annotationFormat] ?? 0) : 0,
      places: annotationFormat ? c.annotationLayout[annotationFormat] : undefined,
      stamp: c.stamp,
    },
    m.width,
    m.height,
  );
}

export function defaultResolution(c: Capabilities): string {
  return Object.keys(c.resolutions)[0]!;
}
