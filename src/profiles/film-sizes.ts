/**
 * Film Size ID defined terms and their physical size, portrait width x height in mm
 * (PS3.3 C.13.3; 10INX14IN is 257 x 364 mm by the standard's own note, not 254 x 355.6).
 */
export const FILM_SIZES_MM: Readonly<Record<string, readonly [number, number]>> = {
  '8INX10IN': [203.2, 254.0],
  '8_5INX11IN': [215.9, 279.4],
  '10INX12IN': [254.0, 304.8],
  '10INX14IN': [257.0, 364.0],
  '11INX14IN': [279.4, 355.6],
  '11INX17IN': [279.4, 431.8],
  '14INX14IN': [355.6, 355.6],
  '14INX17IN': [355.6, 431.8],
  '24CMX24CM': [240.0, 240.0],
  '24CMX30CM': [240.0, 300.0],
  A4: [210.0, 297.0],
  A3: [297.0, 420.0],
};
