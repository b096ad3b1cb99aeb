/**
 * When DICOM traffic was last seen, on any listener: the render queue starts a film's full render
 * only once the print path has been quiet for a moment, so a modality sending its next film (or
 * the tail of this one: N-DELETEs, release) does not share the CPU and the disk with a render.
 */
export class TrafficClock {
  #last = Number.NEGATIVE_INFINITY;

  /** Traffic now (a chunk received on a DICOM socket). */
  touch(): void {
    this.#last = performance.now();
  }

  /** Milliseconds since the last traffic (Infinity before any). */
  quietFor(now = performance.now()): number {
    return now - this.#last;
  }
}
