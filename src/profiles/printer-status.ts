/**
 * The printer's status vocabulary (PS3.3 C.13.9, PS3.4 H.4.7): Printer Status, the Printer
 * N-EVENT-REPORT type of each, and the Printer Status Info terms the code itself sets.
 */

export type PrinterStatus = 'NORMAL' | 'WARNING' | 'FAILURE';

/** Printer N-EVENT-REPORT types (PS3.4 H.4.7). */
export const PRINTER_EVENT: Record<PrinterStatus, number> = { NORMAL: 1, WARNING: 2, FAILURE: 3 };

/** PS3.3 C.13.9.1 Printer Status Info defined term: no room for new images (here: the disk). */
export const PRINT_BUFF_FULL = 'PRINT BUFF FULL';

/**
 * Does this printer status stop the jobs it is printing? Every FAILURE does (a jam, a broken
 * imager) except PRINT BUFF FULL, which PS3.3 C.13.9.1 defines as "cannot accept new images now":
 * a printer whose buffer (here: disk) is full still prints the films it already holds.
 */
export function haltsPrinting(status: PrinterStatus, info: string): boolean {
  return status === 'FAILURE' && info !== PRINT_BUFF_FULL;
}
