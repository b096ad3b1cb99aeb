/**
 * A replay report as JUnit XML for CI: one <testsuite> per replay, one <testcase> per message, a
 * <failure> listing what differs from the original answer, <skipped/> for messages the original
 * never answered (nothing to compare against).
 */
import { statusHex } from '../dicom/dimse/status.js';
import { xmlEscape } from '../verdict/junit.js';
import type { Difference, DiffRow, ReplayReport } from './replay-diff.js';

const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v), true)}"`)
    .join('');

export function differenceText(d: Difference): string {
  const what =
    d.what === 'attribute'
      ? `attribute (${d.tag!.slice(0, 4)},${d.tag!.slice(4)})${d.keyword ? ` ${d.keyword}` : ''}`
      : d.what;
  return `${what}: ${d.original ?? ''} -> ${d.replayed ?? ''}`;
}

function caseName(r: DiffRow): string {
  const status = r.original.status === undefined ? '' : ` (original ${statusHex(r.original.status)})`;
  return `#${r.index} ${r.operation} ${r.sopClassName}${status}`;
}

export function replayJunit(report: ReplayReport): string {
  const seconds = Math.max(0, (Date.parse(report.endedAt) - Date.parse(report.startedAt)) / 1000).toFixed(3);
  const classname = `lightbox.replay.${report.target}`;
  const cases = report.rows.map((r) => {
    const head = `<testcase${attrs({ classname, name: caseName(r) })}>`;
    if (r.original.status === undefined && r.differences.length === 0)
      return `${head}<skipped${attrs({ message: 'the original was not answered' })}/></testcase>`;
    if (r.differences.length === 0) return `${head}</testcase>`;
    const text = r.differences.map(differenceText).join('\n');
    const message = r.differences.map((d) => d.what).join(', ');
    return `${head}<failure${attrs({ message, type: 'replay-difference' })}>${xmlEscape(text)}</failure></testcase>`;
  });
  const failures = report.rows.filter((r) => r.differences.length > 0).length;
  const skipped = report.rows.filter(
    (r) => r.original.status === undefined && r.differences.length === 0,
  ).length;
  const errorOut = report.error ? `<system-err>${xmlEscape(report.error)}</system-err>` : '';
  const suite = `<testsuite${attrs({
    name: `replay ${report.source} -> ${report.target}`,
    tests: report.rows.length,
    failures,
    errors: report.error ? 1 : 0,
    skipped,
    time: seconds,
    timestamp: report.startedAt,
  })}>\n${cases.join('\n')}\n${errorOut}</testsuite>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attrs({ name: 'lightbox replay', tests: report.rows.length, failures })}>\n${suite}\n</testsuites>\n`;
}
