/**
 * Verdicts as JUnit XML, so a CI system shows them as test results: one <testsuite> per
 * association, one <testcase> per rule (passing ones included, so the checks are visible), a
 * <failure> for findings at or above the chosen severity and <system-out> for milder ones.
 */

import { JOB_RULES } from './jobs.js';
import type { ExpectationResult, Finding, Severity, Verdict } from './model.js';
import { RULES } from './rules.js';

/** A test case per rule: the conversation's, then the print jobs'. */
const CASES = [...RULES, ...JOB_RULES];

export interface JunitOptions {
  /** The least severe finding that fails its test case (default 'error'). */
  failOn?: Severity;
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Characters XML 1.0 cannot carry at all (controls, lone surrogates, U+FFFE/FFFF) become U+FFFD. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // In attributes, white space other than a space would be normalized away: keep it as references.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Text for element content (attribute = false) or a quoted attribute value. */
export function xmlEscape(s: string, attribute = false): string {
  const re = attribute ? /[&<>"'\t\n\r]/g : /[&<>"']/g;
  return s.replace(NOT_XML, '\uFFFD').replace(re, (ch) => ENTITIES[ch]!);
}

const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v), true)}"`)
    .join('');

function findingText(f: Finding): string {
  const m = f.message;
  const where = m
    ? `message #${m.index} ${m.type}${m.messageId === undefined ? '' : ` (Message ID ${m.messageId})`}${m.sopClass ? ` ${m.sopClass}` : ''}`
    : 'association';
  const tag = f.tag ? ` ${f.tag}${f.keyword ? ` ${f.keyword}` : ''}` : '';
  const fault = f.fault ? `\n  lab fault: ${f.fault}` : '';
  const note = f.spec.note ? ` (docs/spec/${f.spec.note.replace('#', '.md#')})` : '';
  return `[${f.severity}] ${where}${tag}: ${f.detail}\n  ${f.spec.section}${note}: "${f.spec.quote}"${fault}`;
}

function seconds(v: Verdict): string {
  if (!v.endedAt) return '0';
  return Math.max(0, (Date.parse(v.endedAt) - Date.parse(v.startedAt)) / 1000).toFixed(3);
}

/** One <testsuite> element for a verdict, and how many of its test cases failed. */
function suite(v: Verdict, o: JunitOptions): { xml: string; failures: number } {
  const failOn = RANK[o.failOn ?? 'error'];
  const classname = `lightbox.${v.printer ?? v.calledAeTitle ?? 'unknown'}.${v.callingAeTitle ?? 'unknown'}`;
  let failures = 0;
  const cases = CASES.map((rule) => {
    const found = v.findings.filter((f) => f.rule === rule.id);
    const failing = found.filter((f) => RANK[f.severity] >= failOn);
    const milder = found.filter((f) => RANK[f.severity] < failOn);
    const open = `    <testcase${attrs({ classname, name: `${rule.id}: ${rule.title}`, time: 0 })}`;
    if (found.length === 0) return `${open}/>`;
    const parts: string[] = [];
    if (failing.length > 0) {
      failures++;
      const more = failing.length > 1 ? ` (and ${failing.length - 1} more)` : '';
      const message = `${failing[0]!.detail}${more}`;
      parts.push(
        `      <failure${attrs({ message, type: rule.severity })}>${xmlEscape(failing.map(findingText).join('\n'))}</failure>`,
      );
    }
    if (milder.length > 0)
      parts.push(`      <system-out>${xmlEscape(milder.map(findingText).join('\n'))}</system-out>`);
    return `${open}>\n${parts.join('\n')}\n    </testcase>`;
  });
  const name = `${v.association} ${v.callingAeTitle ?? '?'} -> ${v.calledAeTitle ?? '?'}`;
  const properties: Record<string, string> = {
    association: v.association,
    verdict: v.verdict,
    ending: v.ending,
    complete: String(v.complete),
    capabilities: v.capabilities,
    errors: String(v.counts.error),
    warnings: String(v.counts.warning),
  };
  for (const [k, val] of [
    ['callingAeTitle', v.callingAeTitle],
    ['calledAeTitle', v.calledAeTitle],
    ['printer', v.printer],
  ] as const) {
    if (val !== undefined) properties[k] = val;
  }
  const xml = [
    `  <testsuite${attrs({
      name,
      tests: CASES.length,
      failures,
      errors: 0,
      skipped: 0,
      // JUnit's timestamp is an ISO 8601 date-time without a zone (UTC here).
      timestamp: v.startedAt.slice(0, 19),
      time: seconds(v),
      hostname: 'lightbox',
    })}>`,
    '    <properties>',
    ...Object.entries(properties).map(([k, val]) => `      <property${attrs({ name: k, value: val })}/>`),
    '    </properties>',
    ...cases,
    '  </testsuite>',
  ].join('\n');
  return { xml, failures };
}

/** A JUnit XML document for one association: a <testsuite> root. */
export function renderJunit(v: Verdict, o: JunitOptions = {}): string {
  return `${DECLARATION}${suite(v, o).xml}\n`;
}

/**
 * The scenarios' expectations over the run as one <testsuite>: a <testcase> each, failed when
 * breached at or above failOn, skipped when what it is about never happened.
 */
function expectationSuite(
  results: readonly ExpectationResult[],
  o: JunitOptions,
): { xml: string; failures: number } {
  const failOn = RANK[o.failOn ?? 'error'];
  let failures = 0;
  let skipped = 0;
  const cases = results.map((x) => {
    const open = `    <testcase${attrs({ classname: `lightbox.expectations.${x.scenario ?? 'run'}`, name: `${x.id} ${x.kind}: ${x.description}`, time: 0 })}`;
    const failing = x.findings.filter((f) => RANK[f.severity] >= failOn);
    if (failing.length > 0) {
      failures++;
      const text = failing.map((f) => `association ${f.association}: ${findingText(f)}`).join('\n');
      return `${open}>\n      <failure${attrs({ message: failing[0]!.detail, type: failing[0]!.severity })}>${xmlEscape(text)}</failure>\n    </testcase>`;
    }
    if (x.result === 'not-applicable') {
      skipped++;
      return `${open}>\n      <skipped${attrs({ message: x.detail })}/>\n    </testcase>`;
    }
    return `${open}>\n      <system-out>${xmlEscape(`${x.result}: ${x.detail}`)}</system-out>\n    </testcase>`;
  });
  const head = `  <testsuite${attrs({ name: 'expectations', tests: results.length, failures, errors: 0, skipped, time: 0, hostname: 'lightbox' })}>`;
  return { xml: [head, ...cases, '  </testsuite>'].join('\n'), failures };
}

/**
 * A JUnit XML document for several associations: <testsuites> holding one <testsuite> each, and
 * one for the expectations checked over the run, when there are any.
 */
export function renderJunitAll(
  verdicts: readonly Verdict[],
  o: JunitOptions = {},
  expectations: readonly ExpectationResult[] = [],
): string {
  const suites = verdicts.map((v) => suite(v, o));
  if (expectations.length > 0) suites.push(expectationSuite(expectations, o));
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const tests = verdicts.length * CASES.length + expectations.length;
  const head = `<testsuites${attrs({ name: 'Lightbox conformance', tests, failures, errors: 0 })}>`;
  return `${DECLARATION}${[head, ...suites.map((s) => s.xml), '</testsuites>'].join('\n')}\n`;
}
