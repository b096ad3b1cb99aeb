/** The DIMSE replies the print objects build: success, failure, warnings, and what a table keeps. */
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import { Status, type StatusName } from '../dicom/dimse/status.js';
import { ERROR_COMMENT_MAX } from '../dicom/service/dispatcher.js';
import type { DimseReply, ToldAnswer } from '../dicom/service/service.js';
import type { AttributeRule, Verdict } from './attributes.js';
import type { KeptAnswer } from './model.js';

/** A warning to answer with, and why (-> Error Comment). */
export interface Warning {
  status: StatusName;
  why: string;
}

export function ok(extra: Partial<DimseReply> = {}): DimseReply {
  return { status: 'Success', ...extra };
}

export function fail(status: StatusName, errorComment: string, extra: Partial<DimseReply> = {}): DimseReply {
  return { status, errorComment, ...extra };
}

export function fromVerdict(v: Verdict): DimseReply {
  const r: DimseReply = { status: v.status, errorComment: v.errorComment };
  if (v.attributeIdentifierList) r.attributeIdentifierList = v.attributeIdentifierList;
  if (v.offendingElement) r.offendingElement = v.offendingElement;
  return r;
}

/** The validation warnings of a table, as warnings to answer with. */
export function warningsOf(v: { warnings: readonly Verdict[] }): Warning[] {
  return v.warnings.map((w) => ({ status: w.status, why: w.errorComment }));
}

/** The most specific warning wins; the others are named in Error Comment (docs/spec/statuses.md#choosing). */
export function warningReply(warnings: readonly Warning[], extra: Partial<DimseReply> = {}): DimseReply {
  if (warnings.length === 0) return ok(extra);
  const [first, ...rest] = warnings;
  const comment = [first!.why, ...rest.map((w) => w.why)].join('; ');
  return { status: first!.status, errorComment: comment, ...extra };
}

/**
 * The attributes of ds a table knows. Keys are upper-case hex and ST/LT/UT values whole, as the
 * data set reader produces them.
 */
export function copyOf(ds: DcmDataset, rules: readonly AttributeRule[]): DcmDataset {
  const known = new Set(rules.map((r) => r.tag));
  const out: DcmDataset = {};
  for (const [t, v] of Object.entries(ds)) if (known.has(t)) out[t] = v;
  return out;
}

/**
 * Keep a box's reply in its film (statuses, answers) and follow what the SCU is told in the end: a
 * forced status, or in proxy mode the real printer's answer, with Lightbox's own beside it when it
 * differs (docs/proxy.md).
 */
export function keepAnswer(
  box: { statuses: number[]; answers?: KeptAnswer[] },
  reply: DimseReply,
): DimseReply {
  const own: ToldAnswer = { status: Status[reply.status].code };
  // As the response carries it (at most 64 characters), so it compares with the printer's.
  if (reply.errorComment) own.errorComment = reply.errorComment.slice(0, ERROR_COMMENT_MAX);
  const i = box.statuses.push(own.status) - 1;
  box.answers ??= [];
  const answers = box.answers;
  answers[i] = own;
  reply.told = (got, relayed) => {
    box.statuses[i] = got.status;
    const kept: KeptAnswer = { status: got.status };
    if (got.errorComment) kept.errorComment = got.errorComment;
    const differs = got.status !== own.status || (got.errorComment ?? '') !== (own.errorComment ?? '');
    if (relayed && differs) kept.lightbox = own;
    answers[i] = kept;
  };
  return reply;
}
