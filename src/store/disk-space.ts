/**
 * Free space on the data directory's volume (--min-free-space). A printer whose disk is full
 * cannot keep what it is sent, so below the threshold every printer goes FAILURE with Printer
 * Status Info PRINT BUFF FULL (PS3.3 C.13.9.1: "buffer full; cannot accept new images now; SCU
 * should retry later"): associations get the Printer N-EVENT-REPORT, prints are refused by the
 * printer's whenFailed rule, and an image box N-SET is answered 0xC605. Once free space is back
 * above the threshold plus a margin (hysteresis, so a volume hovering at the threshold does not
 * flap), the printers it put in FAILURE get their earlier status back, unless someone changed
 * their status since (an operator's FAILURE stays).
 *
 * decide() is the pure part; DiskSpaceWatcher does the I/O (fs.statfs, injectable) every 2 s and
 * whenever asked (after each film is stored).
 */
import { statfs as fsStatfs } from 'node:fs/promises';
import type { SpaceThreshold } from '../config/config.js';
import { PRINT_BUFF_FULL, type PrinterStatus } from '../profiles/printer-status.js';
import { SerialRun } from './serial-run.js';

const CHECK_INTERVAL_MS = 2000;
/** The hysteresis margin is at least this (or a quarter of the threshold when smaller). */
const MIN_MARGIN = 64 * 1024 * 1024;

/** Bytes available to Lightbox on the volume, and the volume's size. */
export interface VolumeSpace {
  free: number;
  total: number;
}

export type Statfs = (dir: string) => Promise<VolumeSpace>;

/** fs.statfs: blocks available to an unprivileged process, and all blocks. */
export const statfs: Statfs = async (dir) => {
  const s = await fsStatfs(dir);
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
};

/** The threshold in bytes on a volume of `total` bytes. */
export function thresholdBytes(t: SpaceThreshold, total: number): number {
  return 'percent' in t ? Math.ceil((total * t.percent) / 100) : t.bytes;
}

/**
 * Free space must climb this far above the threshold before printers recover: 5 % of it, at least
 * 64 MiB or a quarter of the threshold, whichever is smaller (a small volume must be able to recover).
 */
export function recoveryMargin(threshold: number): number {
  return Math.max(Math.ceil(threshold * 0.05), Math.min(MIN_MARGIN, Math.ceil(threshold / 4)));
}

export interface SpaceDecision {
  low: boolean;
  /** Bytes below which the volume is low (0: no threshold). */
  threshold: number;
  /** Bytes above which a low volume is fine again. */
  recoverAbove: number;
}

/** Is the volume low now, given whether it was at the last check? No threshold: never. */
export function decide(wasLow: boolean, space: VolumeSpace, t: SpaceThreshold | undefined): SpaceDecision {
  if (!t) return { low: false, threshold: 0, recoverAbove: 0 };
  const threshold = thresholdBytes(t, space.total);
  const recoverAbove = threshold + recoveryMargin(threshold);
  const low = wasLow ? space.free <= recoverAbove : space.free < threshold;
  return { low, threshold, recoverAbove };
}

/** What the watcher needs of a printer (PrinterRuntime has it). */
export interface WatchedPrinter {
  readonly caps: { aeTitle: string };
  readonly status: PrinterStatus;
  readonly statusInfo: string;
  setStatus(status: PrinterStatus, info: string): void;
  onStatus(fn: (status: PrinterStatus, info: string) => void): () => void;
  spaceShortage: (() => string | undefined) | undefined;
}

export interface DiskState extends SpaceDecision, VolumeSpace {
  dir: string;
  checkedAt: string;
}

interface Log {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface DiskSpaceOptions {
  dir: string;
  /** Absent: free space is measured (for /metrics) but never low. */
  threshold: SpaceThreshold | undefined;
  printers: readonly WatchedPrinter[];
  log: Log;
  statfs?: Statfs;
  intervalMs?: number;
}

export class DiskSpaceWatcher {
  readonly dir: string;
  /** The threshold, changeable while running (tests, operators); the next check applies it. */
  threshold: SpaceThreshold | undefined;
  readonly #printers: readonly WatchedPrinter[];
  readonly #log: Log;
  readonly #statfs: Statfs;
  readonly #intervalMs: number;
  #state: DiskState | undefined;
  /** Printers this watcher put in FAILURE, with the status they had before. */
  readonly #owned = new Map<WatchedPrinter, { status: PrinterStatus; info: string }>();
  #applying = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #checks = new SerialRun<DiskState | undefined>(
    () => this.#measure(),
    () => this.#state,
  );
  #statfsFailed = false;
  readonly #offs: (() => void)[] = [];

  constructor(o: DiskSpaceOptions) {
    this.dir = o.dir;
    this.threshold = o.threshold;
    this.#printers = o.printers;
    this.#log = o.log;
    this.#statfs = o.statfs ?? statfs;
    this.#intervalMs = o.intervalMs ?? CHECK_INTERVAL_MS;
    for (const p of this.#printers) {
      p.spaceShortage = () => this.shortage();
      // Anyone else changing the status takes the printer back: recovery leaves it alone.
      this.#offs.push(
        p.onStatus(() => {
          if (!this.#applying) this.#owned.delete(p);
        }),
      );
    }
  }

  /** First check (awaited, so printers are FAILURE before anyone connects), then every 2 s. */
  async start(): Promise<void> {
    await this.check();
    if (this.#checks.stopped) return;
    this.#timer = setInterval(() => void this.check(), this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    for (const off of this.#offs.splice(0)) off();
    await this.#checks.stop();
  }

  /** The last measurement; undefined before the first (or when statfs never worked). */
  get state(): DiskState | undefined {
    return this.#state;
  }

  get low(): boolean {
    return this.#state?.low ?? false;
  }

  /** While low: the Error Comment (at most 64 characters) naming free bytes and the threshold. */
  shortage(): string | undefined {
    const s = this.#state;
    if (!s?.low) return undefined;
    return `disk full: ${s.free} bytes free, minimum ${s.threshold}`;
  }

  /** Measure now and act on it. Calls while a check runs share one more check after it. */
  check(): Promise<DiskState | undefined> {
    return this.#checks.run();
  }

  async #measure(): Promise<DiskState | undefined> {
    let space: VolumeSpace;
    try {
      space = await this.#statfs(this.dir);
      this.#statfsFailed = false;
    } catch (e) {
      if (!this.#statfsFailed)
        this.#log.warn(
          { dir: this.dir, err: (e as Error).message },
          'free disk space unknown: statfs failed',
        );
      this.#statfsFailed = true;
      return this.#state;
    }
    if (this.#checks.stopped) return this.#state;
    const wasLow = this.#state?.low ?? false;
    const d = decide(wasLow, space, this.threshold);
    this.#state = { dir: this.dir, ...space, ...d, checkedAt: new Date().toISOString() };
    const facts = { dir: this.dir, free: space.free, threshold: d.threshold, recoverAbove: d.recoverAbove };
    if (d.low && !wasLow)
      this.#log.warn(facts, `disk space low: printers FAILURE ${PRINT_BUFF_FULL} until it is back`);
    if (!d.low && wasLow) this.#log.info(facts, 'disk space back: printers recover');
    if (d.low) this.#fail();
    else this.#recover();
    return this.#state;
  }

  /** Every printer not already in FAILURE goes there (again, if someone set it back meanwhile). */
  #fail(): void {
    for (const p of this.#printers) {
      if (p.status === 'FAILURE') continue;
      const before = { status: p.status, info: p.statusInfo };
      this.#set(p, 'FAILURE', PRINT_BUFF_FULL);
      this.#owned.set(p, before);
    }
  }

  /** Printers still in the FAILURE this watcher set get their earlier status back. */
  #recover(): void {
    for (const [p, before] of this.#owned) {
      this.#owned.delete(p);
      if (p.status === 'FAILURE' && p.statusInfo === PRINT_BUFF_FULL)
        this.#set(p, before.status, before.info);
    }
  }

  #set(p: WatchedPrinter, status: PrinterStatus, info: string): void {
    this.#applying = true;
    try {
      p.setStatus(status, info);
    } finally {
      this.#applying = false;
    }
  }
}
