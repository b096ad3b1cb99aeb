/** The benchmark's paired comparison: run i of one target against run i of the other. */
import { expect, it } from 'vitest';
import { pairedRatios } from '../../bench/stats.js';

it('takes the median of the per-pair ratios and counts the pairs the first target won', () => {
  // The machine slows down between the pairs: the medians alone hide that a leads in every pair.
  const a = [50, 90, 150, 48, 95];
  const b = [60, 100, 160, 60, 100];
  expect(pairedRatios(a, b)).toEqual({ median: 0.9, wins: 5, pairs: 5 });
});

it('counts a tie as no win, pairs only what both have, and refuses no pairs at all', () => {
  expect(pairedRatios([100, 120, 80], [100, 100])).toEqual({ median: 1.1, wins: 0, pairs: 2 });
  expect(() => pairedRatios([], [1])).toThrow(/no pairs/);
});
