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
    ['broken YAML', 'aeTitle: [\n', /not valid YAML\/JSON: [^\n]*at line 2, column 1$/],
    [
      'a duplicate key',
      'aeTitle: A\naeTitle: B\n',
      /not valid YAML\/JSON: Map keys must be unique at line 2, column 1$/,
    ],
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

describe('upper bounds: a value no printer has stops start-up, naming the file and the key', () => {
  const profile = (extra: string) => `aeTitle: BOUNDS\nname: Bounds\n${extra}\n`;
  const error = (text: string): string => {
    try {
      parseProfile(text, 'bounds.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(ProfileError);
      expect((e as Error).message).not.toContain('\n');
      return (e as Error).message;
    }
    throw new Error('expected a ProfileError');
  };

  it.each([
    ['memoryBytes: 1e400', '/memoryBytes: must be <= 1099511627776'],
    ['memoryBytes: .inf', '/memoryBytes'],
    ['memoryBytes: .nan', '/memoryBytes'],
    [
      'printJob: {pendingMs: 9999999999999, msPerFilm: 500, queueLimit: 4}',
      '/printJob/pendingMs: must be <= 3600000',
    ],
    ['printJob: {pendingMs: 200, msPerFilm: 3600001, queueLimit: 4}', '/printJob/msPerFilm'],
    ['printJob: {pendingMs: 200, msPerFilm: 500, queueLimit: 1000000}', '/printJob/queueLimit'],
    ['maxImageSize: {rows: 70000, columns: 512}', '/maxImageSize/rows'],
    ['maxCollatedFilms: 1e9', '/maxCollatedFilms'],
    ['filmSizes: [{id: A4, printableMarginMm: .nan}]', '/filmSizes/0/printableMarginMm'],
    [`description: ${'d'.repeat(9000)}`, '/description: must NOT have more than 8192 characters'],
    [
      `identity: {printerName: P, manufacturer: M, model: X, serialNumber: '1', softwareVersions: [${Array(40).fill('v1').join(',')}]}`,
      '/identity/softwareVersions',
    ],
    [`mediumTypes: [${Array.from({ length: 300 }, (_, i) => `M${i}`).join(',')}]`, '/mediumTypes'],
    [`annotationLayout: {${'K'.repeat(100)}: [top-left]}`, '/annotationLayout'],
  ])('%s', (extra, why) => {
    expect(error(profile(extra))).toContain(why.slice(0, 60));
  });

  it('a Magnification Type the renderer does not implement (SHARPEN) stops start-up, naming the ones it does', () => {
    expect(error(profile('magnificationTypes: [CUBIC, SHARPEN]'))).toBe(
      'bounds.yaml: /magnificationTypes/1: must be equal to one of the allowed values (REPLICATE, BILINEAR, CUBIC, NONE)',
    );
    expect(parseProfile(profile('magnificationTypes: [NONE, CUBIC]'), 'ok.yaml').magnificationTypes).toEqual([
      'NONE',
      'CUBIC',
    ]);
  });

  it('a 129-character name is refused; 128 is fine', () => {
    expect(error(`aeTitle: BOUNDS\nname: ${'n'.repeat(129)}\n`)).toContain('/name');
    expect(parseProfile(`aeTitle: BOUNDS\nname: ${'n'.repeat(128)}\n`, 'ok.yaml').name).toHaveLength(128);
  });

  it('a file over 256 KiB is refused before it is read or parsed (a 60 MB name took 20 s and 2.5 GB)', () => {
    const d = dirWith({ 'big.yaml': `aeTitle: BIG\nname: ${'x'.repeat(60 * 1024 * 1024)}\n` });
    const t0 = performance.now();
    expect(() => loadProfiles(d)).toThrow(/big\.yaml: \d+ bytes; a profile may have at most 262144/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(error(`aeTitle: BIG\nname: ${'x'.repeat(300_000)}\n`)).toMatch(
      /characters; a profile may have at most/,
    );
  });

  it('every shipped profile is within the bounds', () => {
    expect(loadProfiles('printers').length).toBeGreaterThan(1);
  });
});
