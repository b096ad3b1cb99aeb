/**
 * Render benchmark: how long the printer's eager render of one spooled film directory takes (its
 * preview, renderPreview: thumb.png composed at its own size; then the film, renderFilm without
 * the thumbnail and without density.png, which is made on its first request: film.png and
 * render.json), against what encoding the film's own outputs costs, measured in the same run.
 *
 * What is measured (wall time in this process, milliseconds, and the process's CPU time over the
 * eager render, every thread counted: the magnify helper's and sharp's), on a 14INX17IN film at 320 dpi
 * (pixel matrix 4480 x 5440), with the embedded printer's defaults (CUBIC magnification, BLACK
 * border and empty image, densities 0.20-3.20 OD, no trim):
 *   W1     STANDARD\4,5, 20 CT-like images (512x512, 12 bits stored in 16), one per box.
 *   W2     STANDARD\1,1, one mammo-like image (4096x5120, 12 bits stored in 16).
 *   floor  sharp PNG encode (toBuffer, nothing written) of a blank (all 0) Uint16Array 4480 x 5440,
 *          one channel, grey16, compressionLevel 1 (for scale).
 * The images are the phantoms of test/support/dcmprint.ts (the same formulas and seeds, so W1 and
 * W2 carry the pixels bench/print.ts sends), synthetic and deterministic.
 *
 * Goal (issue 19): the eager render at most 1.3x the encodes of the film's three outputs
 * (film.png, thumb.png, density.png of its own rendered pixels, read back from them), measured in
 * the same run; the table also gives the ratio to the encodes of the eager outputs alone.
 *
 * How: the film directories are built directly, as spoolFilm would write them (film.json in the
 * FilmRecord shape, one little-endian box-NNN.raw per image box; box rectangles from
 * parseDisplayFormat/boxRects), in a fresh temporary directory; building is not timed. Each
 * workload gets one warm-up, then the runs, alternating the order of workloads between runs. Each
 * run re-renders the same directory. After the runs, density.png is made as its first request
 * would (renderDensity) and every output is checked: the three PNGs at the expected size and one
 * image placed per image box. For scale, a full run also measures (no goal): those encodes, the
 * render with all three outputs at once (as before previews and the lazy density.png), density.png
 * on its first request, and allocating and filling a fresh film-sized Uint16Array (page faults).
 * Memory: a fresh child (`node --expose-gc dist/bench/render.js --only W2 --runs 1`) builds the W2
 * film, collects garbage, resets its peak resident set (writing 5 to /proc/self/clear_refs) and
 * renders W2 twice (warm-up and one run); it reports its VmHWM (/proc/self/status) after, next to
 * its VmRSS before, and this process reports what the child said.
 *
 * Enlargements are shared with a second thread, as the film renderer does (useMagnifyThread);
 * --one-thread keeps them on this one.
 *
 * Usage: npm run bench:render [-- --runs N] [-- --only W1,W2,floor] [-- --one-thread]. Runs: --runs N or BENCH_RUNS
 * (default 5). --only measures a subset, without the references or the memory child; --only W2
 * alone also reports this process's own peak RSS during W2 (that is the memory child's mode).
 * This is a measurement, not a test: the exit code is 0 whether or not the goal is met, and 1 only
 * when something failed (a render threw or wrote something unexpected, or the memory child failed).
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type SharpOptions } from 'sharp';
import {
  type RenderRecord,
  renderDensity,
  renderFilm,
  renderPreview,
  useMagnifyThread,
} from '../src/render/film.js';
import { ctSlice, mammo } from '../test/support/dcmprint.js';
import { CT, DPI, FILM_SIZE, MAMMO, matrix, writeFilm } from './film-dirs.js';
import {
  fmtMiB,
  fmtMs,
  median,
  parseRuns,
  procMemoryMiB,
  progress,
  runBench,
  sampleAlternating,
  spawnTracked,
  withWorkDir,
} from './support.js';

const SELF = fileURLToPath(import.meta.url);
/** As renderFilm writes film.png and density.png (src/render/film.ts). */
const PNG_COMPRESSION = 1;
const THUMB_WIDTH = 480;
/** Issue 19: the eager render at most 1.3x the encode of the film's own outputs, measured in the same run. */
const GOAL_RATIO = 1.3;
const DEFAULT_RUNS = 5;
const MIB = 1024 * 1024;
/** The line a --only run prints about W2's memory, parsed by the parent. */
const MEMORY_LINE = /^W2 memory: VmHWM ([\d.]+) MiB, VmRSS before ([\d.]+) MiB, peak reset (yes|no)$/m;

type WorkloadName = 'W1' | 'W2' | 'floor';
const WORKLOADS: readonly WorkloadName[] = ['W1', 'W2', 'floor'];

interface Workload {
  name: WorkloadName;
  label: string;
  /** One timed run, in ms. */
  run: () => Promise<number>;
  /** After the runs: throws if what the last run produced is not what it should be. */
  check: () => Promise<void>;
  /** Film workloads: the film directory. */
  dir?: string;
}

/** A reference measurement, reported for scale (no goal). */
interface Reference {
  name: string;
  run: () => Promise<number>;
}

/**
 * A workload rendering one film directory as the printer does eagerly: its preview (thumb.png,
 * renderPreview), then the film (film.png and render.json, renderFilm without the thumbnail the
 * preview wrote and without density.png, made on its first request); each part timed too.
 */
function filmWorkload(
  name: WorkloadName,
  label: string,
  dir: string,
  boxes: number,
): Workload & { parts: { preview: number[]; film: number[]; cpu: number[] } } {
  let last: RenderRecord | undefined;
  const parts = { preview: [] as number[], film: [] as number[], cpu: [] as number[] };
  return {
    name,
    label,
    dir,
    parts,
    run: async () => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await renderPreview(dir);
      const t1 = performance.now();
      last = await renderFilm(dir, { thumb: false, density: false });
      const t2 = performance.now();
      const cpu = process.cpuUsage(c0);
      parts.preview.push(t1 - t0);
      parts.film.push(t2 - t1);
      parts.cpu.push((cpu.user + cpu.system) / 1000);
      return t2 - t0;
    },
    check: async () => {
      const m = matrix();
      const placed = last?.boxes.filter((b) => b.image).length ?? 0;
      if (!last || last.width !== m.width || last.height !== m.height || placed !== boxes)
        throw new Error(`${name}: render.json says ${placed} of ${boxes} images placed`);
      // density.png as its first request makes it (the references read it back).
      await renderDensity(dir);
      const expect: [string, number, number, string][] = [
        ['film.png', m.width, m.height, 'uchar'],
        ['density.png', m.width, m.height, 'ushort'],
        ['thumb.png', THUMB_WIDTH, Math.round((THUMB_WIDTH * m.height) / m.width), 'uchar'],
      ];
      for (const [file, w, h, depth] of expect) {
        const meta = await sharp(await readFile(join(dir, file))).metadata();
        if (meta.width !== w || meta.height !== h || meta.channels !== 1 || meta.depth !== depth)
          throw new Error(
            `${name}: ${file} is ${meta.width}x${meta.height}, ${meta.channels} ch ${meta.depth} (expected ${w}x${h}, 1 ch ${depth})`,
          );
      }
    },
  };
}

/** The floor: sharp's PNG encode of a blank 16-bit grey film-sized image, as renderFilm encodes density.png. */
function floorWorkload(): Workload {
  const { width, height } = matrix();
  const blank = new Uint16Array(width * height);
  let bytes = 0;
  return {
    name: 'floor',
    label: `floor: sharp PNG of a blank 16-bit grey ${width}x${height}, compressionLevel ${PNG_COMPRESSION}`,
    run: async () => {
      const t0 = performance.now();
      const png = await sharp(blank, { raw: { width, height, channels: 1 }, limitInputPixels: false })
        .toColourspace('grey16')
        .png({ compressionLevel: PNG_COMPRESSION })
        .toBuffer();
      const ms = performance.now() - t0;
      bytes = png.length;
      return ms;
    },
    check: async () => {
      if (bytes === 0) throw new Error('floor: no PNG produced');
    },
  };
}

/** Raw one-channel input of the film's size, as renderFilm hands its canvases to sharp. */
function rawInput(): SharpOptions {
  const { width, height } = matrix();
  return { raw: { width, height, channels: 1 }, limitInputPixels: false };
}

/**
 * Reference: the three encodes renderFilm ends with (film.png, thumb.png, density.png, each from a
 * fresh pipeline) of the pixels it rendered for t, read back from its outputs. What a film costs at
 * the least once its pixels exist: real content deflates far slower than a blank image.
 */
async function encodesReferences(t: Workload): Promise<Reference[]> {
  const { width, height } = matrix();
  const dens = await sharp(await readFile(join(t.dir!, 'density.png')))
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer();
  const canvas = new Uint16Array(dens.buffer, dens.byteOffset, dens.length / 2);
  const grey = await sharp(await readFile(join(t.dir!, 'film.png')))
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  if (canvas.length !== width * height || grey.length !== width * height)
    throw new Error(`${t.name}: its outputs do not read back as one channel of ${width}x${height}`);
  const filmPng = () =>
    sharp(grey, rawInput()).toColourspace('b-w').png({ compressionLevel: PNG_COMPRESSION }).toBuffer();
  const thumbPng = () => sharp(grey, rawInput()).toColourspace('b-w').resize(THUMB_WIDTH).png().toBuffer();
  return [
    {
      name: `${t.name} encodes`,
      run: async () => {
        const t0 = performance.now();
        await filmPng();
        await thumbPng();
        await sharp(canvas, rawInput())
          .toColourspace('grey16')
          .png({ compressionLevel: PNG_COMPRESSION })
          .toBuffer();
        return performance.now() - t0;
      },
    },
    {
      name: `${t.name} eager encodes`,
      run: async () => {
        const t0 = performance.now();
        await filmPng();
        await thumbPng();
        return performance.now() - t0;
      },
    },
    { name: `${t.name} all eager`, run: time(() => renderFilm(t.dir!)) },
    { name: `${t.name} density`, run: time(() => renderDensity(t.dir!)) },
  ];
}

const time =
  (f: () => Promise<unknown>): (() => Promise<number>) =>
  async () => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };

/**
 * Reference: a fresh film-sized Uint16Array, allocated and filled, as renderFilm starts its canvas.
 * What touching memory the process has not used yet costs on this machine (page faults).
 */
function freshCanvasReference(): Reference {
  const { width, height } = matrix();
  return {
    name: 'fresh canvas',
    run: async () => {
      const t0 = performance.now();
      new Uint16Array(width * height).fill(320);
      return performance.now() - t0;
    },
  };
}

// ---------------------------------------------------------------- memory

/** Forget the peak resident set so far (Linux >= 4.0); false where that is not possible. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

interface W2Memory {
  hwm: number;
  rssBefore: number;
  reset: boolean;
}

/** Run `--only W2 --runs 1` in a fresh child and read its memory line. */
async function measureW2Memory(): Promise<W2Memory> {
  const args = [
    '--expose-gc',
    SELF,
    '--only',
    'W2',
    '--runs',
    '1',
    ...(process.argv.includes('--one-thread') ? ['--one-thread'] : []),
  ];
  progress(`memory: node ${args.join(' ')}`);
  const child = spawnTracked(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
  });
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
    for (const l of b.toString('utf8').split('\n').filter(Boolean)) progress(`  [child] ${l}`);
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c) => res(c));
  });
  const m = MEMORY_LINE.exec(stdout);
  if (code !== 0 || !m)
    throw new Error(
      `memory child exited with ${code}${m ? '' : ', no memory line'}: ${stderr.trim() || stdout.trim()}`,
    );
  return { hwm: Number(m[1]), rssBefore: Number(m[2]), reset: m[3] === 'yes' };
}

function memoryLines(m: W2Memory): string[] {
  const payload = (MAMMO.rows * MAMMO.columns * 2) / MIB;
  return [
    `W2 peak RSS (VmHWM, fresh process): ${fmtMiB(m.hwm)}; RSS before the render ${fmtMiB(m.rssBefore)}, ` +
      `so +${fmtMiB(m.hwm - m.rssBefore)} for a ${payload.toFixed(0)} MiB image on a ` +
      `${((matrix().width * matrix().height * 2) / MIB).toFixed(1)} MiB 16-bit canvas` +
      (m.reset ? '' : ' (peak not reset after building the film: it includes the build)'),
  ];
}

// ---------------------------------------------------------------- main

function parseOnly(argv: readonly string[]): WorkloadName[] {
  const i = argv.indexOf('--only');
  if (i < 0) return [...WORKLOADS];
  const names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  const bad = names.filter((n) => !WORKLOADS.includes(n as WorkloadName));
  if (names.length === 0 || bad.length > 0)
    throw new Error(`--only takes a list of ${WORKLOADS.join(', ')} (got "${argv[i + 1] ?? ''}")`);
  return WORKLOADS.filter((w) => names.includes(w));
}

async function main(): Promise<void> {
  const tStart = performance.now();
  const argv = process.argv.slice(2);
  const runs = parseRuns(argv, process.env) ?? DEFAULT_RUNS;
  const only = parseOnly(argv);
  const partial = only.length < WORKLOADS.length;
  if (endianness() !== 'LE')
    throw new Error('the raw box files are written in host order: little-endian only');
  const m = matrix();
  // As the film renderer does (render-process.ts): enlargements shared with a second thread.
  const helper = argv.includes('--one-thread') ? false : useMagnifyThread();
  progress(
    `bench:render: ${FILM_SIZE} at ${DPI} dpi (${m.width}x${m.height}), ${only.join(', ')}, ` +
      `${runs} runs after 1 warm-up; sharp concurrency ${sharp.concurrency()}; ` +
      `enlargements on ${helper ? 'two threads' : 'one thread'}`,
  );

  await withWorkDir('lightbox-bench-render-', 0, async (work) => {
    const targets: Workload[] = [];
    for (const name of only) {
      const t0 = performance.now();
      if (name === 'W1') {
        const dir = join(work, 'w1');
        const images = Array.from({ length: CT.count }, (_, i) => ctSlice(i + 1));
        writeFilm(dir, 'STANDARD\\4,5', images, CT);
        targets.push(filmWorkload('W1', 'W1 STANDARD\\4,5, 20 CT 512x512 12-bit', dir, CT.count));
      } else if (name === 'W2') {
        const dir = join(work, 'w2');
        writeFilm(dir, 'STANDARD\\1,1', [mammo()], { ...MAMMO, count: 1 });
        targets.push(filmWorkload('W2', 'W2 STANDARD\\1,1, 1 mammo 4096x5120 12-bit', dir, 1));
      } else targets.push(floorWorkload());
      progress(`  built ${name} in ${fmtMs(performance.now() - t0)} ms`);
    }

    // Memory of W2 in this process only when asked for W2 alone (the child of a full run).
    let memory: W2Memory | undefined;
    const w2Alone = only.length === 1 && only[0] === 'W2';
    if (w2Alone) {
      (globalThis as { gc?: () => void }).gc?.();
      const rssBefore = procMemoryMiB(process.pid, 'VmRSS') ?? Number.NaN;
      memory = { hwm: Number.NaN, rssBefore, reset: resetPeakRss() };
    }

    for (const t of targets) progress(`  warm-up ${t.name}: ${fmtMs(await t.run())} ms`);
    const samples = await sampleAlternating(targets, runs, (t) => t.run());
    if (memory) memory.hwm = procMemoryMiB(process.pid, 'VmHWM') ?? Number.NaN;
    for (const t of targets) await t.check();

    // References for scale, in a full run only (the memory child skips them).
    const refs: Reference[] = [];
    let refSamples = new Map<string, number[]>();
    if (!partial) {
      for (const t of targets) if (t.dir) refs.push(...(await encodesReferences(t)));
      refs.push(freshCanvasReference());
      for (const r of refs) progress(`  warm-up ${r.name}: ${fmtMs(await r.run())} ms`);
      refSamples = await sampleAlternating(refs, runs, (r) => r.run());
      memory = await measureW2Memory();
    }

    // ---------------------------------------------------------------- report
    const med = new Map(targets.map((t) => [t.name, median(samples.get(t.name)!)]));
    const floor = med.get('floor');
    const films = targets.filter((t) => t.dir);
    const out: string[] = [
      `## renderFilm, ${FILM_SIZE} at ${DPI} dpi (${m.width} x ${m.height}), median of ${runs} runs after 1 warm-up, enlargements on ${helper ? 'two threads' : 'one thread'}`,
      '',
    ];
    const refMed = (name: string) => (refSamples.has(name) ? median(refSamples.get(name)!) : undefined);
    const fmtOpt = (x: number | undefined) => (x === undefined ? 'n/a' : fmtMs(x));
    const ratioOf = (x: number, ref: number | undefined) =>
      ref === undefined ? 'n/a' : `${(x / ref).toFixed(2)}${x / ref <= GOAL_RATIO ? '' : ' ✗'}`;
    if (films.length > 0)
      out.push(
        `| workload | eager ms (preview + film) | preview | film | CPU ms (all threads) | encodes of its 3 outputs | ratio (goal <= ${GOAL_RATIO}) | encodes of the eager outputs (film.png + thumb.png) | ratio |`,
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      );
    for (const t of films) {
      const ms = med.get(t.name)!;
      const parts = (t as ReturnType<typeof filmWorkload>).parts;
      const all = refMed(`${t.name} encodes`);
      const eager = refMed(`${t.name} eager encodes`);
      out.push(
        `| ${t.label} | ${fmtMs(ms)} | ${fmtMs(median(parts.preview))} | ${fmtMs(median(parts.film))} | ${fmtMs(median(parts.cpu))} | ${fmtOpt(all)} | ${ratioOf(ms, all)} | ${fmtOpt(eager)} | ${ratioOf(ms, eager)} |`,
      );
    }
    if (films.length > 0) out.push('');
    const floorTarget = targets.find((t) => t.name === 'floor');
    if (floorTarget) out.push(`${floorTarget.label}: median ${fmtMs(floor!)} ms`);
    for (const t of targets)
      out.push(
        `runs ${t.name}: ${samples
          .get(t.name)!
          .map((x) => x.toFixed(0))
          .join(', ')} ms`,
      );
    if (refs.length > 0) {
      const over = films.filter((t) => med.get(t.name)! / refMed(`${t.name} encodes`)! > GOAL_RATIO);
      out.push(
        over.length === 0
          ? `goal (eager render <= ${GOAL_RATIO} x the encodes of the film's 3 outputs): met`
          : `goal (eager render <= ${GOAL_RATIO} x the encodes of the film's 3 outputs): NOT met by ${over.map((t) => t.name).join(', ')}`,
      );
    }
    if (refs.length > 0) {
      const refMedian = (name: string) => fmtMs(median(refSamples.get(name)!));
      const cw = ((m.width * m.height * 2) / MIB).toFixed(1);
      out.push('', 'For scale (no goal), medians measured the same way:', '');
      out.push('| reference | median ms |', '|---|---:|');
      for (const t of targets.filter((x) => x.dir))
        out.push(
          `| ${t.name} encodes only: film.png + thumb.png + density.png of its rendered pixels | ${refMedian(`${t.name} encodes`)} |`,
          `| ${t.name} encodes only: film.png + thumb.png | ${refMedian(`${t.name} eager encodes`)} |`,
          `| ${t.name} rendered with all three outputs at once (renderFilm, as before the preview and lazy density.png) | ${refMedian(`${t.name} all eager`)} |`,
          `| ${t.name} density.png on its first request (renderDensity: composed again, 16-bit encode) | ${refMedian(`${t.name} density`)} |`,
        );
      out.push(
        `| a fresh ${cw} MiB Uint16Array, allocated and filled (page faults) | ${refMedian('fresh canvas')} |`,
      );
    }
    if (memory) {
      out.push('');
      out.push(...memoryLines(memory));
      if (w2Alone)
        out.push(
          `W2 memory: VmHWM ${memory.hwm.toFixed(1)} MiB, VmRSS before ${memory.rssBefore.toFixed(1)} MiB, ` +
            `peak reset ${memory.reset ? 'yes' : 'no'}`,
        );
    }
    out.push('', `total bench time: ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

runBench(main);
