/**
 * `lightbox replay` and POST /api/associations/{id}/replay: a recorded association sent again to
 * another printer, its answers compared with the original's and kept in the store.
 */
import type { AssociationSummary } from '../store/association-record.js';
import type { Store } from '../store/store.js';
import { replaySources } from './film-source.js';
import { diffReplay, type ReplayReport } from './replay-diff.js';
import { differenceText } from './replay-junit.js';
import { planFromRecord, type ReplaySources } from './replay-plan.js';
import { type RunOptions, runPlan } from './runner.js';
import type { Target } from './target.js';

export async function replay(
  a: AssociationSummary,
  sources: ReplaySources,
  target: Target,
  o: RunOptions = {},
): Promise<ReplayReport> {
  const plan = planFromRecord(a, sources);
  const run = await runPlan(plan, target, o);
  return diffReplay(plan, run);
}

/** One line for listings: the first difference, or that there was none. */
export function replayOutcome(r: ReplayReport): string {
  if (r.error) return `stopped: ${r.error}`;
  // A status that differs says more than an attribute: it is named first.
  const byStatus = r.rows.find((row) => row.differences.some((d) => d.what === 'status'));
  const first = byStatus ?? r.rows.find((row) => row.differences.length > 0);
  if (!first) return `${r.counts.messages} messages, every answer as the original`;
  const d = first.differences.find((x) => x.what === 'status') ?? first.differences[0]!;
  return `${r.counts.differing} of ${r.counts.messages} messages differ (${r.counts.statusDiffers} in status); first #${first.index} ${first.operation} ${first.sopClassName}: ${differenceText(d)}`;
}

/** Replay an association the store holds (pixels from its films) and keep the report; returns its id. */
export async function replayStored(
  store: Store,
  a: AssociationSummary,
  target: Target,
  o: RunOptions = {},
): Promise<{ id: string; report: ReplayReport }> {
  const films = store.films.byAssociation(a.id).map((f) => f.id);
  const report = await replay(a, replaySources(store.filmFiles, films), target, o);
  const id = store.outbound.add({
    kind: 'replay',
    source: report.source,
    target: report.target,
    associationId: a.id,
    startedAt: report.startedAt,
    endedAt: report.endedAt,
    ok: report.same,
    outcome: replayOutcome(report),
    report,
  });
  return { id, report };
}
