/**
 * One grayscale image box, stored values to optical density (docs/spec/rendering.md#pipeline and
 * #lin-od): polarity (MONOCHROME1 XOR REVERSE inverts), then the Presentation LUT (IDENTITY, LIN OD or LUT data) to a
 * P-value, then the GSDF to density between the box's Min and Max Density. Built once per box as
 * a table indexed by stored value. Pure.
 */
import { type CharacteristicCurve, gsdfPValue, responseTable } from './characteristic.js';
import { densityTable, type Viewing } from './gsdf.js';

export interface PresentationLutSpec {
  shape?: string;
  descriptor?: number[];
  data?: number[];
}

export interface GrayscaleBox {
  bitsStored: number;
  photometricInterpretation: string;
  polarity: string;
  /** Densities in hundredths of OD. */
  minDensity: number;
  maxDensity: number;
  lut?: PresentationLutSpec;
  viewing: Viewing;
  /** The printer's measured curve: print as it does, not the GSDF exactly. */
  curve?: CharacteristicCurve;
}

/** P-value resolution the GSDF table is sampled at (PS3.14 uses up to 16 bits; 12 is plenty for film). */
const P_LEVELS = 4096;

/** For every stored value 0..2^BitsStored-1, the density in hundredths of OD. */
export function densityLut(box: GrayscaleBox): Uint16Array {
  const max = 2 ** box.bitsStored - 1;
  const invert = (box.photometricInterpretation === 'MONOCHROME1') !== (box.polarity === 'REVERSE');
  const dmin = box.minDensity / 100;
  const dmax = box.maxDensity / 100;
  const gsdf = densityTable(P_LEVELS, dmin, dmax, box.viewing);
  const out = new Uint16Array(max + 1);
  const lut = box.lut;
  const lutData = lut?.data && lut.descriptor ? lut.data : undefined;
  const lutMax = lut?.descriptor ? 2 ** lut.descriptor[2]! - 1 : 1;
  const response = box.curve ? responseTable(box.curve, P_LEVELS) : undefined;
  // P -> the P the measured printer actually reaches.
  const printed = (p: number) =>
    response ? response[Math.round(Math.min(1, Math.max(0, p)) * (P_LEVELS - 1))]! : p;
  for (let v = 0; v <= max; v++) {
    // x: 0 = black (max density) .. max = white, whatever the photometric interpretation.
    const x = invert ? max - v : v;
    let D: number;
    if (lut?.shape === 'LIN OD') {
      // Linear in density from Dmax (x = 0, black) to Dmin; printed directly (docs/spec/rendering.md#lin-od).
      D = dmax - (x / max) * (dmax - dmin);
      // A measured printer reaches that density as it reaches the GSDF P-value that asks for it.
      if (response) D = gsdf[Math.round(printed(gsdfPValue(D, dmin, dmax, box.viewing)) * (P_LEVELS - 1))]!;
    } else {
      let p = x / max;
      if (lutData) {
        const i = Math.min(lutData.length - 1, Math.round((x / max) * (lutData.length - 1)));
        p = lutData[i]! / lutMax;
      }
      D = gsdf[Math.round(Math.min(1, Math.max(0, printed(p))) * (P_LEVELS - 1))]!;
    }
    out[v] = Math.round(D * 100);
  }
  return out;
}
