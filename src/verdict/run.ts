/**
 * The verdict of a run: every association's verdict, the scenarios' expectations checked over all
 * of them together (their breaches added to the association they are about), and each
 * association's print jobs as they ended, also those that ended after it was released (a film jam,
 * a failed job). Pure: records, jobs, expectations and the time in.
 */
import type { Capabilities } from '../profiles/capabilities.js';
import type { AssociationSummary } from '../store/association-record.js';
import type { JobView } from '../store/job-log.js';
import { buildConversation } from './conversation.js';
import { evaluateAssociation } from './evaluate.js';
import { evaluateExpectations } from './expectations.js';
import { jobFindings } from './jobs.js';
import type { Expectation, ExpectationResult, JobFacts, Severity, Verdict } from './model.js';

export interface RunVerdict {
  verdict: 'pass' | 'fail';
  associations: number;
  counts: { error: number; warning: number; info: number };
  /** Each expectation of the scenarios the run was judged against: met, unmet or not applicable. */
  expectations: ExpectationResult[];
  verdicts: Verdict[];
}

export interface RunOptions {
  caps?: (summary: AssociationSummary) => Capabilities | undefined;
  expectations?: readonly Expectation[];
  jobs?: readonly JobView[];
  now?: number;
}

/** A job as its association's verdict shows it. */
export function jobFacts(j: JobView, summary: AssociationSummary): JobFacts {
  const last = j.history?.at(-1);
  const end = summary.endedAt ? Date.parse(summary.endedAt) : undefined;
  const over = j.status === 'DONE' || j.status === 'FAILURE';
  const f: JobFacts = {
    uid: j.uid,
    status: j.status,
    statusInfo: j.statusInfo,
    films: j.films,
    endedAfterRelease: over && end !== undefined && last !== undefined && Date.parse(last.at) > end,
  };
  if (last) f.at = last.at;
  return f;
}

/** An association's print jobs into its verdict: listed, and a finding for each that failed. */
export function addJobs(v: Verdict, jobs: readonly JobView[], summary: AssociationSummary): Verdict {
  if (jobs.length === 0) return v;
  v.jobs = jobs.map((j) => jobFacts(j, summary));
  v.findings.push(...jobFindings(v.jobs));
  return recount(v);
}

function recount(v: Verdict): Verdict {
  const count = (s: Severity) => v.findings.filter((f) => f.severity === s).length;
  v.counts = { ...v.counts, error: count('error'), warning: count('warning'), info: count('info') };
  v.verdict = v.counts.error > 0 ? 'fail' : 'pass';
  return v;
}

export function evaluateRun(summaries: readonly AssociationSummary[], o: RunOptions = {}): RunVerdict {
  const conversations = summaries.map((s) => buildConversation(s, o.caps?.(s)));
  const verdicts = summaries.map((s) => evaluateAssociation(s, o.caps?.(s)));
  const expectations = evaluateExpectations(o.expectations ?? [], {
    conversations,
    jobs: o.jobs ?? [],
    now: o.now ?? Date.now(),
  });
  const byId = new Map(verdicts.map((v) => [v.association, v]));
  for (const x of expectations) {
    for (const { association, ...f } of x.findings) {
      const v = byId.get(association);
      if (v) v.findings.push(f);
    }
  }
  for (const [i, v] of verdicts.entries()) {
    addJobs(
      v,
      (o.jobs ?? []).filter((j) => j.associationId === v.association),
      summaries[i]!,
    );
    recount(v);
  }
  const sum = (k: Severity) => verdicts.reduce((n, v) => n + v.counts[k], 0);
  return {
    verdict: verdicts.some((v) => v.verdict === 'fail') ? 'fail' : 'pass',
    associations: verdicts.length,
    counts: { error: sum('error'), warning: sum('warning'), info: sum('info') },
    expectations,
    verdicts,
  };
}
