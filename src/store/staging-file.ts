/**
 * One staged image written while it arrives: the sink a streamed Pixel Data value goes to (see
 * src/dicom/dimse/dataset-stream.ts). Parts are written in order, a batch per writev, as the
 * socket delivers them; once the value is complete the file is fdatasynced and `staged.written`
 * resolves, exactly as for an image staged whole (staging.ts), so N-ACTION's promise is the same.
 *
 * Memory stays bounded by backpressure: beyond HIGH_WATER bytes accepted but not yet written,
 * onPressure(true) asks the connection to stop reading its socket; below LOW_WATER, onPressure(false)
 * lets it read again. A disk error fails the staged image (error set, file removed) and drops what
 * follows; the N-SET or the N-ACTION then answers with a status.
 */
import { type FileHandle, mkdir, open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ValueSink } from '../dicom/spilled-value.js';
import type { StagedImage } from './staging.js';

/** Bytes accepted but not written beyond which the sender is paused, and below which it resumes. */
export const HIGH_WATER = 8 * 1024 * 1024;
/** Buffers per writev (below the kernel's IOV_MAX of 1024). */
const BATCH = 512;
/**
 * Bytes written between fdatasyncs started in the background while a large image still arrives,
 * so that at the end only its last part is left to flush (the N-ACTION that follows waits for it).
 */
export const SYNC_EVERY = 8 * 1024 * 1024;

/** What of `batch` lies beyond its first `written` bytes. */
function unwritten(batch: Buffer[], written: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of batch) {
    if (written >= b.length) written -= b.length;
    else {
      out.push(b.subarray(written));
      written = 0;
    }
  }
  return out;
}

export class StagingFile implements ValueSink {
  readonly staged: StagedImage;
  /** Told when the sender should pause (true) or may go on (false). */
  onPressure: ((paused: boolean) => void) | undefined;
  readonly #queue: Buffer[] = [];
  #pending = 0;
  #received = 0;
  #paused = false;
  #ended = false;
  #aborted = false;
  #pumping = false;
  #fh: FileHandle | undefined;
  /** Bytes written since the last fdatasync started. */
  #unsynced = 0;
  /** A background fdatasync in flight (never rejects: a failure fails the image). */
  #syncing: Promise<void> | undefined;
  #syncs = 0;
  /**
   * Where the bytes waiting to be written are counted (the in-flight budget), if anywhere: charged
   * as they are accepted, given back as they are written or dropped.
   */
  memory?: { charge(n: number): void; give(n: number): void };
  /** Pause the sender beyond this many bytes waiting (HIGH_WATER, or less when memory is short); go on below a quarter of it. */
  highWater = HIGH_WATER;
  #done!: { resolve: () => void; reject: (e: Error) => void };

  constructor(path: string, bytes: number) {
    const written = new Promise<void>((resolve, reject) => {
      this.#done = { resolve, reject };
    });
    this.staged = { path, bytes, written };
    written.catch((e: Error) => {
      this.staged.error = e;
    });
  }

  /** Bytes accepted and not yet written. */
  get pending(): number {
    return this.#pending;
  }

  /** fdatasyncs issued so far (background ones while the image arrived, and the last). */
  get syncs(): number {
    return this.#syncs;
  }

  write(part: Buffer): void {
    if (this.#aborted || this.staged.error) return;
    this.#queue.push(part);
    this.#pending += part.length;
    this.memory?.charge(part.length);
    this.#received += part.length;
    if (!this.#paused && this.#pending > this.highWater) this.#pressure(true);
    void this.#pump();
  }

  end(): void {
    this.#ended = true;
    void this.#pump();
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#drop();
    this.#pressure(false);
    if (!this.#pumping) void this.#finishAborted();
  }

  #pressure(paused: boolean): void {
    if (this.#paused === paused) return;
    this.#paused = paused;
    this.onPressure?.(paused);
  }

  async #pump(): Promise<void> {
    // Failed or aborted: the file is gone or going, never to be opened again.
    if (this.#pumping || this.staged.error) return;
    this.#pumping = true;
    try {
      this.#fh ??= await this.#open();
      while (this.#queue.length > 0 && !this.#aborted) {
        const batch = this.#queue.splice(0, BATCH);
        const bytes = batch.reduce((n, b) => n + b.length, 0);
        const { bytesWritten } = await this.#fh.writev(batch);
        // Aborted or failed meanwhile: what was pending is already given back.
        if (this.#aborted || this.staged.error) break;
        if (bytesWritten === 0 && bytes > 0)
          throw new Error(`short write to ${this.staged.path}: 0 of ${bytes} bytes`);
        // A short write (the disk filling up): the rest goes again, and the next write says why (ENOSPC).
        if (bytesWritten < bytes) this.#queue.unshift(...unwritten(batch, bytesWritten));
        this.#pending -= bytesWritten;
        this.memory?.give(bytesWritten);
        if (this.#paused && this.#pending < this.highWater / 4) this.#pressure(false);
        this.#unsynced += bytesWritten;
        if (this.#unsynced >= SYNC_EVERY && !this.#syncing) this.#syncBehind(this.#fh);
      }
      if (this.#ended && !this.#aborted && !this.staged.error && this.#queue.length === 0) {
        if (this.#received !== this.staged.bytes)
          throw new Error(`staged ${this.#received} of ${this.staged.bytes} bytes`);
        await this.#syncing;
        if (this.staged.error) return;
        this.#syncs++;
        await this.#fh.datasync();
        await this.#fh.close();
        this.#fh = undefined;
        this.#done.resolve();
      }
    } catch (e) {
      this.#fail(e as Error);
    } finally {
      this.#pumping = false;
    }
    if (this.#aborted) await this.#finishAborted();
    else if (this.#queue.length > 0 || (this.#ended && this.#fh)) void this.#pump();
  }

  /**
   * Flush what is written so far while the rest arrives (writes go on meanwhile): a 40 MB
   * mammogram's N-ACTION then waits for its last few MB, not all 40.
   */
  #syncBehind(fh: FileHandle): void {
    this.#unsynced = 0;
    this.#syncs++;
    this.#syncing = fh.datasync().then(
      () => {
        this.#syncing = undefined;
      },
      (e: Error) => {
        this.#syncing = undefined;
        this.#fail(e);
      },
    );
  }

  /** The staging directory may have been removed under us (an operator clearing films): made again. */
  async #open(): Promise<FileHandle> {
    try {
      return await open(this.staged.path, 'w');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(dirname(this.staged.path), { recursive: true });
      return await open(this.staged.path, 'w');
    }
  }

  #fail(e: Error): void {
    if (this.staged.error) return;
    this.staged.error = e;
    this.#drop();
    this.#pressure(false);
    // Rejected once the file is gone: whoever waits on it never finds a half-written one after.
    void this.#close()
      .then(() => unlink(this.staged.path).catch(() => undefined))
      .then(() => this.#done.reject(e));
  }

  /** The bytes waiting to be written will not be: their memory goes back. */
  #drop(): void {
    this.memory?.give(this.#pending);
    this.#queue.length = 0;
    this.#pending = 0;
  }

  async #finishAborted(): Promise<void> {
    if (!this.staged.error) this.#fail(new Error('image not kept: its message was dropped'));
  }

  async #close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close().catch(() => undefined);
  }
}
