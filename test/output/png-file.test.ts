/** PNG chunks read without decoding; pixels back through inflate and every scanline filter. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PngError, pngPixels, readPng } from '../../src/output/png-file.js';
import { Slots, SlotsFull } from '../../src/output/slots.js';

/** A test card: gradients and noise, so an adaptive encoder uses every filter type. */
function card(w: number, h: number, channels: 1 | 3, deep = false): Buffer {
  const bytes = deep ? 2 : 1;
  const b = Buffer.alloc(w * h * channels * bytes);
  let seed = 7;
  for (let i = 0; i < b.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const x = (i / (channels * bytes)) % w;
    b[i] = i % 5 === 0 ? seed & 0xff : (x * 3 + Math.floor(i / (w * channels * bytes))) & 0xff;
  }
  return b;
}

describe('readPng / pngPixels', () => {
  for (const [channels, deep] of [
    [1, false],
    [3, false],
    [1, true],
  ] as const) {
    it(`${channels === 3 ? 'RGB' : 'grey'} ${deep ? 16 : 8}-bit, adaptive filters: the pixels given to the encoder`, async () => {
      const w = 97;
      const h = 61;
      const raw = card(w, h, channels, deep);
      const input = deep ? new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2) : raw;
      let img = sharp(input, { raw: { width: w, height: h, channels } });
      if (channels === 1) img = img.toColourspace(deep ? 'grey16' : 'b-w');
      const png = await img.png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer();
      const p = readPng(png);
      expect([p.width, p.height, p.channels]).toEqual([w, h, channels]);
      const got = await pngPixels(p);
      if (deep) got.swap16(); // PNG's big-endian samples, the input's host order
      expect(got.equals(raw)).toBe(true);
    });
  }

  it('refuses what is not a PNG it can embed', async () => {
    expect(() => readPng(Buffer.from('GIF89a'))).toThrow(PngError);
    const rgba = await sharp(Buffer.alloc(16), { raw: { width: 2, height: 2, channels: 4 } })
      .png()
      .toBuffer();
    expect(() => readPng(rgba)).toThrow(/colour type 6/);
    const cut = (
      await sharp(Buffer.alloc(4), { raw: { width: 2, height: 2, channels: 1 } })
        .png()
        .toBuffer()
    ).subarray(0, 40);
    expect(() => readPng(cut)).toThrow(PngError);
  });
});

describe('Slots', () => {
  it('runs at most size at once, queues up to queue more, refuses beyond', async () => {
    const slots = new Slots(2, 1);
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const task = () =>
      slots.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => gates.push(r));
        running--;
      });
    const a = task();
    const b = task();
    const c = task();
    await expect(task()).rejects.toThrow(SlotsFull);
    await new Promise((r) => setImmediate(r));
    expect(gates.length).toBe(2);
    gates.shift()!();
    await a;
    await new Promise((r) => setImmediate(r));
    expect(gates.length).toBe(2);
    for (const g of gates.splice(0)) g();
    await b;
    await new Promise((r) => setImmediate(r));
    gates.shift()?.();
    await c;
    expect(peak).toBe(2);
  });
});
