/**
 * The parts of the standard the verdict checks against that are not already tables elsewhere:
 * which SOP classes travel on which negotiated abstract syntax, which attribute table applies to
 * which request, the pixel module's mandatory attributes, and the dictionary VRs that allow more
 * than one encoding. The attribute tables themselves are the print service's (print/attributes.ts),
 * the SOP class names dicom/uids.ts's.
 */

import { verificationService } from '../dicom/service/verification.js';
import { Tag } from '../dicom/tags.js';
import { sopClassName, Uid } from '../dicom/uids.js';
import {
  ANNOTATION_BOX_RULES,
  type AttributeRule,
  COLOR_IMAGE_BOX_RULES,
  FILM_BOX_RULES,
  FILM_SESSION_RULES,
  GRAYSCALE_IMAGE_BOX_RULES,
  PRESENTATION_LUT_RULES,
} from '../print/attributes.js';
import { REQUIRED_COLOR, REQUIRED_GRAY } from '../print/pixel-module.js';
import { printAbstractSyntaxes } from '../print/print-service.js';
import type { Capabilities } from '../profiles/capabilities.js';

/** Which SOP classes each accepted abstract syntax carries: the print service's own table. */
export function contextMembers(caps: Capabilities): Readonly<Record<string, readonly string[]>> {
  return { ...verificationService.abstractSyntaxes, ...printAbstractSyntaxes(caps) };
}

export type AttributeOperation = 'N-CREATE' | 'N-SET';

export interface AttributeTable {
  sopClass: string;
  operation: AttributeOperation;
  /** "Basic Film Box N-CREATE", for details. */
  name: string;
  rules: readonly AttributeRule[];
}

const table = (
  sopClass: string,
  operation: AttributeOperation,
  rules: readonly AttributeRule[],
): AttributeTable => ({ sopClass, operation, rules, name: `${sopClassName(sopClass)} ${operation}` });

/** Which attribute table a request's data set is checked against (docs/spec/attributes.md). */
export const ATTRIBUTE_TABLES: readonly AttributeTable[] = [
  table(Uid.BasicFilmSession, 'N-CREATE', FILM_SESSION_RULES),
  table(Uid.BasicFilmSession, 'N-SET', FILM_SESSION_RULES),
  table(Uid.BasicFilmBox, 'N-CREATE', FILM_BOX_RULES),
  table(Uid.BasicFilmBox, 'N-SET', FILM_BOX_RULES),
  table(Uid.BasicGrayscaleImageBox, 'N-SET', GRAYSCALE_IMAGE_BOX_RULES),
  table(Uid.BasicColorImageBox, 'N-SET', COLOR_IMAGE_BOX_RULES),
  table(Uid.BasicAnnotationBox, 'N-SET', ANNOTATION_BOX_RULES),
  table(Uid.PresentationLut, 'N-CREATE', PRESENTATION_LUT_RULES),
];

export function attributeTable(sopClass: string | undefined, operation: string): AttributeTable | undefined {
  return ATTRIBUTE_TABLES.find((t) => t.sopClass === sopClass && t.operation === operation);
}

/**
 * An attribute a table lists as M is mandatory in N-CREATE, and in N-SET only when N-SET may set
 * it at all: Image Display Format is M for Film Box N-CREATE and may not appear in its N-SET.
 */
export function isMandatory(r: AttributeRule, operation: AttributeOperation): boolean {
  return r.usage === 'M' && (operation === 'N-CREATE' || r.settable !== false);
}

/** The image item of an image box N-SET: the print service's own list of what is mandatory. */
export const IMAGE_SEQUENCES: Readonly<Record<string, { sequence: string; required: readonly string[] }>> = {
  [Uid.BasicGrayscaleImageBox]: { sequence: Tag.BasicGrayscaleImageSequence, required: REQUIRED_GRAY },
  [Uid.BasicColorImageBox]: { sequence: Tag.BasicColorImageSequence, required: REQUIRED_COLOR },
};

/**
 * Dictionary VRs that stand for a choice (dcmjs spells them in lower case): any of these
 * encodings is correct. UN is always acceptable in Explicit VR (PS3.5 6.2.2) and never a finding.
 */
export const VR_CHOICES: Readonly<Record<string, readonly string[]>> = {
  ox: ['OB', 'OW'], // Pixel Data
  xs: ['US', 'SS'], // LUT Descriptor, Smallest/Largest Pixel Value
  lt: ['US', 'SS', 'OW'], // LUT Data
};
