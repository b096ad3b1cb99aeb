/**
 * Forwarding printers in tests (tee and proxy modes): a second Lightbox standing in for the real
 * printer, faults armed on it, and the printers directory of the Lightbox in front of it, written
 * the same way by every test that forwards.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config/config.js';
import { startLightbox, type TestLightbox } from './lightbox.js';

/** The AE title of a second Lightbox's default printer, the one faults are armed on. */
export const REAL_PRINTER_AE = 'LIGHTBOX';

/**
 * A second Lightbox as the real printer (quiet, no rendering: it only has to answer as a printer).
 * Its stop goes on `stops` when given.
 */
export async function startRealPrinter(
  o: { stops?: (() => Promise<void>)[]; config?: Partial<Config> } = {},
): Promise<TestLightbox> {
  const lb = await startLightbox({ logLevel: 'warn', noRender: true, ...o.config });
  o.stops?.push(() => lb.stop());
  return lb;
}

/** Arm a lab fault on the real printer's printer, once unless `count` says otherwise. */
export async function armFault(printer: TestLightbox, fault: Record<string, unknown>): Promise<void> {
  const r = await printer.app.http.inject({
    method: 'POST',
    url: '/api/lab/faults',
    payload: { printer: REAL_PRINTER_AE, count: 1, ...fault },
  });
  if (r.statusCode !== 201) throw new Error(`arming ${JSON.stringify(fault)}: ${r.statusCode} ${r.body}`);
}

export interface ForwardingPrinter {
  /** The front printer's AE title (the one the modality calls). */
  aeTitle: string;
  mode: 'tee' | 'proxy';
  /** Where the real printer listens (127.0.0.1). */
  port: number;
  /** The real printer's AE title; default REAL_PRINTER_AE. */
  printerAe?: string;
  /** More `forward:` keys (timeoutMs, retryMs...). */
  forward?: Record<string, string | number>;
  /** More YAML lines under `forward:`, indented by two (a `tls:` block). */
  forwardYaml?: string;
  /** More top-level YAML lines of the profile (filmSizes...). */
  profileYaml?: string;
}

/** A printers directory (made under `dir`) holding the one forwarding printer; its path. */
export function forwardingPrinters(dir: string, p: ForwardingPrinter): string {
  mkdirSync(dir, { recursive: true });
  const forward = {
    mode: p.mode,
    host: '127.0.0.1',
    port: p.port,
    aeTitle: p.printerAe ?? REAL_PRINTER_AE,
    ...p.forward,
  };
  const lines = [
    `aeTitle: ${p.aeTitle}`,
    `name: ${p.aeTitle} (${p.mode} test printer)`,
    ...(p.profileYaml ? [p.profileYaml.trimEnd()] : []),
    'forward:',
    ...Object.entries(forward).map(([k, v]) => `  ${k}: ${v}`),
    ...(p.forwardYaml ? [p.forwardYaml.trimEnd()] : []),
  ];
  writeFileSync(join(dir, `${p.aeTitle.toLowerCase()}.yaml`), `${lines.join('\n')}\n`);
  return dir;
}
