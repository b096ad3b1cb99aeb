/**
 * The helper thread's side of magnify-thread.ts: runs the share of an enlargement it is sent,
 * into the film canvas both threads share, and says when it is done (or why it failed).
 */
import { parentPort } from 'node:worker_threads';
import { type MagnifyJob, runMagnifyJob } from './magnify-job.js';

export interface HelperRequest {
  id: number;
  job: MagnifyJob;
  canvas: SharedArrayBuffer;
  /** The film's 8-bit view, and the view of each density, when the share writes it too. */
  view?: { grey: SharedArrayBuffer; table: Uint16Array };
}
export interface HelperAnswer {
  id: number;
  error?: string;
}

parentPort?.on('message', ({ id, job, canvas, view }: HelperRequest) => {
  let answer: HelperAnswer = { id };
  try {
    runMagnifyJob(
      job,
      new Uint16Array(canvas),
      view && { grey: new Uint8Array(view.grey), table: view.table },
    );
  } catch (e) {
    answer = { id, error: (e as Error).message };
  }
  parentPort?.postMessage(answer);
});
