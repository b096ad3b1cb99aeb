/**
 * Words for numbers, so API readers (and the web console) need no copy of the DICOM tables:
 * a DIMSE status with its name and category, a recorded message with its SOP class name, and
 * the whole vocabulary at once (every status, SOP class and request Lightbox knows).
 */
import {
  Status,
  type StatusCategory,
  type StatusName,
  type StatusScope,
  statusByCode,
  statusCategory,
  statusHex,
  statusScope,
} from '../dicom/dimse/status.js';
import { SOP_CLASS_NAMES, Uid, uidName } from '../dicom/uids.js';
import { DIMSE_COMMANDS } from '../lab/fault-schema.js';
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

export type MessageView = Omit<MessageRecord, 'lightbox'> & {
  sopClassName?: string;
  statusInfo?: StatusView;
  lightbox?: NonNullable<MessageRecord['lightbox']> & { statusInfo: StatusView };
};

export function messageView(m: MessageRecord): MessageView {
  const { lightbox, ...rest } = m;
  return {
    ...rest,
    ...(m.sopClass ? { sopClassName: uidName(m.sopClass) } : {}),
    ...(m.status === undefined ? {} : { statusInfo: statusView(m.status) }),
    // Proxy mode: Lightbox's own answer beside the printer's, in the same words.
    ...(lightbox ? { lightbox: { ...lightbox, statusInfo: statusView(lightbox.status) } } : {}),
  };
}

/** The DICOM words the API and the console use, from the server's own tables. */
export interface Vocabulary {
  /** Every status in the status table (status.ts), in its order. */
  statuses: (StatusView & { key: StatusName; scope: StatusScope })[];
  /** Every SOP class with a name (uids.ts); a meta SOP class is negotiated, never named by a request. */
  sopClasses: { uid: string; key: string; name: string; meta: boolean }[];
  /** The DIMSE requests Lightbox answers: what a fault's `command` may be. */
  requests: readonly string[];
}

const META = new Set<string>([Uid.BasicGrayscalePrintManagementMeta, Uid.BasicColorPrintManagementMeta]);

export function vocabulary(): Vocabulary {
  return {
    statuses: (Object.keys(Status) as StatusName[]).map((key) => ({
      key,
      ...statusView(Status[key].code),
      scope: statusScope(Status[key].code),
    })),
    sopClasses: Object.entries(SOP_CLASS_NAMES).map(([uid, name]) => ({
      uid,
      key: uidName(uid),
      name,
      meta: META.has(uid),
    })),
    requests: DIMSE_COMMANDS,
  };
}
