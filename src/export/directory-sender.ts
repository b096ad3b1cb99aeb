/**
 * A hot folder: <film>.pdf and/or <film>.dcm in a directory. Each file is written under a hidden
 * temporary name, fsynced and renamed, so whatever watches the folder only ever sees whole files.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportTarget } from '../profiles/export-schema.js';
import { ExportError, type ExportSender, type FilmSource } from './sender.js';

type DirectoryTarget = Extract<ExportTarget, { type: 'directory' }>;

async function writeWhole(dir: string, name: string, parts: readonly Uint8Array[]): Promise<void> {
  const tmp = join(dir, `.${name}.part`);
  const f = await open(tmp, 'w');
  try {
    for (const p of parts) await f.write(p);
    await f.datasync();
  } finally {
    await f.close();
  }
  await rename(tmp, join(dir, name)).catch(async (e: unknown) => {
    await rm(tmp, { force: true });
    throw e;
  });
}

export class DirectorySender implements ExportSender {
  constructor(readonly target: DirectoryTarget) {}

  async send(film: FilmSource): Promise<void> {
    const dir = this.target.path;
    try {
      await mkdir(dir, { recursive: true });
      if (this.target.formats.includes('pdf')) await writeWhole(dir, `${film.id}.pdf`, [await film.pdf()]);
      if (this.target.formats.includes('dicom'))
        await writeWhole(dir, `${film.id}.dcm`, (await film.dicom()).file);
    } catch (e) {
      throw new ExportError(`${dir}: ${(e as Error).message}`);
    }
  }
}
