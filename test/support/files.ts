/** The files below a folder, for tests that read the source tree (imports, tags, statuses, web/). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every file below `dir` (its subfolders too) whose name matches `name`, as `dir/...` paths. */
export function filesUnder(dir: string, name: RegExp = /./): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), name) : name.test(e.name) ? [join(dir, e.name)] : [],
  );
}
