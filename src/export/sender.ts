/**
 * What an export target does with one film: take it whole, or throw an ExportError saying what the
 * peer answered. The queue (export-queue.ts) retries every failure with backoff: a peer that is
 * down, full or refusing today may take the film tomorrow, and nothing acknowledged is dropped.
 */
import type { FilmDepth } from '../output/film-dicom.js';
import type { FilmObject } from '../output/film-outputs.js';

/** The film being exported: its outputs, made when a sender asks for them. */
export interface FilmSource {
  id: string;
  pdf(): Promise<Uint8Array>;
  dicom(depth?: FilmDepth): Promise<FilmObject>;
}

export interface ExportSender {
  send(film: FilmSource): Promise<void>;
}

export class ExportError extends Error {
  override name = 'ExportError';
}
