/**
 * The answers of a replay against the original answers, message by message: status, Error
 * Comment, and for N-CREATE, N-GET and N-ACTION responses their attributes (UIDs the new SCP
 * created compared through the UID map, so a new Film Box UID is no difference). Pure.
 */
import type { RecordedAttribute } from '../dicom/dimse/dataset.js';
import { statusCategory, statusHex } from '../dicom/dimse/status.js';
import { sopClassName } from '../dicom/uids.js';
import type { Plan } from './plan.js';
import type { RunResult } from './runner.js';

export interface Difference {
  what: 'status' | 'error-comment' | 'attribute' | 'not-sent' | 'not-answered';
  /** For attributes: the tag and keyword. */
  tag?: string;
  keyword?: string;
  original?: string;
  replayed?: string;
}

export interface DiffRow {
  index: number;
  /** The message's position in the original record. */
  recordIndex?: number;
  operation: string;
  sopClass: string;
  sopClassName: string;
  original: { status?: number; errorComment?: string };
  replayed: { status?: number; errorComment?: string; skipped?: string; error?: string };
  differences: Difference[];
  notes: string[];
}

export interface ReplayReport {
  format: 'lightbox-replay/1';
  source: string;
  target: string;
  startedAt: string;
  endedAt: string;
  ending: string;
  error?: string;
  /** True when every answer matched. */
  same: boolean;
  counts: { messages: number; differing: number; statusDiffers: number };
  rows: DiffRow[];
  notes: string[];
  run: RunResult;
}

const COMPARED_ATTRIBUTES: ReadonlySet<string> = new Set(['N-CREATE', 'N-GET', 'N-ACTION']);
const hex = (s: number | undefined) => (s === undefined ? 'none' : statusHex(s));

/**
 * One attribute's values as text, UIDs mapped to the replay's: the Image Box UIDs of a Film Box
 * response are learnt from that very response, so they compare equal when there are as many.
 */
function valueText(a: RecordedAttribute | undefined, uids: Record<string, string>): string | undefined {
  if (!a) return undefined;
  if (a.items)
    return `[${a.items.map((i) => `{${i.map((x) => `${x.keyword ?? x.tag}=${valueText(x, uids)}`).join(', ')}}`).join(', ')}]`;
  const values = (a.value ?? []).map((v) => {
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return a.vr === 'UI' ? (uids[s] ?? s) : s;
  });
  return values.join('\\') + (a.more ? `\\...(${a.more} more)` : '');
}

function attributeDifferences(
  original: readonly RecordedAttribute[] | undefined,
  replayed: readonly RecordedAttribute[] | undefined,
  uids: Record<string, string>,
): Difference[] {
  const out: Difference[] = [];
  const before = new Map((original ?? []).map((a) => [a.tag, a]));
  const after = new Map((replayed ?? []).map((a) => [a.tag, a]));
  const tags = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const tag of tags) {
    const o = before.get(tag);
    const r = after.get(tag);
    const keyword = o?.keyword ?? r?.keyword;
    const ot = valueText(o, uids);
    const rt = valueText(r, {});
    if (ot === rt) continue;
    const d: Difference = { what: 'attribute', tag, original: ot ?? '(absent)', replayed: rt ?? '(absent)' };
    if (keyword) d.keyword = keyword;
    out.push(d);
  }
  return out;
}

export function diffReplay(plan: Plan, run: RunResult): ReplayReport {
  const rows: DiffRow[] = plan.steps.map((step, index) => {
    const got = run.steps[index];
    const o = step.original ?? {};
    const row: DiffRow = {
      index,
      operation: step.operation,
      sopClass: step.sopClassUid,
      sopClassName: sopClassName(step.sopClassUid),
      original: {},
      replayed: {},
      differences: [],
      notes: [...(step.notes ?? [])],
    };
    if (step.recordIndex !== undefined) row.recordIndex = step.recordIndex;
    if (o.status !== undefined) row.original.status = o.status;
    if (o.errorComment !== undefined) row.original.errorComment = o.errorComment;
    if (got?.status !== undefined) row.replayed.status = got.status;
    if (got?.errorComment !== undefined) row.replayed.errorComment = got.errorComment;
    if (got?.skipped) row.replayed.skipped = got.skipped;
    if (got?.error) row.replayed.error = got.error;
    if (!step.original) return row;
    if (got?.status === undefined) {
      row.differences.push({
        what: 'not-sent',
        original: hex(o.status),
        replayed: got?.skipped ?? got?.error ?? 'not sent',
      });
      return row;
    }
    if (o.status !== got.status)
      row.differences.push({ what: 'status', original: hex(o.status), replayed: hex(got.status) });
    if ((o.errorComment ?? '') !== (got.errorComment ?? ''))
      row.differences.push({
        what: 'error-comment',
        original: o.errorComment ?? '(none)',
        replayed: got.errorComment ?? '(none)',
      });
    // Attributes are compared when both answers succeeded: a failure's data set says little.
    const bothAnswered =
      statusCategory(o.status ?? 0) !== 'failure' && statusCategory(got.status) !== 'failure';
    if (COMPARED_ATTRIBUTES.has(step.operation) && bothAnswered)
      row.differences.push(...attributeDifferences(o.attributes, got.attributes, run.uids));
    return row;
  });
  const differing = rows.filter((r) => r.differences.length > 0).length;
  const statusDiffers = rows.filter((r) => r.differences.some((d) => d.what === 'status')).length;
  const report: ReplayReport = {
    format: 'lightbox-replay/1',
    source: plan.source,
    target: run.target,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    ending: run.ending,
    same: differing === 0 && !run.error,
    counts: { messages: rows.length, differing, statusDiffers },
    rows,
    notes: plan.notes,
    run,
  };
  if (run.error) report.error = run.error;
  return report;
}
