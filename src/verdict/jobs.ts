/**
 * What happened to an association's print jobs once it had asked for them. A job that fails is not
 * the SCU's doing, so its finding is info and the verdict stays as it was; but it is there, so a
 * film jam after the release no longer leaves a clean PASS with no trace of the lost film.
 */
import type { Finding, JobFacts, Rule } from './model.js';

/** Rules about jobs: judged from the job log, not the conversation. */
export const JOB_RULES = [
  {
    id: 'job.failed',
    severity: 'info',
    title: 'Print job ended in FAILURE: its films were not delivered',
    spec: {
      section: 'PS3.4 H.4.5',
      note: 'lifecycle#print-job',
      quote: 'A job whose association has already ended carries on alone and no event reaches the SCU',
    },
  },
] as const satisfies readonly Omit<Rule, 'check' | 'provokable'>[];

export function jobFindings(jobs: readonly JobFacts[]): Finding[] {
  const [rule] = JOB_RULES;
  return jobs
    .filter((j) => j.status === 'FAILURE')
    .map((j) => {
      const why = j.statusInfo && j.statusInfo !== 'NORMAL' ? ` (${j.statusInfo})` : '';
      const films = j.films.length === 1 ? '1 film' : `${j.films.length} films`;
      const when = j.endedAfterRelease
        ? 'after the association was released: no event could tell the SCU'
        : 'while the association was open';
      return {
        rule: rule.id,
        severity: rule.severity,
        detail: `print job ${j.uid} ended in FAILURE${why} ${when}; ${films} not delivered`,
        spec: { ...rule.spec },
      };
    });
}
