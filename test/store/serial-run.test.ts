/** One run at a time; calls meanwhile share one more run after it; none after stop. */
import { expect, it } from 'vitest';
import { SerialRun } from '../../src/store/serial-run.js';

it('runs one job at a time, folds the calls made meanwhile into one more run, and none after stop', async () => {
  let runs = 0;
  let release: () => void = () => undefined;
  const r = new SerialRun(
    () =>
      new Promise<number>((done) => {
        const n = ++runs;
        release = () => done(n);
      }),
    () => 0,
  );
  const first = r.run();
  const second = r.run();
  const third = r.run();
  expect(runs).toBe(1);
  release();
  expect(await first).toBe(1);
  await new Promise((t) => setTimeout(t, 0));
  expect(runs).toBe(2);
  release();
  // Both waiting calls see the run that started after them.
  expect(await second).toBe(2);
  expect(await third).toBe(2);
  const fourth = r.run();
  const stopped = r.stop();
  release();
  expect(await fourth).toBe(3);
  await stopped;
  expect(await r.run()).toBe(0);
  expect(runs).toBe(3);
});
