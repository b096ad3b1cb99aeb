import { rename, rm, writeFile } from 'node:fs/promises';

/** Write under a temporary name and rename; a failed write (disk full) leaves nothing behind. */
export async function writeAtomic(path: string, data: Buffer | string): Promise<void> {
  try {
    await writeFile(`${path}.tmp`, data);
    await rename(`${path}.tmp`, path);
  } catch (e) {
    await rm(`${path}.tmp`, { force: true });
    throw e;
  }
}
