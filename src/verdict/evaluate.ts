/**
 * The conformance verdict of one association: every rule of rules.ts run over its record, each
 * hit made a finding that names the rule, the message, the tag and the spec. Pure, from the
 * record alone, so ended associations can be judged as well as live ones.
 */
import { keywordOf } from '../dicom/dimse/dataset.js';
import { statusHex } from '../dicom/dimse/status.js';
import { sopClassName } from '../dicom/uids.js';
import { tagLabel } from '../print/values.js';
import type { Capabilities } from '../profiles/capabilities.js';
import type { AssociationSummary } from '../store/association-record.js';
import { buildConversation, type Conversation } from './conversation.js';
import type { Finding, Hit, MessageRef, Rule, Verdict } from './model.js';
import { RULES } from './rules.js';

/** Findings kept per rule: a systematic fault in a 100-film job should not drown the report. */
export const MAX_FINDINGS_PER_RULE = 50;

/**
 * Test-lab faults by message index: a request's and its response's (or an event's and its
 * answer's) on both, and at -1 those of the association not tied to any message.
 */
function faultsOf(c: Conversation): Map<number, string> {
  const at = new Map<number, string>();
  const pairs = [...c.exchanges, ...c.events].map(
    (x) => [x.index, x.rspIndex, x.rq.fault, x.rsp?.fault] as const,
  );
  for (const [i, j, ...fired] of pairs) {
    const text = [...new Set(fired.filter((f): f is string => Boolean(f)))].join('; ');
    if (!text) continue;
    at.set(i, text);
    if (j !== undefined) at.set(j, text);
  }
  const onMessages = [...at.values()].join('\n');
  const rest = (c.summary.faults ?? []).filter((f) => !onMessages.includes(f));
  if (rest.length > 0) at.set(-1, rest.join('; '));
  return at;
}

/** Faults that end an association: a drop (A-ABORT, TCP close) or a refusal (A-ASSOCIATE-RJ). */
const ENDING_FAULT = /A-ABORT|TCP close|A-ASSOCIATE-RJ/;
/** Endings a lab fault can cause; an SCU's own A-ABORT or silence is never one. */
const FAULT_ENDINGS: ReadonlySet<string> = new Set(['rejected', 'aborted-by-us', 'transport-closed']);

/** The drop or refuse fault that ended an association, when one did. */
export function endedByFault(summary: AssociationSummary): string | undefined {
  if (!FAULT_ENDINGS.has(summary.ending)) return undefined;
  return (summary.faults ?? []).find((f) => ENDING_FAULT.test(f));
}

/** The message at `index` of a record, as a finding names it. */
export function messageRef(summary: AssociationSummary, index: number): MessageRef | undefined {
  const m = summary.messages[index];
  if (!m) return undefined;
  const ref: MessageRef = { index, type: m.type };
  if (m.messageId !== undefined) ref.messageId = m.messageId;
  if (m.sopClass) ref.sopClass = sopClassName(m.sopClass);
  return ref;
}

/** The fault whose effect a hit is (its text), when an armed fault provoked it. */
export function provokedBy(
  rule: Rule,
  hit: Hit,
  c: Conversation,
  faults: Map<number, string>,
): string | undefined {
  if (rule.provokable === 'ending') return endedByFault(c.summary);
  if (rule.provokable === 'response' && hit.at !== undefined) {
    const fault = faults.get(hit.at);
    const rsp = c.exchanges.find((x) => x.index === hit.at)?.rsp;
    if (fault && rsp?.status !== undefined && fault.includes(`answers ${statusHex(rsp.status)}`))
      return fault;
    // The printer's own state answered (left FAILURE by an earlier fault, queue or disk full).
    if (rsp?.cause) return `printer state: ${rsp.cause}`;
  }
  return undefined;
}

function finding(
  rule: Rule,
  hit: Hit,
  summary: AssociationSummary,
  faults: Map<number, string>,
  provoked?: string,
): Finding {
  const f: Finding = { rule: rule.id, severity: rule.severity, detail: hit.detail, spec: rule.spec };
  const fault = provoked ?? faults.get(hit.at ?? -1);
  if (fault) f.fault = fault;
  // The fault's own effect is not the SCU's doing: on record, never against it.
  if (provoked) f.severity = 'info';
  const m = hit.at === undefined ? undefined : messageRef(summary, hit.at);
  if (m) f.message = m;
  if (hit.tag) {
    f.tag = tagLabel(hit.tag);
    const keyword = keywordOf(hit.tag);
    if (keyword) f.keyword = keyword;
  }
  return f;
}

export function evaluateAssociation(summary: AssociationSummary, caps?: Capabilities): Verdict {
  const c = buildConversation(summary, caps);
  const faults = faultsOf(c);
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const hits = rule.check(c);
    for (const h of hits.slice(0, MAX_FINDINGS_PER_RULE))
      findings.push(finding(rule, h, summary, faults, provokedBy(rule, h, c, faults)));
    if (hits.length > MAX_FINDINGS_PER_RULE) {
      const more = hits.length - MAX_FINDINGS_PER_RULE;
      const rest = hits.slice(MAX_FINDINGS_PER_RULE).map((h) => provokedBy(rule, h, c, faults));
      const f = finding(rule, { detail: `and ${more} more like the above` }, summary, new Map());
      if (rest.every(Boolean)) Object.assign(f, { severity: 'info', fault: rest[0] });
      findings.push(f);
    }
  }
  // In conversation order; association-wide findings (no message) last. The sort is stable.
  const at = (f: Finding) => f.message?.index ?? Number.MAX_SAFE_INTEGER;
  findings.sort((a, b) => at(a) - at(b));
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  const counts = {
    error: count('error'),
    warning: count('warning'),
    info: count('info'),
    messages: summary.messages.length,
    rules: RULES.length,
  };
  const v: Verdict = {
    association: summary.id,
    startedAt: summary.startedAt,
    ending: summary.ending,
    verdict: counts.error > 0 ? 'fail' : 'pass',
    complete: c.ended,
    capabilities: c.capsKnown ? 'printer' : 'default',
    counts,
    findings,
  };
  if (summary.callingAeTitle !== undefined) v.callingAeTitle = summary.callingAeTitle;
  if (summary.calledAeTitle !== undefined) v.calledAeTitle = summary.calledAeTitle;
  if (summary.printer !== undefined) v.printer = summary.printer;
  if (summary.endedAt !== undefined) v.endedAt = summary.endedAt;
  return v;
}
