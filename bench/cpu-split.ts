/**
 * Where a benchmark's CPU time goes, by kind of process, from /proc (Linux counts in ticks of
 * 10 ms): a Lightbox instance's main thread, its PostgreSQL bridge thread and its other threads
 * (V8's garbage collector, libuv's file system pool), its render processes; a PostgreSQL cluster
 * (postmaster, backends, background workers); the processes this one ran and reaped (the DCMTK
 * SCUs); this process; and the machine as a whole, so what other users took is seen too.
 *
 * A process's own figure in /proc/PID/stat includes its threads that have ended, and its cutime
 * the children it has reaped: a tree's total misses nothing that ran and ended during a run.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10;

/** utime+stime and cutime+cstime of a /proc stat file, ms; undefined once it is gone. */
function statMs(path: string): { own: number; reaped: number } | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      own: (Number(f[11]) + Number(f[12])) * TICK_MS,
      reaped: (Number(f[13]) + Number(f[14])) * TICK_MS,
    };
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** A process, its reaped children and its live descendants, ms. */
export function treeMs(pid: number): number {
  const s = statMs(`/proc/${pid}/stat`);
  if (!s) return 0;
  return s.own + s.reaped + children(pid).reduce((sum, c) => sum + treeMs(c), 0);
}

/** A Lightbox instance: threads by name (pg-database.ts names its worker "pg-bridge"), and the rest of its tree. */
export interface LightboxCpu {
  main: number;
  bridge: number;
  /** V8's platform threads (garbage collection, compilation off the main thread). */
  v8: number;
  /** libuv's thread pool (file system calls, zlib, crypto). */
  libuv: number;
  otherThreads: number;
  render: number;
}

export function lightboxMs(pid: number): LightboxCpu {
  const s = statMs(`/proc/${pid}/stat`);
  if (!s) return { main: 0, bridge: 0, v8: 0, libuv: 0, otherThreads: 0, render: 0 };
  let main = 0;
  let bridge = 0;
  let v8 = 0;
  let libuv = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const t = statMs(`/proc/${pid}/task/${tid}/stat`)?.own ?? 0;
      if (Number(tid) === pid) main += t;
      else if (comm === 'pg-bridge') bridge += t;
      else if (comm === 'V8Worker' || comm === 'DelayedTaskSche') v8 += t;
      else if (comm === 'libuv-worker') libuv += t;
    }
  } catch {
    // gone meanwhile: its figures are the process's
  }
  return {
    main,
    bridge,
    v8,
    libuv,
    otherThreads: s.own - main - bridge - v8 - libuv,
    render: s.reaped + children(pid).reduce((sum, c) => sum + treeMs(c), 0),
  };
}

/** This process alone, and what it has reaped (the tools it ran), ms. */
export function selfMs(): { own: number; reaped: number } {
  return statMs('/proc/self/stat') ?? { own: 0, reaped: 0 };
}

/** The whole machine since boot, summed over its cores, ms: busy (user, nice, system, irq, softirq) and stolen by the hypervisor. */
export function machineMs(): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number) as number[];
  return { busy: (user! + nice! + system! + irq! + softirq!) * TICK_MS, steal: steal! * TICK_MS };
}
