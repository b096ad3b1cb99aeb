/**
 * Verdicts as JUnit XML: well-formed (our strict reader, and Python's expat when there is one),
 * one test case per rule, failures where findings reach the chosen severity, and everything an
 * SCU could have put in a finding (Error Comment, values) escaped so it reads back unchanged.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { evaluateAssociation } from '../../src/verdict/evaluate.js';
import { JOB_RULES } from '../../src/verdict/jobs.js';
import { renderJunit, renderJunitAll, xmlEscape } from '../../src/verdict/junit.js';
import type { Verdict } from '../../src/verdict/model.js';
import { RULES } from '../../src/verdict/rules.js';

/** JUnit test cases per association: one per rule. */
const CASES = RULES.length + JOB_RULES.length;

import { BOX_2, filmBoxData, imageSet, session, us } from './records.js';
import { all, parseXml } from './xml.js';

const clean = evaluateAssociation(session());
/** An error (0xC605, refused image) and a warning (0xB605, density clamped). */
const failing = evaluateAssociation(
  session({
    filmBox: (r) =>
      r.exchange(
        'N-CREATE',
        Uid.BasicFilmBox,
        { data: filmBoxData({ '20100130': us(400) }) },
        {
          instance: '1.2.826.0.1.3680043.2.1125.2',
          status: 0xb605,
          errorComment: 'Max Density 400 lowered to 320',
          data: {
            '20100510': {
              vr: 'SQ',
              Value: [
                {
                  '00081150': { vr: 'UI', Value: [Uid.BasicGrayscaleImageBox] },
                  '00081155': { vr: 'UI', Value: ['1.2.826.0.1.3680043.2.1125.3'] },
                },
                {
                  '00081150': { vr: 'UI', Value: [Uid.BasicGrayscaleImageBox] },
                  '00081155': { vr: 'UI', Value: [BOX_2] },
                },
              ],
            },
          },
        },
      ),
    image2: (r) =>
      r.exchange(
        'N-SET',
        Uid.BasicGrayscaleImageBox,
        { instance: BOX_2, data: imageSet(2) },
        { status: 0xc605, errorComment: 'printer memory full' },
      ),
  }),
);

const testcase = (suite: ReturnType<typeof parseXml>, rule: string) =>
  all(suite, 'testcase').find((t) => t.attributes.name!.startsWith(`${rule}:`))!;

describe('JUnit XML', () => {
  it('a clean association: one <testsuite>, one passing <testcase> per rule', () => {
    const doc = parseXml(renderJunit(clean));
    expect(doc.name).toBe('testsuite');
    expect(doc.attributes).toMatchObject({
      name: 'a1 MODALITY -> LIGHTBOX',
      tests: String(CASES),
      failures: '0',
      errors: '0',
      timestamp: '2026-05-01T10:00:00',
      time: '2.500',
    });
    const cases = all(doc, 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(
      [...RULES, ...JOB_RULES].map((r) => `${r.id}: ${r.title}`),
    );
    expect(cases.every((c) => c.children.length === 0)).toBe(true);
    expect(cases[0]!.attributes.classname).toBe('lightbox.LIGHTBOX.MODALITY');
    const props = Object.fromEntries(
      all(doc, 'property').map((p) => [p.attributes.name, p.attributes.value]),
    );
    expect(props).toMatchObject({
      verdict: 'pass',
      association: 'a1',
      printer: 'LIGHTBOX',
      ending: 'released',
    });
  });

  it('errors fail their test case with the detail; warnings go to <system-out> unless failOn=warning', () => {
    expect(failing.verdict).toBe('fail');
    const doc = parseXml(renderJunit(failing));
    expect(doc.attributes.failures).toBe('1');
    const failure = testcase(doc, 'status.failure').children.find((c) => c.name === 'failure')!;
    expect(failure.attributes.type).toBe('error');
    expect(failure.attributes.message).toMatch(/answered 0xC605 Insufficient memory .*printer memory full/);
    expect(failure.text).toContain('message #10 N-SET-RQ (Message ID 6) Basic Grayscale Image Box');
    expect(failure.text).toContain(
      'PS3.4 H.4, PS3.7 10.1 (docs/spec/statuses.md#choosing): "the failure is answered and the operation is not carried out"',
    );
    const warning = testcase(doc, 'status.warning');
    expect(warning.children.map((c) => c.name)).toEqual(['system-out']);
    expect(warning.children[0]!.text).toContain('[warning] message #6 N-CREATE-RQ');
    expect(warning.children[0]!.text).toContain('Max Density 400 lowered to 320');

    const strict = parseXml(renderJunit(failing, { failOn: 'warning' }));
    expect(strict.attributes.failures).toBe('2');
    expect(testcase(strict, 'status.warning').children.map((c) => c.name)).toEqual(['failure']);
  });

  it('escapes what an SCU may have sent, and drops what XML cannot carry', () => {
    const nasty = `<img src="x" onerror='y'> & &amp; ]]> \u0001bell\ttab\nline é 𝄞`;
    const v: Verdict = {
      ...failing,
      callingAeTitle: 'A&B<C>"D\'',
      findings: [{ ...failing.findings.find((f) => f.severity === 'error')!, detail: nasty }],
    };
    const xml = renderJunit(v);
    const doc = parseXml(xml);
    const expected = nasty.replace('\u0001', '\uFFFD');
    const failure = all(doc, 'failure')[0]!;
    expect(failure.attributes.message).toBe(expected);
    expect(failure.text).toContain(expected);
    expect(doc.attributes.name).toBe('a1 A&B<C>"D\' -> LIGHTBOX');
    expect(xml).not.toContain('\u0001');
    expect(xmlEscape('a\nb', true)).toBe('a&#10;b');
    expect(xmlEscape('a\nb')).toBe('a\nb');
  });

  it('several associations: <testsuites> with one <testsuite> each and the totals', () => {
    const doc = parseXml(renderJunitAll([clean, failing, { ...failing, association: 'a2' }]));
    expect(doc.name).toBe('testsuites');
    expect(doc.attributes).toMatchObject({ tests: String(3 * CASES), failures: '2', errors: '0' });
    expect(doc.children.map((c) => c.attributes.name)).toEqual([
      'a1 MODALITY -> LIGHTBOX',
      'a1 MODALITY -> LIGHTBOX',
      'a2 MODALITY -> LIGHTBOX',
    ]);
    expect(parseXml(renderJunitAll([])).children).toEqual([]);
  });

  it('the strict reader itself refuses what is not well-formed', () => {
    for (const bad of [
      '<a>',
      '<a></b>',
      '<a b=c/>',
      '<a>&</a>',
      '<a>&nope;</a>',
      '<a b="1" b="2"/>',
      '<a/><b/>',
      '<a>\u0001</a>',
    ])
      expect(() => parseXml(bad), bad).toThrow();
  });
});

/** Python's expat, a real XML parser, when the machine has Python. */
function expatAccepts(xml: string): boolean | undefined {
  try {
    execFileSync(
      'python3',
      ['-c', 'import sys, xml.dom.minidom as m; m.parseString(sys.stdin.buffer.read())'],
      {
        input: xml,
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : false;
  }
}

describe('JUnit XML against expat', () => {
  it('every rendering parses', (ctx) => {
    const docs = [
      renderJunit(clean),
      renderJunit(failing, { failOn: 'info' }),
      renderJunitAll([clean, failing]),
      renderJunit({
        ...failing,
        findings: failing.findings.map((f) => ({ ...f, detail: `${f.detail} <&>"'\u0002` })),
      }),
    ];
    const results = docs.map(expatAccepts);
    if (results.includes(undefined)) ctx.skip();
    expect(results).toEqual(docs.map(() => true));
  });
});

describe('the expectations testsuite', () => {
  it('one test case per expectation: failed when breached, skipped when not applicable, passed otherwise', () => {
    const finding = {
      association: 'a7',
      rule: 'expectation.retry',
      severity: 'error' as const,
      detail:
        'N-ACTION Basic Film Box (0xC602) 0.2 s after the failure it retries; expected no sooner than 5 s',
      spec: { section: 'scenario queue-full', quote: 'retry later' },
    };
    const xml = renderJunitAll([clean], {}, [
      {
        id: 'queue-full#1',
        kind: 'retry',
        description: 'retry later',
        scenario: 'queue-full',
        result: 'unmet',
        triggered: 2,
        detail: '1 breach(es)',
        findings: [finding],
      },
      {
        id: 'queue-full#2',
        kind: 'release-after-failure',
        description: 'release',
        scenario: 'queue-full',
        result: 'met',
        triggered: 1,
        detail: 'kept',
        findings: [],
      },
      {
        id: 'queue-full#3',
        kind: 'answer-events',
        description: 'answer',
        scenario: 'queue-full',
        result: 'not-applicable',
        triggered: 0,
        detail: 'never happened',
        findings: [],
      },
    ]);
    const doc = parseXml(xml);
    expect(doc.attributes).toMatchObject({ tests: String(CASES + 3), failures: '1' });
    const suite = all(doc, 'testsuite').find((s) => s.attributes['name'] === 'expectations')!;
    expect(suite.attributes).toMatchObject({ tests: '3', failures: '1', skipped: '1' });
    const [retry, release, events] = all(suite, 'testcase');
    expect(retry!.attributes['name']).toBe('queue-full#1 retry: retry later');
    expect(all(retry!, 'failure')[0]!.text).toMatch(/^association a7: \[error\] association: N-ACTION/);
    expect(all(release!, 'failure')).toEqual([]);
    expect(all(events!, 'skipped')).toHaveLength(1);
    // No expectations judged: no expectations testsuite.
    expect(parseXml(renderJunitAll([clean], {}, [])).attributes['tests']).toBe(String(CASES));
  });
});
