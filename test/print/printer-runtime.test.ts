/** Print jobs through a printer's states: which FAILUREs stop the jobs it holds. */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { PrintJob } from '../../src/print/model.js';
import { PrinterRuntime } from '../../src/print/printer-runtime.js';
import { resolveCapabilities } from '../../src/profiles/capabilities.js';
import { DEFAULT_PROFILE } from '../../src/profiles/default-profile.js';
import { haltsPrinting } from '../../src/profiles/printer-status.js';
import { tempStore } from '../support/store.js';

const store = tempStore();
afterAll(() => store.close());

function printer(): PrinterRuntime {
  const p = new PrinterRuntime(resolveCapabilities(DEFAULT_PROFILE), store, pino({ level: 'silent' }));
  p.lab = {
    timing: () => ({ pendingMs: 50, msPerFilm: 50 }),
    failure: () => undefined,
    reported: () => undefined,
  };
  return p;
}

async function submitted(p: PrinterRuntime): Promise<PrintJob> {
  return p.submit(
    { priority: 'MED', originator: 'CT1', copies: 1 },
    { filmCount: 1, spool: async () => [] },
    { changed: async () => undefined },
  );
}

describe('a printer in FAILURE', () => {
  it.each([
    ['FAILURE', 'FILM JAM', true],
    ['FAILURE', 'PRINT BUFF FULL', false],
    ['WARNING', 'SUPPLY LOW', false],
    ['NORMAL', 'NORMAL', false],
  ] as const)('%s %s halts printing: %s', (status, info, halts) => {
    expect(haltsPrinting(status, info)).toBe(halts);
  });

  it('with a full buffer (disk) still prints the jobs it holds; a jam fails them', async () => {
    const full = printer();
    const job = await submitted(full);
    full.setStatus('FAILURE', 'PRINT BUFF FULL');
    await expect.poll(() => store.jobs.get(job.uid)?.status, { timeout: 5000 }).toBe('DONE');

    const jammed = printer();
    const other = await submitted(jammed);
    jammed.setStatus('FAILURE', 'FILM JAM');
    await expect.poll(() => store.jobs.get(other.uid)?.status, { timeout: 5000 }).toBe('FAILURE');
    expect(store.jobs.get(other.uid)?.statusInfo).toBe('FILM JAM');
  });
});
