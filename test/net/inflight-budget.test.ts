import { describe, expect, it } from 'vitest';
import { InflightBudget } from '../../src/net/inflight-budget.js';

const MIB = 1024 * 1024;

describe('in-flight budget', () => {
  it('take refuses beyond the limit, charge never does but leaves less for the next take', () => {
    const b = new InflightBudget(10 * MIB);
    expect(b.take(6 * MIB)).toBe(true);
    b.charge(3 * MIB);
    expect(b.take(2 * MIB)).toBe(false);
    expect(b.refused).toBe(1);
    b.charge(4 * MIB); // over the limit: counted all the same
    expect(b.used).toBe(13 * MIB);
    expect(b.peak).toBe(13 * MIB);
    expect(b.congested).toBe(true);
    b.give(13 * MIB);
    expect([b.used, b.congested]).toEqual([0, false]);
  });

  it('a staging queue may hold a sixteenth of what is free, between 256 KiB and its usual high water', () => {
    const b = new InflightBudget(512 * MIB);
    expect(b.queueAllowance(8 * MIB)).toBe(8 * MIB);
    b.charge(448 * MIB);
    expect(b.queueAllowance(8 * MIB)).toBe(4 * MIB);
    b.charge(63 * MIB);
    expect(b.queueAllowance(8 * MIB)).toBe(256 * 1024);
    b.charge(10 * MIB);
    expect(b.queueAllowance(8 * MIB)).toBe(256 * 1024);
    expect(new InflightBudget(MIB).queueAllowance(128 * 1024)).toBe(128 * 1024);
  });
});
