/** A Store in a fresh temporary data directory, for tests that need printers without a server. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';

export function tempStore(): Store {
  return new Store(mkdtempSync(join(tmpdir(), 'lightbox-store-')));
}
