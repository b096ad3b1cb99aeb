/**
 * A region of a spooled image as the renderer reads it, a strip of rows at a time (row-reader.ts):
 * its file, size and sample width, how a stored value maps to a density, and the region read. An
 * enlargement (magnify-job.ts) and a preview's box shrink (box-shrink.ts) both start from one.
 */
export interface ImageRegion {
  /** The spooled image: its file, size and sample width. */
  file: string;
  columns: number;
  rows: number;
  bytesPerSample: 1 | 2;
  /** Bits stored, as a mask, and the density of each stored value. */
  mask: number;
  lut: Uint16Array;
  /** The region's top-left in the image (a centre crop; 0, 0 otherwise) and its size. */
  ox: number;
  oy: number;
  w: number;
  h: number;
}
