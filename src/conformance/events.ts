/**
 * The N-EVENT-REPORTs a printer sends (PS3.4 H.4.6, H.4.7): the event types are the print
 * service's own tables (PRINTER_EVENT, JOB_EVENT); what each carries and when it is sent is
 * written here, after print/print-context.ts.
 */
import { Uid } from '../dicom/uids.js';
import { JOB_EVENT } from '../print/printer-runtime.js';
import type { Capabilities } from '../profiles/capabilities.js';
import { PRINT_BUFF_FULL, PRINTER_EVENT } from '../profiles/printer-status.js';

export interface EventReport {
  sopClass: string;
  /** The instance it is about. */
  instance: string;
  /** Event Type ID -> its name. */
  types: readonly { id: number; name: string }[];
  /** Attributes of the event information: keyword, and when it is there. */
  attributes: readonly { keyword: string; when: string }[];
  /** When it is sent, and on which presentation contexts. */
  when: string;
  /** What the SCU's answer changes. */
  answer: string;
  applies: (c: Capabilities) => boolean;
}

const types = (table: Readonly<Record<string, number>>) =>
  Object.entries(table)
    .map(([name, id]) => ({ id, name }))
    .sort((a, b) => a.id - b.id);

export const EVENT_REPORTS: readonly EventReport[] = [
  {
    sopClass: Uid.Printer,
    instance: Uid.PrinterInstance,
    types: types(PRINTER_EVENT),
    attributes: [
      { keyword: 'PrinterName', when: 'always' },
      { keyword: 'PrinterStatusInfo', when: 'WARNING and FAILURE' },
    ],
    when: `the printer status changes (set over the HTTP API or the web console; FAILURE ${PRINT_BUFF_FULL} while the data volume is below --min-free-space, and back): sent on every open association of this printer that accepted a Print Management Meta or the Printer SOP class, on the first of those contexts`,
    answer: 'none: the printer goes on whatever the SCU answers',
    applies: () => true,
  },
  {
    sopClass: Uid.PrintJob,
    instance: 'the Print Job SOP Instance of the N-ACTION response',
    types: types(JOB_EVENT),
    attributes: [
      { keyword: 'ExecutionStatusInfo', when: 'always' },
      { keyword: 'PrinterName', when: 'always' },
      { keyword: 'FilmSessionLabel', when: 'when the film session has one' },
    ],
    when: 'each state a print job goes through (PENDING, PRINTING, then DONE or FAILURE), on the association that printed it, when that association negotiated the Print Job SOP class; no events once the association has ended (the job goes on)',
    answer:
      'the job moves on once its event is answered (or could not be sent); it is forgotten after its last one',
    applies: (c) => c.sopClasses.printJob,
  },
];
