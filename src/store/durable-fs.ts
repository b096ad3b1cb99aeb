/**
 * File writes that survive a crash once they resolve: data fsynced, then the directory entry.
 * A printer answers N-ACTION success only after these (README, "The promise a printer makes").
 */
import { type FileHandle, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory, so the names created, renamed or removed in it are durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Write parts to a new file with one writev and fdatasync it. A short count is an error, never a
 * silently truncated file (libuv loops over IOV_MAX batches and short writes itself).
 */
export async function writeSynced(path: string, parts: readonly Buffer[], bytes: number): Promise<void> {
  const fh = await writeUnsynced(path, parts, bytes);
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/**
 * Write parts to a new file with one writev, not yet synced: the caller fdatasyncs the open handle
 * (alongside other flushes) and closes it. Closed here when the write fails.
 */
export async function writeUnsynced(
  path: string,
  parts: readonly Buffer[],
  bytes: number,
): Promise<FileHandle> {
  const fh = await open(path, 'w');
  try {
    const { bytesWritten } = await fh.writev(parts);
    if (bytesWritten !== bytes) throw new Error(`short write to ${path}: ${bytesWritten} of ${bytes} bytes`);
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Rename into place and make the new name durable. */
export async function renameSynced(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDir(dirname(to));
}
