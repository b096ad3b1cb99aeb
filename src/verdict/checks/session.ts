/**
 * Checks of the association as a whole: SOP classes on the right presentation context, how it
 * ended, whether our N-EVENT-REPORTs were answered, and every non-success status we returned.
 */
import { type StatusCategory, statusByCode, statusCategory, statusHex } from '../../dicom/dimse/status.js';
import { sopClassName } from '../../dicom/uids.js';
import type { MessageRecord } from '../../store/association-record.js';
import type { Conversation } from '../conversation.js';
import type { Hit } from '../model.js';
import { contextMembers } from '../spec.js';
import { tagHex } from './attributes.js';

/** "0xB605 Min/Max density out of range (The requested density is ...)" */
export function statusText(code: number): string {
  const s = statusByCode(code);
  return s ? `${statusHex(code)} ${s.name} (${s.meaning})` : `${statusHex(code)} (unknown status)`;
}

/** Answers that say the SOP class does not belong where the SCU sent it (PS3.7 C). */
const CONTEXT_STATUSES: ReadonlySet<number> = new Set([0x0118, 0x0119, 0x0122]);

export function contextMismatch(c: Conversation): Hit[] {
  const hits: Hit[] = [];
  const carried = contextMembers(c.caps);
  for (const ex of c.exchanges) {
    const members = ex.context ? carried[ex.context.abstractSyntax] : undefined;
    const cls = ex.rq.sopClass;
    if (cls && members && !members.includes(cls)) {
      hits.push({
        at: ex.index,
        detail: `${ex.operation} of ${sopClassName(cls)} on presentation context ${ex.context!.id} (${sopClassName(ex.context!.abstractSyntax)}), which carries ${members.map(sopClassName).join(', ')}`,
      });
    } else if (ex.rsp && CONTEXT_STATUSES.has(ex.rsp.status ?? 0)) {
      hits.push({
        at: ex.index,
        detail: `Lightbox answered ${statusText(ex.rsp.status!)}${ex.rsp.errorComment ? `: ${ex.rsp.errorComment}` : ''}`,
      });
    }
  }
  return hits;
}

/** How an association may end, and what is wrong with it (undefined: nothing). */
const ENDINGS: Readonly<Record<string, string | undefined>> = {
  released: undefined,
  open: undefined,
  'aborted-by-peer': 'the SCU aborted the association (A-ABORT) instead of releasing it',
  'aborted-by-us': 'Lightbox aborted the association',
  'transport-closed': 'the TCP connection closed without A-RELEASE',
  'artim-expired': 'the association timed out (ARTIM) without a release',
  rejected: 'the association was rejected (A-ASSOCIATE-RJ)',
};

export function notReleased(c: Conversation): Hit[] {
  const { ending, detail } = c.summary;
  const what = Object.hasOwn(ENDINGS, ending) ? ENDINGS[ending] : `the association ended: ${ending}`;
  return what ? [{ detail: detail && detail !== ending ? `${what}: ${detail}` : what }] : [];
}

const eventText = (m: MessageRecord) =>
  `${sopClassName(m.sopClass)} N-EVENT-REPORT (event type ${m.eventTypeId ?? '?'}, message ${m.messageId ?? '?'})`;

export function eventUnanswered(c: Conversation): Hit[] {
  // While the association is open, an answer may still come.
  if (!c.ended) return [];
  return c.events
    .filter((e) => !e.rsp)
    .map((e) => ({ at: e.index, detail: `${eventText(e.rq)} was never answered` }));
}

export function eventFailed(c: Conversation): Hit[] {
  return c.events
    .filter((e) => e.rsp && statusCategory(e.rsp.status ?? 0) === 'failure')
    .map((e) => ({
      at: e.rspIndex!,
      detail: `the SCU answered ${eventText(e.rq)} with ${statusText(e.rsp!.status!)}`,
    }));
}

/** Every response of ours in a status category, with its name, meaning and Error Comment. */
const statuses =
  (category: StatusCategory) =>
  (c: Conversation): Hit[] =>
    c.exchanges.flatMap((ex) => {
      const rsp = ex.rsp;
      if (!rsp || statusCategory(rsp.status ?? 0) !== category) return [];
      const tag = rsp.offendingElement?.[0] ?? rsp.attributeIdentifierList?.[0];
      const comment = rsp.errorComment ? `; Error Comment "${rsp.errorComment}"` : '';
      const hit: Hit = {
        at: ex.index,
        detail: `${ex.operation} ${sopClassName(ex.rq.sopClass)} answered ${statusText(rsp.status!)}${comment}`,
      };
      if (tag !== undefined) hit.tag = tagHex(tag);
      return [hit];
    });

export const failureStatus = statuses('failure');
export const warningStatus = statuses('warning');
