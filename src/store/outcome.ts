/**
 * What became of a film or a print job, in one word, as SQL over the index so that listings can
 * show it and filter on it a page at a time (no film.json read):
 *
 * - `failed`: the print job ended in FAILURE, so the film was not delivered (a film jam...);
 * - `render-failed`: the printer took it but Lightbox could not render it (or its record is broken);
 * - `warned`: delivered, but the SCU was answered with warnings for it (0xB605, 0xB60A...);
 * - `pending`: queued, printing or still rendering;
 * - `ok`: delivered as asked.
 *
 * The first that holds wins, in this order.
 */
import { statusCategory } from '../dicom/dimse/status.js';

export const OUTCOMES = ['failed', 'render-failed', 'warned', 'pending', 'ok'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The status of a film's print job (in a query FROM films). */
const JOB_STATUS = '(SELECT jobs.status FROM jobs WHERE jobs.uid = films.job_uid)';

/** A film's outcome (in a query FROM films). */
export const FILM_OUTCOME_SQL = `CASE
  WHEN ${JOB_STATUS} = 'FAILURE' THEN 'failed'
  WHEN films.render IN ('failed', 'broken') THEN 'render-failed'
  WHEN coalesce(films.warnings, '[]') <> '[]' THEN 'warned'
  WHEN films.render = 'pending' OR ${JOB_STATUS} IN ('PENDING', 'PRINTING') THEN 'pending'
  ELSE 'ok' END`;

/** What a film listing selects: the row, its job's status and its outcome. */
export const FILM_COLUMNS = `films.*, ${JOB_STATUS} AS job_status,
  (SELECT jobs.status_info FROM jobs WHERE jobs.uid = films.job_uid) AS job_status_info,
  ${FILM_OUTCOME_SQL} AS outcome`;

/** Some film of the job (in a query FROM jobs) for which `cond` holds. */
const anyFilm = (cond: string) => `EXISTS (SELECT 1 FROM films WHERE films.job_uid = jobs.uid AND ${cond})`;

/** A job's outcome (in a query FROM jobs): its films' outcomes, the job's failure first. */
export const JOB_OUTCOME_SQL = `CASE
  WHEN jobs.status = 'FAILURE' THEN 'failed'
  WHEN ${anyFilm("films.render IN ('failed', 'broken')")} THEN 'render-failed'
  WHEN ${anyFilm("coalesce(films.warnings, '[]') <> '[]'")} THEN 'warned'
  WHEN jobs.status IN ('PENDING', 'PRINTING') OR ${anyFilm("films.render = 'pending'")} THEN 'pending'
  ELSE 'ok' END`;

/** What a job listing selects: the row, its outcome and its films' warnings ("[..]|[..]"). */
export const JOB_COLUMNS = `jobs.*, ${JOB_OUTCOME_SQL} AS outcome,
  (SELECT string_agg(films.warnings, '|') FROM films WHERE films.job_uid = jobs.uid) AS film_warnings`;

/** Warning codes kept as JSON ("[46597]"), one list or several joined by "|": distinct, ascending. */
export function parseWarnings(text: string | null): number[] | undefined {
  if (text === null) return undefined;
  const codes = new Set<number>();
  for (const part of text.split('|')) {
    try {
      const list = JSON.parse(part) as unknown;
      if (Array.isArray(list)) for (const c of list) if (Number.isInteger(c)) codes.add(c as number);
    } catch {
      // a row written by hand: no warnings known
    }
  }
  return [...codes].sort((a, b) => a - b);
}

/** The warning statuses among those a film box and its image boxes were answered with (film.json). */
export function filmWarnings(
  filmBox: { statuses?: number[] },
  boxes: readonly { statuses?: number[] }[],
): number[] {
  const codes = new Set<number>();
  for (const list of [filmBox.statuses, ...boxes.map((b) => b.statuses)])
    for (const c of list ?? []) if (statusCategory(c) === 'warning') codes.add(c);
  return [...codes].sort((a, b) => a - b);
}
