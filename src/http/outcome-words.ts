/**
 * What became of a film or a print job in words, for listings and the console: a short label
 * ("not delivered: FILM JAM", "warned: 0xB605") and a sentence saying why, with the warnings named.
 */
import type { FilmSummary } from '../store/film-index.js';
import type { JobView } from '../store/job-log.js';
import type { Outcome } from '../store/outcome.js';
import { type StatusView, statusView } from './describe.js';

export interface OutcomeWords {
  outcome: Outcome;
  /** A few words: what a tile or a row shows. */
  label: string;
  /** Why, in a sentence: what hovering or opening it shows. */
  reason: string;
  warnings: StatusView[];
}

const warningList = (ws: readonly StatusView[]) => ws.map((w) => `0x${w.hex} ${w.name}`).join(', ');

function pending(
  jobStatus: string | undefined,
  render: string | undefined,
): Pick<OutcomeWords, 'label' | 'reason'> {
  if (jobStatus === 'PENDING') return { label: 'queued', reason: 'The print job is queued.' };
  if (jobStatus === 'PRINTING') return { label: 'printing', reason: 'The print job is printing.' };
  if (render === 'pending') return { label: 'rendering', reason: 'Printed; the film is being rendered.' };
  return { label: 'pending', reason: 'Not finished yet.' };
}

function words(
  outcome: Outcome,
  o: { warnings?: number[]; jobStatus?: string; jobStatusInfo?: string; render?: string; error?: string },
  what: 'film' | 'job',
): OutcomeWords {
  const warnings = (o.warnings ?? []).map(statusView);
  const warned = warnings.length > 0 ? ` The SCU was warned: ${warningList(warnings)}.` : '';
  const base = { outcome, warnings };
  switch (outcome) {
    case 'failed': {
      const info = o.jobStatusInfo && o.jobStatusInfo !== 'NORMAL' ? o.jobStatusInfo : 'failure';
      return {
        ...base,
        label: what === 'film' ? `not delivered: ${info}` : `failed: ${info}`,
        reason:
          what === 'film'
            ? `Not delivered: its print job ended in FAILURE (${info}), so this film never came out of the printer.${warned}`
            : `The print job ended in FAILURE (${info}): its films were not delivered.${warned}`,
      };
    }
    case 'render-failed':
      return {
        ...base,
        label: 'render failed',
        reason:
          what === 'film'
            ? `Printed, but Lightbox could not render it${o.error ? `: ${o.error}` : ''}.${warned}`
            : `Printed, but a film of it could not be rendered.${warned}`,
      };
    case 'warned':
      return {
        ...base,
        label: `warned: ${warnings.map((w) => `0x${w.hex}`).join(' ')}`,
        reason: `Delivered, but the SCU was answered with ${warnings.length === 1 ? 'a warning' : 'warnings'}: ${warnings.map((w) => `0x${w.hex} ${w.name} (${w.meaning})`).join('; ')}.`,
      };
    case 'pending':
      return { ...base, ...pending(o.jobStatus, o.render) };
    default:
      return { ...base, label: 'delivered', reason: 'Delivered as asked, with no warning.' };
  }
}

export function filmOutcomeWords(f: FilmSummary): OutcomeWords | undefined {
  if (!f.outcome) return undefined;
  return words(f.outcome, { ...f, render: f.render }, 'film');
}

export function jobOutcomeWords(j: JobView): OutcomeWords | undefined {
  if (!j.outcome) return undefined;
  return words(j.outcome, { warnings: j.warnings, jobStatus: j.status, jobStatusInfo: j.statusInfo }, 'job');
}

/** A listed film or job with `result`: its outcome in words (the codes it replaces left out). */
export type Described<T> = Omit<T, 'warnings' | 'outcome'> & { result?: OutcomeWords };

export function describeFilm<F extends FilmSummary>(f: F): Described<F> {
  const { warnings: _w, outcome: _o, ...rest } = f;
  const result = filmOutcomeWords(f);
  return result ? { ...rest, result } : rest;
}

export function describeJob<J extends JobView>(j: J): Described<J> {
  const { warnings: _w, outcome: _o, ...rest } = j;
  const result = jobOutcomeWords(j);
  return result ? { ...rest, result } : rest;
}
