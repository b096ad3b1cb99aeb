import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InflightBudget } from '../../src/net/inflight-budget.js';
import { HIGH_WATER, StagingFile, SYNC_EVERY } from '../../src/store/staging-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lightbox-staging-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const MIB = 1024 * 1024;

describe('staging file (a streamed image written while it arrives)', () => {
  it('writes the parts in order and resolves once they are all on disk', async () => {
    const parts = Array.from({ length: 100 }, (_, i) => Buffer.alloc(1000 + i, i));
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    const f = new StagingFile(join(dir, 'a.raw'), bytes);
    for (const p of parts) f.write(p);
    f.end();
    await f.staged.written;
    expect(readFileSync(f.staged.path).equals(Buffer.concat(parts))).toBe(true);
    expect(f.pending).toBe(0);
  });

  it('a large image is flushed in the background while it arrives, then once more at its end', async () => {
    const total = 3 * SYNC_EVERY + MIB;
    const f = new StagingFile(join(dir, 'big.raw'), total);
    // Written a MiB at a time as the writes complete, as a socket delivers an image.
    for (let at = 0; at < total; at += MIB) {
      f.write(Buffer.alloc(MIB, at / MIB));
      while (f.pending > 0) await new Promise((r) => setTimeout(r, 1));
    }
    f.end();
    await f.staged.written;
    // One fdatasync per SYNC_EVERY written (none while the previous one is in flight), and the last.
    expect(f.syncs).toBeGreaterThanOrEqual(2);
    expect(f.syncs).toBeLessThanOrEqual(4);
    const back = readFileSync(f.staged.path);
    expect(back.length).toBe(total);
    for (let at = 0; at < total; at += MIB) expect(back[at]).toBe((at / MIB) & 0xff);
  });

  it('a small image is flushed once, at its end', async () => {
    const f = new StagingFile(join(dir, 'small.raw'), 2 * MIB);
    f.write(Buffer.alloc(MIB, 1));
    f.write(Buffer.alloc(MIB, 2));
    f.end();
    await f.staged.written;
    expect(f.syncs).toBe(1);
  });

  it('asks the sender to pause beyond the high-water mark and to go on once written', async () => {
    const events: boolean[] = [];
    const total = 3 * HIGH_WATER;
    const f = new StagingFile(join(dir, 'b.raw'), total);
    f.onPressure = (paused) => events.push(paused);
    for (let at = 0; at < total; at += MIB) f.write(Buffer.alloc(MIB, 7));
    expect(events).toEqual([true]);
    f.end();
    await f.staged.written;
    expect(events).toEqual([true, false]);
  });

  it('bytes waiting to be written count in the in-flight budget until written, or until dropped', async () => {
    const budget = new InflightBudget(64 * MIB);
    const f = new StagingFile(join(dir, 'm.raw'), 4 * MIB);
    f.memory = budget;
    for (let i = 0; i < 4; i++) f.write(Buffer.alloc(MIB, i));
    expect(budget.used).toBe(4 * MIB);
    expect(budget.peak).toBe(4 * MIB);
    f.end();
    await f.staged.written;
    expect(budget.used).toBe(0);

    const g = new StagingFile(join(dir, 'n.raw'), 8 * MIB);
    g.memory = budget;
    for (let i = 0; i < 4; i++) g.write(Buffer.alloc(MIB, i));
    g.abort();
    expect(budget.used).toBe(0);
    await expect(g.staged.written).rejects.toThrow(/dropped/);
    expect(budget.used).toBe(0);
    // A budget full of queued bytes refuses the next data set: they were in memory.
    const h = new StagingFile(join(dir, 'o.raw'), 64 * MIB);
    h.memory = budget;
    h.write(Buffer.alloc(60 * MIB));
    expect(budget.take(8 * MIB)).toBe(false);
    h.abort();
    await expect(h.staged.written).rejects.toThrow();
    expect(budget.take(8 * MIB)).toBe(true);
  });

  it('abort(): the file goes, written rejects, the sender is released', async () => {
    const events: boolean[] = [];
    const f = new StagingFile(join(dir, 'c.raw'), 2 * HIGH_WATER);
    f.onPressure = (paused) => events.push(paused);
    for (let i = 0; i < 10; i++) f.write(Buffer.alloc(MIB, 1));
    f.abort();
    await expect(f.staged.written).rejects.toThrow(/dropped/);
    expect(existsSync(f.staged.path)).toBe(false);
    expect(events.at(-1)).toBe(false);
    f.write(Buffer.alloc(10)); // ignored
    f.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(f.staged.path)).toBe(false);
  });

  it('a value shorter than announced, or a disk that refuses, fails the image (error set, no file)', async () => {
    const short = new StagingFile(join(dir, 'd.raw'), 100);
    short.write(Buffer.alloc(60));
    short.end();
    await expect(short.staged.written).rejects.toThrow(/staged 60 of 100 bytes/);
    expect(existsSync(short.staged.path)).toBe(false);

    writeFileSync(join(dir, 'not-a-dir'), '');
    const refused = new StagingFile(join(dir, 'not-a-dir', 'e.raw'), 10);
    refused.write(Buffer.alloc(10));
    refused.end();
    await expect(refused.staged.written).rejects.toThrow(/ENOTDIR/);
    expect(refused.staged.error?.code).toBe('ENOTDIR');
  });
});
