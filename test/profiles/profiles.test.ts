import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { createPrinter } from '../../src/print/printer.js';
import { loadProfiles, ProfileError, parseProfile } from '../../src/profiles/profile-loader.js';
import { tempStore } from '../support/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dirWith(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'lightbox-printers-'));
  dirs.push(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

describe('printer profiles', () => {
  it('without a directory: the embedded LIGHTBOX printer, every print SOP class, explicit then implicit', () => {
    const [only, ...rest] = loadProfiles(undefined);
    expect(rest).toEqual([]);
    expect(only!.profile.aeTitle).toBe('LIGHTBOX');
    const p = createPrinter(only!.profile, only!.source, {
      store: tempStore(),
      logger: pino({ level: 'silent' }),
    });
    expect([...p.accepting.abstractSyntaxes].sort()).toEqual(
      [
        Uid.Verification,
        Uid.BasicGrayscalePrintManagementMeta,
        Uid.BasicColorPrintManagementMeta,
        Uid.Printer,
        Uid.BasicAnnotationBox,
        Uid.PresentationLut,
        Uid.PrintJob,
        Uid.PrinterConfigurationRetrieval,
      ].sort(),
    );
    expect(p.accepting.transferSyntaxes).toEqual([Uid.ExplicitVrLittleEndian, Uid.ImplicitVrLittleEndian]);
  });

  it('loads YAML and JSON files beside the default, ignoring other files', () => {
    const d = dirWith({
      'a.yaml': 'aeTitle: DRY1\nname: One\n',
      'b.json': '{"aeTitle": "DRY2", "name": "Two", "transferSyntaxes": ["implicit-vr-little-endian"]}',
      'notes.txt': 'not a profile',
    });
    expect(loadProfiles(d).map((l) => l.profile.aeTitle)).toEqual(['LIGHTBOX', 'DRY1', 'DRY2']);
  });

  it('a file with aeTitle LIGHTBOX replaces the embedded default', () => {
    const d = dirWith({ 'x.yaml': 'aeTitle: LIGHTBOX\nname: Mine\ncallingAeTitles: [CT01]\n' });
    const all = loadProfiles(d);
    expect(all).toHaveLength(1);
    expect(all[0]!.profile.name).toBe('Mine');
  });

  it.each([
    [
      'an unknown key',
      'aeTitle: A\nname: B\ncolour: true\n',
      /\/: must NOT have additional properties "colour"/,
    ],
    ['an AE title over 16 characters', 'aeTitle: ABCDEFGHIJKLMNOPQ\nname: B\n', /\/aeTitle: /],
    ['a backslash in an AE title', 'aeTitle: "A\\\\B"\nname: B\n', /\/aeTitle: /],
    ['a missing name', 'aeTitle: A\n', /must have required property 'name'/],
    [
      'an unknown transfer syntax',
      'aeTitle: A\nname: B\ntransferSyntaxes: [deflate]\n',
      /\/transferSyntaxes\/0/,
    ],
    ['broken YAML', 'aeTitle: [\n', /not valid YAML/],
  ])('refuses %s, naming the file and the key', (_what, text, why) => {
    const d = dirWith({ 'bad.yaml': text });
    let err: unknown;
    try {
      loadProfiles(d);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProfileError);
    expect((err as Error).message).toContain(join(d, 'bad.yaml'));
    expect((err as Error).message).toMatch(why);
  });

  it('skips a directory that merely has a profile-like name', () => {
    const d = dirWith({ 'a.yaml': 'aeTitle: DRY1\nname: One\n' });
    mkdirSync(join(d, 'old.yaml'));
    expect(loadProfiles(d).map((l) => l.profile.aeTitle)).toEqual(['LIGHTBOX', 'DRY1']);
  });

  it('refuses two files claiming one AE title', () => {
    const d = dirWith({ 'a.yaml': 'aeTitle: SAME\nname: A\n', 'b.yaml': 'aeTitle: SAME\nname: B\n' });
    expect(() => loadProfiles(d)).toThrow(/already used by/);
  });

  it('the example in printers/README.md is a valid profile', () => {
    const md = readFileSync('printers/README.md', 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(md)![1]!;
    expect(parseProfile(yaml, 'printers/README.md').aeTitle).toBe('DRYSTAR5302');
  });
});
