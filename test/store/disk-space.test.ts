/**
 * The disk-space watcher: the pure decision (threshold, hysteresis), then the watcher with statfs
 * injected and printers that only hold a status: FAILURE PRINT BUFF FULL when low, the earlier
 * status back when space returns, except where someone changed it meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { PRINT_BUFF_FULL, type PrinterStatus } from '../../src/profiles/printer-status.js';
import {
  DiskSpaceWatcher,
  decide,
  recoveryMargin,
  thresholdBytes,
  type VolumeSpace,
  type WatchedPrinter,
} from '../../src/store/disk-space.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('decide (pure)', () => {
  it('a byte threshold, or a percentage of the volume', () => {
    expect(thresholdBytes({ bytes: 512 * MiB }, 100 * GiB)).toBe(512 * MiB);
    expect(thresholdBytes({ percent: 5 }, 100 * GiB)).toBe(5 * GiB);
    expect(thresholdBytes({ percent: 100 }, 1000)).toBe(1000);
  });

  it('the recovery margin is 5 % of the threshold, at least 64 MiB (or a quarter of the threshold when smaller)', () => {
    expect(recoveryMargin(GiB)).toBe(64 * MiB);
    expect(recoveryMargin(10 * GiB)).toBe(512 * MiB);
    expect(recoveryMargin(MiB)).toBe(MiB / 4);
    expect(recoveryMargin(12 * MiB)).toBe(3 * MiB);
  });

  it('low below the threshold; once low, fine only above threshold + margin (no flapping)', () => {
    const t = { bytes: GiB };
    const at = (free: number): VolumeSpace => ({ free, total: 100 * GiB });
    expect(decide(false, at(GiB), t).low).toBe(false);
    expect(decide(false, at(GiB - 1), t)).toEqual({
      low: true,
      threshold: GiB,
      recoverAbove: GiB + 64 * MiB,
    });
    expect(decide(true, at(GiB + 10 * MiB), t).low).toBe(true);
    expect(decide(true, at(GiB + 64 * MiB), t).low).toBe(true);
    expect(decide(true, at(GiB + 64 * MiB + 1), t).low).toBe(false);
    expect(decide(false, at(GiB + 10 * MiB), t).low).toBe(false);
  });

  it('no threshold (0, off): never low', () => {
    expect(decide(true, { free: 0, total: GiB }, undefined)).toEqual({
      low: false,
      threshold: 0,
      recoverAbove: 0,
    });
  });

  it('100 % of the volume is always low (what the end-to-end test uses)', () => {
    expect(decide(false, { free: 99, total: 100 }, { percent: 100 }).low).toBe(true);
  });
});

class FakePrinter implements WatchedPrinter {
  status: PrinterStatus = 'NORMAL';
  statusInfo = 'NORMAL';
  spaceShortage: (() => string | undefined) | undefined;
  readonly changes: string[] = [];
  readonly #listeners = new Set<(s: PrinterStatus, i: string) => void>();
  constructor(readonly caps: { aeTitle: string }) {}
  setStatus(status: PrinterStatus, info: string): void {
    if (status === this.status && info === this.statusInfo) return;
    this.status = status;
    this.statusInfo = status === 'NORMAL' ? 'NORMAL' : info;
    this.changes.push(`${status} ${this.statusInfo}`);
    for (const l of this.#listeners) l(status, this.statusInfo);
  }
  onStatus(fn: (s: PrinterStatus, i: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}

function setup(threshold = { bytes: GiB }) {
  let space: VolumeSpace | Error = { free: 10 * GiB, total: 100 * GiB };
  const logs: string[] = [];
  const printers = [new FakePrinter({ aeTitle: 'A' }), new FakePrinter({ aeTitle: 'B' })];
  const log = {
    info: (_o: object, m: string) => logs.push(`info ${m}`),
    warn: (_o: object, m: string) => logs.push(`warn ${m}`),
  };
  const w = new DiskSpaceWatcher({
    dir: '/data',
    threshold,
    printers,
    log,
    statfs: async () => {
      if (space instanceof Error) throw space;
      return space;
    },
  });
  return { w, printers, logs, set: (s: VolumeSpace | Error) => (space = s) };
}

describe('DiskSpaceWatcher (statfs injected)', () => {
  it('low: every printer FAILURE PRINT BUFF FULL, an image-box shortage naming free bytes and threshold; back: NORMAL', async () => {
    const { w, printers, logs, set } = setup();
    await w.check();
    expect(w.low).toBe(false);
    expect(printers[0]!.spaceShortage?.()).toBeUndefined();
    set({ free: 100 * MiB, total: 100 * GiB });
    await w.check();
    expect(w.low).toBe(true);
    expect(printers.map((p) => `${p.status} ${p.statusInfo}`)).toEqual(
      Array(2).fill(`FAILURE ${PRINT_BUFF_FULL}`),
    );
    const comment = printers[0]!.spaceShortage?.();
    expect(comment).toBe(`disk full: ${100 * MiB} bytes free, minimum ${GiB}`);
    expect(comment!.length).toBeLessThanOrEqual(64);
    // Still low: nothing changes, nothing logged again.
    await w.check();
    set({ free: GiB + MiB, total: 100 * GiB });
    await w.check();
    expect(w.low).toBe(true);
    set({ free: 2 * GiB, total: 100 * GiB });
    await w.check();
    expect(w.low).toBe(false);
    expect(printers.map((p) => p.status)).toEqual(['NORMAL', 'NORMAL']);
    expect(printers[0]!.changes).toEqual([`FAILURE ${PRINT_BUFF_FULL}`, 'NORMAL NORMAL']);
    expect(logs.filter((l) => l.includes('disk space'))).toEqual([
      `warn disk space low: printers FAILURE ${PRINT_BUFF_FULL} until it is back`,
      'info disk space back: printers recover',
    ]);
  });

  it("an operator's change since is kept: only printers still in the watcher's FAILURE recover", async () => {
    const { w, printers, set } = setup();
    const [a, b] = printers as [FakePrinter, FakePrinter];
    set({ free: 0, total: 100 * GiB });
    await w.check();
    b.setStatus('FAILURE', 'FILM JAM');
    set({ free: 50 * GiB, total: 100 * GiB });
    await w.check();
    expect(`${a.status} ${a.statusInfo}`).toBe('NORMAL NORMAL');
    expect(`${b.status} ${b.statusInfo}`).toBe('FAILURE FILM JAM');
  });

  it('a printer already in FAILURE is left alone; one in WARNING gets its WARNING back', async () => {
    const { w, printers, set } = setup();
    const [a, b] = printers as [FakePrinter, FakePrinter];
    a.setStatus('FAILURE', 'NO SUPPLY MGZ');
    b.setStatus('WARNING', 'SUPPLY LOW');
    set({ free: 0, total: 100 * GiB });
    await w.check();
    expect(`${a.status} ${a.statusInfo}`).toBe('FAILURE NO SUPPLY MGZ');
    expect(`${b.status} ${b.statusInfo}`).toBe(`FAILURE ${PRINT_BUFF_FULL}`);
    // Nobody may print onto a full disk, whatever the printer's status: the shortage is the disk's.
    expect(a.spaceShortage?.()).toMatch(/^disk full/);
    set({ free: 50 * GiB, total: 100 * GiB });
    await w.check();
    expect(`${a.status} ${a.statusInfo}`).toBe('FAILURE NO SUPPLY MGZ');
    expect(`${b.status} ${b.statusInfo}`).toBe('WARNING SUPPLY LOW');
  });

  it('set back to NORMAL by hand while still low: FAILURE again at the next check', async () => {
    const { w, printers, set } = setup();
    const a = printers[0]!;
    set({ free: 0, total: 100 * GiB });
    await w.check();
    a.setStatus('NORMAL', 'NORMAL');
    await w.check();
    expect(`${a.status} ${a.statusInfo}`).toBe(`FAILURE ${PRINT_BUFF_FULL}`);
  });

  it('the threshold can change while running (0/off: measured only, never low)', async () => {
    const { w, printers, set } = setup();
    set({ free: 100 * MiB, total: 100 * GiB });
    await w.check();
    expect(w.low).toBe(true);
    w.threshold = { bytes: MiB };
    await w.check();
    expect(w.low).toBe(false);
    expect(printers[1]!.status).toBe('NORMAL');
    w.threshold = undefined;
    set({ free: 0, total: 100 * GiB });
    expect(await w.check()).toMatchObject({ low: false, free: 0 });
    w.threshold = { percent: 50 };
    set({ free: 49 * GiB, total: 100 * GiB });
    expect(await w.check()).toMatchObject({ low: true, threshold: 50 * GiB });
  });

  it('statfs failing: logged once, the last state kept', async () => {
    const { w, logs, set } = setup();
    await w.check();
    set(new Error('EIO'));
    await w.check();
    await w.check();
    expect(w.state?.free).toBe(10 * GiB);
    expect(logs.filter((l) => l.includes('statfs failed'))).toHaveLength(1);
  });

  it('checks asked for while one runs share one more check', async () => {
    let calls = 0;
    const w = new DiskSpaceWatcher({
      dir: '/d',
      threshold: undefined,
      printers: [],
      log: { info: () => undefined, warn: () => undefined },
      statfs: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        return { free: calls, total: 10 };
      },
    });
    const all = await Promise.all([w.check(), w.check(), w.check()]);
    expect(calls).toBe(2);
    expect(all[0]?.free).toBe(1);
    expect(all[2]?.free).toBe(2);
  });

  it('start() checks at once, then on its timer; stop() ends it', async () => {
    let calls = 0;
    const w = new DiskSpaceWatcher({
      dir: '/d',
      threshold: undefined,
      printers: [],
      log: { info: () => undefined, warn: () => undefined },
      statfs: async () => ({ free: ++calls, total: 10 }),
      intervalMs: 10,
    });
    await w.start();
    expect(calls).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    await w.stop();
    const seen = calls;
    expect(seen).toBeGreaterThan(2);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(seen);
  });
});
