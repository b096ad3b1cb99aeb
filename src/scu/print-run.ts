/**
 * A print sent to a printer on request (a stored film, a QA test pattern): judged, kept as an
 * outbound run with every answer (GET /api/outbound), and shown one line per message on a terminal.
 * The HTTP routes and the commands share it, so both record the same thing.
 */
import { statusHex } from '../dicom/dimse/status.js';
import { sopClassName } from '../dicom/uids.js';
import type { Store } from '../store/store.js';
import { judge } from './forwarder.js';
import type { RunResult } from './runner.js';

export interface KeptPrint {
  /** The outbound run's id (o12). */
  id: string;
  /** The printer printed it: no failure status, N-ACTION answered. */
  ok: boolean;
  outcome: string;
}

export function keepPrintRun(
  store: Store,
  run: RunResult,
  about: { source: string; filmId?: string; associationId?: string },
): KeptPrint {
  const verdict = judge(run);
  const ok = verdict.result === 'done';
  const id = store.outbound.add({
    kind: 'print',
    source: about.source,
    target: run.target,
    ...(about.filmId ? { filmId: about.filmId } : {}),
    ...(about.associationId ? { associationId: about.associationId } : {}),
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    ok,
    outcome: verdict.detail,
    report: run,
  });
  return { id, ok, outcome: verdict.detail };
}

/** "film X to HOST:PORT:AE: printed: N-ACTION 0x0000 (kept as o3)" and a line per request. */
export function printRunText(run: RunResult, kept: KeptPrint): string {
  const lines = [`${run.source} to ${run.target}: ${kept.outcome} (kept as ${kept.id})`];
  for (const s of run.steps)
    lines.push(
      `  #${String(s.index).padStart(3)} ${s.operation.padEnd(8)} ${sopClassName(s.sopClassUid).padEnd(26)} ${s.status === undefined ? (s.skipped ?? s.error ?? '') : statusHex(s.status)}${s.errorComment ? ` ${s.errorComment}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}
