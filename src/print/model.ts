/**
 * The Print Management object model (PS3.4 H.4, docs/spec/lifecycle.md#model): what one association builds
 * (film session, film boxes, image and annotation boxes, Presentation LUTs) and what outlives it
 * (print jobs, printed films). Plain data; each print object's module (film-box.ts, ...) owns its rules.
 */
import type { Bytes } from '../dicom/chunked-bytes.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { SpilledValue } from '../dicom/spilled-value.js';
import type { FilmMatrix } from '../profiles/capabilities.js';
import type { BoxRect, Layout } from '../profiles/display-format.js';
import type { TextLayout } from '../profiles/text-layout.js';
import type { JobInput, JobStatus } from '../store/job-log.js';
import type { StagedImage } from '../store/staging.js';

/** The pixel module of an image box's image, as received (PS3.3 C.13.5). */
export interface PrintImage {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  planarConfiguration?: number;
  pixelAspectRatio?: [number, number];
  /** Patient and study attributes the SCU sent in the image item, if any (pixel-module.ts). */
  identity?: DcmDataset;
  /**
   * As received: one buffer or the socket chunks it came in, never copied (see ChunkedBytes); or,
   * streamed to a staging file while it arrived, a SpilledValue (its length; no bytes in memory).
   */
  pixels: Bytes | SpilledValue;
}

/** What happens to an image that does not fit its box, and the status that said so. */
export type FitDecision = 'fits' | 'demagnified' | 'decimated' | 'cropped';

export interface ImageBox {
  uid: string;
  sopClassUid: string;
  position: number;
  rect: BoxRect;
  /** The image box attributes as set (Polarity, Magnification Type, ...), without the image. */
  attributes: DcmDataset;
  image?: PrintImage;
  /** The image's pixels on their way to disk (src/store/staging.ts), from the N-SET that set it. */
  staged?: StagedImage;
  fit?: FitDecision;
  /** Densities actually used after clamping to the printer range (hundredths of OD). */
  minDensity?: number;
  maxDensity?: number;
  /** Min/Max Density as asked for on this box, before clamping. */
  requestedDensity?: { min?: number; max?: number };
  /** Every status this box's N-SETs were answered with. */
  statuses: number[];
  /** The same answers with their Error Comments (absent in films written before they were kept). */
  answers?: KeptAnswer[];
}

/**
 * An answer an SCU got about a box, as the film keeps it: the status and Error Comment it was told,
 * and, when that came from the real printer (proxy mode) and Lightbox's own answer differed, Lightbox's.
 */
export interface KeptAnswer {
  status: number;
  errorComment?: string;
  lightbox?: { status: number; errorComment?: string };
}

export interface AnnotationBox {
  uid: string;
  position: number;
  text: string;
}

export interface FilmBox {
  uid: string;
  /** Attributes after defaults and clamping, as returned in the N-CREATE response. */
  attributes: DcmDataset;
  layout: Layout;
  matrix: FilmMatrix;
  /** Where its annotations and stamp print, and the image area they leave. */
  text: TextLayout;
  imageBoxes: ImageBox[];
  annotationBoxes: AnnotationBox[];
  presentationLutUid?: string;
  /** Min/Max Density as the SCU asked for them, before clamping to the printer's range. */
  requestedDensity: { min?: number; max?: number };
  printed: boolean;
  statuses: number[];
  answers?: KeptAnswer[];
}

export interface FilmSession {
  uid: string;
  attributes: DcmDataset;
  filmBoxes: FilmBox[];
  presentationLutUid?: string;
}

export interface PresentationLut {
  uid: string;
  shape?: string;
  descriptor?: [number, number, number];
  data?: number[];
}

export type { JobStatus };

/** A print job as the printer holds it: what the store records of it, and the association that printed it. */
export interface PrintJob extends JobInput {
  associationId?: string;
}
