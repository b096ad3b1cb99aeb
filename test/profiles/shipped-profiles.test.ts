/**
 * The realistic printer profiles shipped in printers/: they load, their AE titles are unique, they
 * resolve, and each keeps the facts it was written for (see each file's header and description).
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { createPrinter } from '../../src/print/printer.js';
import {
  acceptedLayout,
  type Capabilities,
  defaultResolution,
  filmMatrix,
  resolveCapabilities,
} from '../../src/profiles/capabilities.js';
import { DisplayFormatError } from '../../src/profiles/display-format.js';
import { type LoadedProfile, loadProfiles } from '../../src/profiles/profile-loader.js';
import { tempStore } from '../support/store.js';

const SHIPPED: Record<string, string> = {
  DRYSTAR5302: 'printers/drystar-5302.yaml',
  DRYVIEW5950: 'printers/dryview-5950.yaml',
  DRYPIX: 'printers/drypix.yaml',
  UPDF750: 'printers/sony-up-df750.yaml',
  IHERESTRICTED: 'printers/ihe-restricted.yaml',
};

const loaded: LoadedProfile[] = loadProfiles('printers');

function caps(ae: string): Capabilities {
  const l = loaded.find((x) => x.profile.aeTitle === ae);
  if (!l) throw new Error(`${ae} not loaded`);
  return resolveCapabilities(l.profile);
}

const matrix = (c: Capabilities, size: string, orientation: string, res: string) => {
  const m = filmMatrix(c, size, orientation, res);
  return [m.width, m.height];
};

describe('shipped printer profiles', () => {
  it('all five load from printers/, each from its own file, beside the embedded LIGHTBOX', () => {
    const byAe = new Map(loaded.map((l) => [l.profile.aeTitle, l.source.replace(/\\/g, '/')]));
    for (const [ae, file] of Object.entries(SHIPPED)) expect(byAe.get(ae), ae).toBe(file);
    expect(byAe.get('LIGHTBOX')).toBe('(embedded)');
  });

  it('AE titles are unique', () => {
    const aes = loaded.map((l) => l.profile.aeTitle);
    expect(new Set(aes).size).toBe(aes.length);
  });

  it.each(Object.entries(SHIPPED))('%s resolves, describes itself and cites its sources', (ae, file) => {
    const c = caps(ae);
    expect(c.aeTitle).toBe(ae);
    expect(c.description.length).toBeGreaterThan(100);
    expect(c.identity.printerName.length).toBeGreaterThan(0);
    // The default film has a pixel matrix, density defaults lie in range, concrete layouts are accepted.
    const res = defaultResolution(c);
    const film = filmMatrix(c, c.filmSizes[0]!.id, c.orientations[0]!, res);
    expect(film.width).toBeGreaterThan(0);
    expect(c.density.min).toBeLessThan(c.density.max);
    expect(c.density.defaultMin).toBeGreaterThanOrEqual(c.density.min);
    expect(c.density.defaultMax).toBeLessThanOrEqual(c.density.max);
    for (const f of c.displayFormats.filter((f) => !f.includes('*')))
      expect(() => acceptedLayout(c, f)).not.toThrow();
    // A comment header naming what it emulates, with at least one source address.
    const lines = readFileSync(file, 'utf8').split('\n');
    const header = lines.slice(
      0,
      lines.findIndex((line) => !line.startsWith('#')),
    );
    expect(header[0]).toMatch(/^# .*-like/);
    expect(header.join('\n')).toMatch(/https:\/\//);
  });

  it.each(Object.entries(SHIPPED))('%s builds a printer that accepts associations', (ae) => {
    const l = loaded.find((x) => x.profile.aeTitle === ae)!;
    const p = createPrinter(l.profile, l.source, { store: tempStore(), logger: pino({ level: 'silent' }) });
    expect(p.accepting.aeTitle).toBe(ae);
    expect(p.accepting.abstractSyntaxes).toContain(Uid.BasicGrayscalePrintManagementMeta);
  });

  describe('DRYSTAR5302 (Agfa Drystar 5302-like)', () => {
    const c = caps('DRYSTAR5302');

    it('320 dpi STANDARD only: 14x17 portrait is 4480 x 5440 px, 8x10 is 2560 x 3200 px', () => {
      expect(c.resolutions).toEqual({ STANDARD: 320 });
      expect(c.filmSizes[0]!.id).toBe('14INX17IN');
      expect(matrix(c, '14INX17IN', 'PORTRAIT', 'STANDARD')).toEqual([4480, 5440]);
      expect(matrix(c, '14INX17IN', 'LANDSCAPE', 'STANDARD')).toEqual([5440, 4480]);
      expect(matrix(c, '8INX10IN', 'PORTRAIT', 'STANDARD')).toEqual([2560, 3200]);
      expect(c.filmSizes.map((f) => f.id).sort()).toEqual(
        ['10INX12IN', '11INX14IN', '14INX14IN', '14INX17IN', '8INX10IN'].sort(),
      );
    });

    it('grayscale only, 12-bit, Presentation LUT at film-session level', () => {
      expect(c.sopClasses.grayscale).toBe(true);
      expect(c.sopClasses.color).toBe(false);
      expect(c.presentationLutLevel).toBe('film-session');
      expect(c.bitsStored).toContain(12);
    });

    it("takes the Drystar's 19 layouts (up to 6,5 and 5,6) and nothing else", () => {
      expect(c.displayFormats).toHaveLength(19);
      expect(acceptedLayout(c, 'STANDARD\\6,5').counts).toEqual([6, 6, 6, 6, 6]);
      expect(acceptedLayout(c, 'STANDARD\\5,6').counts).toEqual([5, 5, 5, 5, 5, 5]);
      for (const f of ['STANDARD\\6,6', 'STANDARD\\1,3', 'ROW\\1,2', 'SLIDE'])
        expect(() => acceptedLayout(c, f), f).toThrow(DisplayFormatError);
    });

    it('density 0.20-3.10, BLUE/CLEAR FILM, ANNOTATION with 2 boxes of 32 characters', () => {
      expect([c.density.min, c.density.max]).toEqual([20, 310]);
      expect(c.mediumTypes).toEqual(['BLUE FILM', 'CLEAR FILM']);
      expect(c.magnificationTypes).toEqual(['REPLICATE', 'BILINEAR', 'CUBIC']);
      expect(c.annotationFormats).toEqual({ ANNOTATION: 2 });
      expect(c.maxAnnotationLength).toBe(32);
    });

    it('demagnifies oversized images whatever is requested; 128 MiB; Print Job with test-friendly timing', () => {
      expect(c.decimateCrop).toEqual({ default: 'DEMAGNIFY', honoursRequest: false });
      expect(c.memoryBytes).toBe(128 * 1024 * 1024);
      expect(c.sopClasses.printJob).toBe(true);
      expect(c.printJob).toMatchObject({ pendingMs: 300, msPerFilm: 1500 });
    });
  });

  describe('DRYVIEW5950 (Carestream DryView 5950-like)', () => {
    const c = caps('DRYVIEW5950');

    it('grayscale and color, annotation, Presentation LUT at film-box level', () => {
      expect(c.sopClasses).toMatchObject({
        grayscale: true,
        color: true,
        annotationBox: true,
        presentationLut: true,
      });
      expect(c.presentationLutLevel).toBe('film-box');
    });

    it('reports Carestream identity without Date/Time of Last Calibration', () => {
      expect(c.identity.manufacturer).toBe('Carestream Health');
      expect(c.identity.model).toBe('DryView 5950');
      expect(c.identity.serialNumber.length).toBeLessThanOrEqual(8);
      expect(c.identity.calibrationDate).toBeUndefined();
      expect(c.identity.calibrationTime).toBeUndefined();
    });

    it('destinations PROCESSOR and BIN_1, Min Density down to 0, 320 dpi', () => {
      expect([...c.filmDestinations].sort()).toEqual(['BIN_1', 'PROCESSOR']);
      expect(c.density.min).toBe(0);
      expect(c.resolutions).toEqual({ STANDARD: 320 });
      expect(c.filmSizes.map((f) => f.id).sort()).toEqual(
        ['10INX12IN', '11INX14IN', '14INX14IN', '14INX17IN', '8INX10IN'].sort(),
      );
    });
  });

  describe('DRYPIX (Fujifilm DRYPIX-like)', () => {
    const c = caps('DRYPIX');

    it('STANDARD 254 dpi and HIGH 508 dpi: 14x17 is 3556 x 4318 and 7112 x 8636 px', () => {
      expect(c.resolutions).toEqual({ STANDARD: 254, HIGH: 508 });
      expect(defaultResolution(c)).toBe('STANDARD');
      expect(matrix(c, '14INX17IN', 'PORTRAIT', 'STANDARD')).toEqual([3556, 4318]);
      expect(matrix(c, '14INX17IN', 'PORTRAIT', 'HIGH')).toEqual([7112, 8636]);
    });

    it('a whole HIGH film fits as one image in either orientation', () => {
      const m = filmMatrix(c, '14INX17IN', 'LANDSCAPE', 'HIGH');
      expect(m.width).toBeLessThanOrEqual(c.maxImageSize.columns);
      expect(m.height).toBeLessThanOrEqual(c.maxImageSize.rows);
      expect(c.memoryBytes).toBeGreaterThanOrEqual(m.width * m.height * 2);
    });

    it('grayscale only, decimates by default and honours Requested Decimate/Crop Behavior', () => {
      expect(c.sopClasses.color).toBe(false);
      expect(c.decimateCrop).toEqual({ default: 'DECIMATE', honoursRequest: true });
      expect(c.filmSizes.map((f) => f.id)).toEqual(
        expect.arrayContaining(['14INX17IN', '11INX14IN', '10INX12IN', '8INX10IN']),
      );
    });
  });

  describe('UPDF750 (Sony UP-DF750-like)', () => {
    const c = caps('UPDF750');

    it('grayscale with Presentation LUT and Basic Annotation; no Print Job, configuration or color', () => {
      expect(c.sopClasses).toEqual({
        grayscale: true,
        color: false,
        annotationBox: true,
        presentationLut: true,
        printJob: false,
        printerConfiguration: false,
      });
    });

    it('negotiates neither Print Job nor Printer Configuration Retrieval', () => {
      const l = loaded.find((x) => x.profile.aeTitle === 'UPDF750')!;
      const p = createPrinter(l.profile, l.source, { store: tempStore(), logger: pino({ level: 'silent' }) });
      expect(p.accepting.abstractSyntaxes).not.toContain(Uid.PrintJob);
      expect(p.accepting.abstractSyntaxes).not.toContain(Uid.PrinterConfigurationRetrieval);
      expect(p.accepting.abstractSyntaxes).not.toContain(Uid.BasicColorPrintManagementMeta);
      expect(p.accepting.abstractSyntaxes).toContain(Uid.BasicAnnotationBox);
      expect(p.accepting.abstractSyntaxes).toContain(Uid.PresentationLut);
    });

    it('dry film media only', () => {
      expect(c.mediumTypes).toEqual(['BLUE FILM', 'CLEAR FILM']);
    });
  });

  describe('IHERESTRICTED (DCMTK IHE Restricted-like)', () => {
    const c = caps('IHERESTRICTED');

    it('Implicit VR Little Endian only', () => {
      expect(c.transferSyntaxes).toEqual(['implicit-vr-little-endian']);
      const l = loaded.find((x) => x.profile.aeTitle === 'IHERESTRICTED')!;
      const p = createPrinter(l.profile, l.source, { store: tempStore(), logger: pino({ level: 'silent' }) });
      expect(p.accepting.transferSyntaxes).toEqual([Uid.ImplicitVrLittleEndian]);
    });

    it('STANDARD\\1,1 only', () => {
      expect(acceptedLayout(c, 'STANDARD\\1,1').counts).toEqual([1]);
      for (const f of ['STANDARD\\2,2', 'STANDARD\\1,2', 'ROW\\1', 'SLIDE'])
        expect(() => acceptedLayout(c, f), f).toThrow(DisplayFormatError);
    });

    it('films 8x10, 11x14 and 14x17', () => {
      expect(c.filmSizes.map((f) => f.id)).toEqual(['8INX10IN', '11INX14IN', '14INX17IN']);
    });

    it('omits the SOP Class UID in N-CREATE-RSP, rejects unknown attributes, no film session printing', () => {
      expect(c.quirks.omitSopClassUidInCreateResponse).toBe(true);
      expect(c.quirks.unknownAttributes).toBe('reject');
      expect(c.maxCollatedFilms).toBe(0);
    });

    it('grayscale and Presentation LUT only; Min Density, Trim and Requested Image Size unsupported', () => {
      expect(c.sopClasses).toEqual({
        grayscale: true,
        color: false,
        annotationBox: false,
        presentationLut: true,
        printJob: false,
        printerConfiguration: false,
      });
      expect(c.supportsMinDensity).toBe(false);
      expect(c.supportsTrim).toBe(false);
      expect(c.supportsRequestedImageSize).toBe(false);
      expect(c.density.max).toBe(320);
    });
  });
});
