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
}
export interface HelperAnswer {
  id: number;
  error?: string;
}

parentPort?.on('message', ({ id, job, canvas }: HelperRequest) => {
  let answer: HelperAnswer = { id };
  try {
    runMagnifyJob(job, new Uint16Array(canvas));
  } catch (e) {
    answer = { id, error: (e as Error).message };
  }
  parentPort?.postMessage(answer);
});
