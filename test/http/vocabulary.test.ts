/**
 * GET /api/dicom/vocabulary: the server's own DICOM tables, so the web console keeps no copy of
 * them; and web/ indeed holds none (no status table, no SOP class UID or name table).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Status, type StatusName, statusCategory } from '../../src/dicom/dimse/status.js';
import { SOP_CLASS_NAMES, Uid } from '../../src/dicom/uids.js';
import { DIMSE_COMMANDS } from '../../src/lab/fault-schema.js';
import { resolveSopClass, resolveStatus } from '../../src/lab/resolve.js';
import { bareApp } from '../support/app.js';
import { filesUnder } from '../support/files.js';

const app = bareApp();
beforeAll(() => app.ready());
afterAll(() => app.close());

interface Words {
  statuses: {
    key: string;
    code: number;
    hex: string;
    name: string;
    meaning: string;
    category: string;
    scope: string;
  }[];
  sopClasses: { uid: string; key: string; name: string; meta: boolean }[];
  requests: string[];
}
const words = async (): Promise<Words> => {
  const r = await app.inject({ url: '/api/dicom/vocabulary' });
  expect(r.statusCode).toBe(200);
  return r.json();
};

describe('GET /api/dicom/vocabulary', () => {
  it('lists every status of the status table, in its order, with its category and scope', async () => {
    const { statuses } = await words();
    const keys = Object.keys(Status) as StatusName[];
    expect(statuses.map((s) => s.key)).toEqual(keys);
    for (const s of statuses) {
      const def = Status[s.key as StatusName];
      expect(s).toEqual({
        key: s.key,
        code: def.code,
        hex: def.code.toString(16).toUpperCase().padStart(4, '0'),
        name: def.name,
        meaning: def.meaning,
        category: statusCategory(def.code),
        scope: s.scope,
      });
      expect(s.scope, s.key).toBe(/^[BC]6/.test(s.hex) ? 'print' : 'general');
    }
    // The categories PS3.7 C.1 gives them, checked by hand for one of each kind.
    const by = (key: string) => statuses.find((s) => s.key === key);
    expect(by('Success')).toMatchObject({ hex: '0000', category: 'success', scope: 'general' });
    expect(by('RequestedOptionalAttributesNotSupported')).toMatchObject({ category: 'warning' });
    expect(by('AttributeValueOutOfRange')).toMatchObject({ hex: '0116', category: 'warning' });
    expect(by('ProcessingFailure')).toMatchObject({ hex: '0110', category: 'failure', scope: 'general' });
    expect(by('MinMaxDensityOutOfRange')).toMatchObject({ hex: 'B605', category: 'warning', scope: 'print' });
    expect(by('InsufficientMemory')).toMatchObject({
      code: 0xc605,
      name: 'Insufficient memory',
      category: 'failure',
      scope: 'print',
    });
  });

  it('names every SOP class the server names, meta ones marked; a fault accepts every other by its name', async () => {
    const { sopClasses } = await words();
    expect(Object.fromEntries(sopClasses.map((c) => [c.uid, c.name]))).toEqual(SOP_CLASS_NAMES);
    expect(sopClasses.filter((c) => c.meta).map((c) => c.uid)).toEqual([
      Uid.BasicGrayscalePrintManagementMeta,
      Uid.BasicColorPrintManagementMeta,
    ]);
    for (const c of sopClasses) {
      expect(Uid[c.key as keyof typeof Uid]).toBe(c.uid);
      if (!c.meta) expect(resolveSopClass(c.name, 'sopClass')).toBe(c.uid);
    }
  });

  it('gives the DIMSE requests a fault may match; every status key and name resolves in a fault', async () => {
    const w = await words();
    expect(w.requests).toEqual([...DIMSE_COMMANDS]);
    for (const s of w.statuses) {
      expect(resolveStatus(s.key, 'status')).toBe(s.key);
      expect(resolveStatus(s.name, 'status')).toBe(s.key);
      expect(resolveStatus(`0x${s.hex}`, 'status')).toBe(s.key);
    }
  });

  it('is in the OpenAPI description', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const schema = doc.paths['/api/dicom/vocabulary'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(['statuses', 'sopClasses', 'requests']);
  });
});

describe('web/ keeps no copy of the DICOM tables', () => {
  const web = filesUnder('web', /\.(js|html|css)$/).map((f) => ({ file: f, text: readFileSync(f, 'utf8') }));

  it('finds the console files (the check itself)', () => {
    expect(web.map((w) => w.file)).toContain(join('web', 'js', 'views', 'lab.js'));
  });

  it('no DICOM UID', () => {
    expect(web.filter((w) => w.text.includes('1.2.840.10008')).map((w) => w.file)).toEqual([]);
  });

  // Words that also mean something else ("Printer", "Success") are left out of the counts.
  const compound = (key: string) => /[a-z][A-Z]/.test(key);

  it('no status code written as a number, no file naming more than one status', () => {
    for (const { file, text } of web) {
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code.match(/\b0x[0-9a-f]{4}\b/gi) ?? [], file).toEqual([]);
      // One is a default choice (or an example in a comment); a table names many.
      const named = Object.entries(Status).filter(
        ([key, s]) =>
          (compound(key) && text.includes(`'${key}'`)) || (s.name.includes(' ') && text.includes(s.name)),
      );
      expect(named.length, `${file}: ${named.map(([k]) => k).join(', ')}`).toBeLessThanOrEqual(1);
    }
  });

  it('no file naming more than one SOP class', () => {
    for (const { file, text } of web) {
      const named = Object.entries(Uid).filter(([key, uid]) => {
        const name = SOP_CLASS_NAMES[uid] ?? '';
        return (compound(key) && text.includes(`'${key}'`)) || (name.includes(' ') && text.includes(name));
      });
      expect(named.length, `${file}: ${named.map(([k]) => k).join(', ')}`).toBeLessThanOrEqual(1);
    }
  });
});
