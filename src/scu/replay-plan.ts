/**
 * A recorded association (as the store keeps it, or its conversation.json) turned into a Plan
 * that sends the same requests again: the SCU's requests in order, on the same abstract syntaxes
 * and transfer syntaxes, with their recorded data sets, pixel data from the film files (the
 * record keeps only its size), and the original answers to compare against. Pure.
 */
import type { RecordedAttribute } from '../dicom/dimse/dataset.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import type { AssociationSummary, MessageRecord } from '../store/association-record.js';
import type { Operation, Plan, Step } from './plan.js';
import { DEFAULT_TRANSFER_SYNTAXES, type ProposedContext } from './proposal.js';
import { recordedToDataset } from './recorded-dataset.js';

const OPERATIONS: ReadonlySet<string> = new Set([
  'C-ECHO',
  'N-CREATE',
  'N-SET',
  'N-GET',
  'N-ACTION',
  'N-DELETE',
]);
const IMAGE_SEQUENCES: ReadonlySet<string> = new Set([
  Tag.BasicGrayscaleImageSequence,
  Tag.BasicColorImageSequence,
]);

export interface ReplaySources {
  /** The pixel data an image box N-SET carried, from the film files, by image box UID. */
  pixels?(imageBoxUid: string, bytes: number): Uint8Array | undefined;
  /** A Presentation LUT's whole LUT Data, by the LUT's original UID or by its N-CREATE's index. */
  lutData?(): number[] | undefined;
}

/** The response to a request: the next message of ours with the same Message ID and the -RSP type. */
function responseTo(messages: readonly MessageRecord[], i: number): MessageRecord | undefined {
  const rq = messages[i]!;
  const type = rq.type.replace(/-RQ$/, '-RSP');
  for (let j = i + 1; j < messages.length; j++) {
    const m = messages[j]!;
    if (m.direction === 'out' && m.type === type && m.messageId === rq.messageId) return m;
  }
  return undefined;
}

export function planFromRecord(a: AssociationSummary, sources: ReplaySources = {}): Plan {
  const notes: string[] = [];
  const contexts: ProposedContext[] = [];
  for (const c of a.acceptedContexts) {
    if (contexts.some((p) => p.abstractSyntax === c.abstractSyntax)) continue;
    contexts.push({
      abstractSyntax: c.abstractSyntax,
      transferSyntaxes: [
        c.transferSyntax,
        ...DEFAULT_TRANSFER_SYNTAXES.filter((t) => t !== c.transferSyntax),
      ],
    });
  }
  const refused = a.contexts.filter((c) => c.includes('refused('));
  if (refused.length > 0)
    notes.push(`contexts refused in the original and not proposed: ${refused.join(', ')}`);
  if (contexts.length === 0) contexts.push({ abstractSyntax: Uid.Verification });
  const steps: Step[] = [];
  a.messages.forEach((m, i) => {
    if (m.direction !== 'in' || !m.type.endsWith('-RQ')) return;
    const operation = m.type.replace(/-RQ$/, '');
    if (!OPERATIONS.has(operation)) {
      notes.push(`message #${i} ${m.type}: not an operation a print SCU sends, left out`);
      return;
    }
    const context = a.acceptedContexts.find((c) => c.id === m.contextId)?.abstractSyntax;
    if (!context || !m.sopClass) {
      notes.push(`message #${i} ${m.type}: no accepted context or SOP class recorded, left out`);
      return;
    }
    const rsp = responseTo(a.messages, i);
    const step: Step = {
      operation: operation as Operation,
      sopClassUid: m.sopClass,
      context,
      recordIndex: i,
    };
    if (m.sopInstance) step.instance = m.sopInstance;
    if (m.actionTypeId !== undefined) step.actionTypeId = m.actionTypeId;
    if (m.attributeIdentifierList) step.attributeIdentifierList = m.attributeIdentifierList;
    const stepNotes: string[] = [];
    if (m.datasetBytes > 0) {
      if (m.attributes) step.dataset = recordedToDataset(m.attributes, fillsFor(m, sources), stepNotes);
      else stepNotes.push(`its data set (${m.datasetBytes} bytes) was not recorded; sent without one`);
    }
    if (rsp) {
      step.original = { status: rsp.status };
      if (rsp.errorComment !== undefined) step.original.errorComment = rsp.errorComment;
      if (rsp.attributes) step.original.attributes = rsp.attributes;
      if (rsp.sopInstance) step.original.sopInstance = rsp.sopInstance;
    } else stepNotes.push('the original was not answered');
    if (stepNotes.length > 0) step.notes = stepNotes;
    steps.push(step);
  });
  return {
    source: `association ${a.id}`,
    callingAeTitle: a.callingAeTitle || 'LIGHTBOX',
    contexts,
    steps,
    notes,
  };
}

function fillsFor(m: MessageRecord, sources: ReplaySources) {
  return {
    binary: (path: readonly string[], bytes: number) =>
      path.length === 2 && IMAGE_SEQUENCES.has(path[0]!) && path[1] === Tag.PixelData && m.sopInstance
        ? sources.pixels?.(m.sopInstance, bytes)
        : undefined,
    list: (path: readonly string[], kept: readonly unknown[], more: number) => {
      if (path.at(-1) !== Tag.LUTData) return undefined;
      const whole = sources.lutData?.();
      return whole && whole.length === kept.length + more ? whole : undefined;
    },
  };
}

/**
 * What the SCU asked for when it created a film's session and film box (before the printer's
 * defaults), from the association that printed it: what a tee sends on.
 */
export function requestedAttributes(
  a: AssociationSummary,
  filmBoxUid: string,
): { filmSession?: RecordedAttribute[]; filmBox?: RecordedAttribute[] } {
  const out: { filmSession?: RecordedAttribute[]; filmBox?: RecordedAttribute[] } = {};
  a.messages.forEach((m, i) => {
    if (m.direction !== 'in' || m.type !== 'N-CREATE-RQ') return;
    const rsp = responseTo(a.messages, i);
    if (m.sopClass === Uid.BasicFilmSession && m.attributes) out.filmSession = m.attributes;
    if (m.sopClass === Uid.BasicFilmBox && rsp?.sopInstance === filmBoxUid && m.attributes)
      out.filmBox = m.attributes;
  });
  return out;
}
