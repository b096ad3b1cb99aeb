/**
 * An image box's enlargement as one self-contained job: its file, how its stored values map to
 * densities, and where they land. The film's own thread runs one share of a box's rows and the
 * helper thread (magnify-thread.ts) the other, each reading its own rows from the file.
 */
import { type Magnification, magnifyInto, type ViewOut } from './bicubic.js';
import { bilinearInto } from './bilinear.js';
import type { ImageRegion } from './image-region.js';
import { replicateInto } from './replicate.js';
import { RowReader } from './row-reader.js';

export interface MagnifyJob extends Magnification, ImageRegion {
  /** Catmull-Rom (the cubic family's enlargement), bilinear, or pixel replication (nearest). */
  kernel: 'cubic' | 'linear' | 'nearest';
}

/** Run a job (its rows from..to) into `canvas` (and its view into `view`, when given). */
export function runMagnifyJob(job: MagnifyJob, canvas: Uint16Array, view?: ViewOut): void {
  const reader = new RowReader(job.file, job.columns, job.rows, job.bytesPerSample);
  try {
    const { words } = reader;
    const { lut, mask, ox, oy, w } = job;
    (job.kernel === 'nearest' ? replicateInto : job.kernel === 'linear' ? bilinearInto : magnifyInto)(
      job,
      (r, into, at) => {
        const o = reader.row(oy + r) + ox;
        for (let x = 0; x < w; x++) into[at + x] = lut[words[o + x]! & mask]!;
      },
      canvas,
      view,
    );
  } finally {
    reader.close();
  }
}
