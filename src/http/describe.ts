/**
 * Words for numbers, so API readers (and the web console) need no copy of the DICOM tables:
 * a DIMSE status with its name and category, a recorded message with its SOP class name.
 */
import { type StatusCategory, statusByCode, statusCategory, statusHex } from '../dicom/dimse/status.js';
import { uidName } from '../dicom/uids.js';
import type { MessageRecord } from '../store/association-record.js';

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
