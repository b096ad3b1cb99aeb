/**
 * Words for numbers, so API readers (and the web console) need no copy of the DICOM tables:
 * a DIMSE status with its name and category, a recorded message with its SOP class name.
 */
import { type StatusCategory, statusByCode, statusCategory, statusHex } from '../dicom/dimse/status.js';
import { uidName } from '../dicom/uids.js';
import type { AssociationSummary, MessageRecord } from '../net/dicom-connection.js';

export interface StatusView {
  code: number;
  /** Four upper-case hex digits, e.g. "B605". */
  hex: string;
  name: string;
  meaning: string;
  category: StatusCategory;
}

export function statusView(code: number): StatusView {
  const def = statusByCode(code);
  return {
    code,
    hex: statusHex(code).slice(2),
    name: def?.name ?? 'unknown status',
    meaning: def?.meaning ?? '',
    category: statusCategory(code),
  };
}

export type MessageView = MessageRecord & { sopClassName?: string; statusInfo?: StatusView };

export function messageView(m: MessageRecord): MessageView {
  return {
    ...m,
    ...(m.sopClass ? { sopClassName: uidName(m.sopClass) } : {}),
    ...(m.status === undefined ? {} : { statusInfo: statusView(m.status) }),
  };
}

/** Responses we sent, counted by category: the association list shows what went wrong at a glance. */
export function responseCounts(a: AssociationSummary): { warnings: number; failures: number } {
  let warnings = 0;
  let failures = 0;
  for (const m of a.messages) {
    if (m.direction !== 'out' || m.status === undefined) continue;
    const c = statusCategory(m.status);
    if (c === 'warning') warnings++;
    else if (c === 'failure') failures++;
  }
  return { warnings, failures };
}
