/** Percentiles of benchmark samples, by nearest rank. */
import { expect, it } from 'vitest';
import { percentile } from '../../bench/stats.js';

it('takes the nearest rank: p99 of 500 samples leaves the 5 largest above it', () => {
  const xs = Array.from({ length: 500 }, (_, i) => 500 - i); // 500 ... 1, unsorted on purpose
  expect(percentile(xs, 99)).toBe(495);
  expect(percentile(xs, 50)).toBe(250);
  expect(percentile(xs, 100)).toBe(500);
});

it('takes the largest sample when there are fewer than 100, and refuses nonsense', () => {
  expect(percentile([3, 1, 2], 99)).toBe(3);
  expect(percentile([7], 1)).toBe(7);
  expect(() => percentile([], 99)).toThrow(/no samples/);
  expect(() => percentile([1], 0)).toThrow(/p must be/);
});
