/**
 * The embedded default printer, answering to LIGHTBOX. It exists even without a printers/
 * directory, so `npm start` on a fresh clone is a printer. A profile file with the same AE title
 * replaces it.
 */
import type { PrinterProfile } from './profile-schema.js';

export const DEFAULT_PROFILE: PrinterProfile = {
  aeTitle: 'LIGHTBOX',
  name: 'Lightbox generic film printer',
  description: 'Generic grayscale and color film printer; the embedded default.',
  transferSyntaxes: ['explicit-vr-little-endian', 'implicit-vr-little-endian'],
};
