/**
 * The longest stretches of work a process did without returning to its event loop, read from a V8
 * CPU profile (`node --cpu-prof`). A stretch is a run of samples between two `(idle)` samples.
 *
 * Its length is counted in samples, not wall time: the sampler ticks only while the thread runs,
 * so on a busy shared machine a 5 ms task that the OS interrupts for 30 ms still counts ~5 ms,
 * where the event loop lag (wall time) counts 35. Under load the sampler itself is starved a little
 * (a 20 ms CPU-bound task measured 50-60 samples of 250 µs at load 6.5 on 2 cores), so the figure
 * is a slight underestimate, never an overestimate.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the system's monotonic clock, as process.hrtime. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface BusyStretch {
  /** Samples in the stretch. */
  samples: number;
  /**
   * Of those, the ones in the garbage collector. A collection waits for its helper threads, and
   * the sampler counts the waiting: on an overloaded machine a GC pause stretches, whatever the code.
   */
  gcSamples: number;
  /** Its wall time, ms (what the event loop lag sees). */
  wallMs: number;
  /** The functions most samples were in, `name file:line`, most first. */
  top: string[];
}

const GC = '(garbage collector) :0';

export function readCpuProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

/** µs on the monotonic clock the profiler uses (process.hrtime's, shared by every process of the machine). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * The stretches of profile that started within [from, to] (µs, monotonicUs()), longest (in
 * samples) first.
 */
export function busyStretches(profile: CpuProfile, from = 0, to = Number.POSITIVE_INFINITY): BusyStretch[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const frame = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
  };
  const stretches: { samples: number[]; start: number; end: number }[] = [];
  let current: { samples: number[]; start: number; end: number } | undefined;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      if (current) stretches.push(current);
      current = undefined;
      return;
    }
    current ??= { samples: [], start: t, end: t };
    current.samples.push(id);
    current.end = t;
  });
  if (current) stretches.push(current);
  return stretches
    .filter((s) => s.start >= from && s.start <= to)
    .map((s) => {
      const counts = new Map<string, number>();
      for (const id of s.samples) counts.set(frame(id), (counts.get(frame(id)) ?? 0) + 1);
      const top = [...counts].sort((a, b) => b[1] - a[1]).map(([name]) => name);
      const gcSamples = counts.get(GC) ?? 0;
      return { samples: s.samples.length, gcSamples, wallMs: (s.end - s.start) / 1000, top: top.slice(0, 3) };
    })
    .sort((a, b) => b.samples - a.samples);
}
