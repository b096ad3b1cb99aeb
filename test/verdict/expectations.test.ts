/**
 * Expectations over a run, on hand-built association records (records.ts) with times: each kind
 * met by a careful SCU, breached by a careless one (the finding on the association and message
 * that breached it), and not applicable when what it is about never happened. Then the run
 * verdict: breaches added to their association's verdict, jobs attached, and the schema.
 */
import { describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { resolveExpectation } from '../../src/lab/expectation-schema.js';
import { FaultError } from '../../src/lab/resolve.js';
import { parseScenario } from '../../src/lab/scenarios.js';
import type { AssociationSummary } from '../../src/store/association-record.js';
import type { JobView } from '../../src/store/job-log.js';
import { buildConversation } from '../../src/verdict/conversation.js';
import { evaluateExpectations } from '../../src/verdict/expectations.js';
import type { ExpectationResult } from '../../src/verdict/model.js';
import { evaluateRun } from '../../src/verdict/run.js';
import { BOX_2, FILM_BOX, imageSet, JOB_UID, type Recorder, session } from './records.js';

const T0 = Date.parse('2026-05-01T10:00:00.000Z');
let seq = 0;

/** A record with an id, messages 10 ms apart from `start` (s after T0), ended 10 ms after the last. */
function timed(s: AssociationSummary, start: number, o: { calling?: string } = {}): AssociationSummary {
  const t = T0 + start * 1000;
  s.messages.forEach((m, i) => {
    m.at = t + 10 * (i + 1);
  });
  const out: AssociationSummary = {
    ...s,
    id: `a${++seq}`,
    callingAeTitle: o.calling ?? 'MODALITY',
    startedAt: new Date(t).toISOString(),
  };
  if (s.endedAt) out.endedAt = new Date(t + 10 * (s.messages.length + 1)).toISOString();
  return out;
}

const x = (data: object, id = 'e1') => resolveExpectation(data, id, '', 'test');
function check(
  data: object,
  records: AssociationSummary[],
  jobs: JobView[] = [],
  now = T0 + 3600_000,
): ExpectationResult {
  const conversations = records.map((r) => buildConversation(r));
  return evaluateExpectations([x(data)], { conversations, jobs, now })[0]!;
}

const failedSet = (r: Recorder) =>
  r.exchange('N-SET', Uid.BasicGrayscaleImageBox, { instance: BOX_2, data: imageSet(2) }, { status: 0xc605 });
const refused = (start: number): AssociationSummary =>
  timed(
    {
      ...session(),
      messages: [],
      contexts: [],
      ending: 'rejected',
      detail: 'lab fault',
      faults: ['f1 refuse next association: A-ASSOCIATE-RJ transient'],
    },
    start,
  );
const queueFull = (r: Recorder) =>
  r.exchange('N-ACTION', Uid.BasicFilmBox, { instance: FILM_BOX, actionTypeId: 1 }, { status: 0xc602 });

describe('no-print-after-failed-set', () => {
  const kind = { kind: 'no-print-after-failed-set' };
  it('careless: prints the film box whose image box N-SET failed', () => {
    const r = check(kind, [timed(session({ image2: failedSet }), 0)]);
    expect(r).toMatchObject({ result: 'unmet', triggered: 1 });
    expect(r.findings).toEqual([
      expect.objectContaining({
        rule: 'expectation.no-print-after-failed-set',
        severity: 'error',
        message: expect.objectContaining({ type: 'N-ACTION-RQ', sopClass: 'Basic Film Box' }),
        detail: expect.stringContaining(`image box ${BOX_2}`),
        spec: { section: 'scenario test', quote: expect.stringContaining('not printed') },
      }),
    ]);
  });
  it('careful: sets the image box again (a smaller image) before printing, or does not print', () => {
    const again = (r: Recorder) => {
      failedSet(r);
      CLEAN_IMAGE2(r);
    };
    expect(check(kind, [timed(session({ image2: again }), 0)]).result).toBe('met');
    expect(check(kind, [timed(session({ image2: failedSet, print: null, events: null }), 0)]).result).toBe(
      'met',
    );
  });
  it('not applicable when no N-SET failed', () => {
    expect(check(kind, [timed(session(), 0)])).toMatchObject({ result: 'not-applicable', triggered: 0 });
  });
});
const CLEAN_IMAGE2 = (r: Recorder) =>
  r.exchange('N-SET', Uid.BasicGrayscaleImageBox, { instance: BOX_2, data: imageSet(2) });

describe('retry', () => {
  const onQueueFull = {
    kind: 'retry',
    after: { command: 'N-ACTION', sopClass: ['film box', 'film session'], status: ['0xC602', '0xC601'] },
    notSoonerThan: 5,
    atMost: 2,
  };
  const attempt = (start: number) => timed(session({ print: queueFull, events: null }), start);
  it('careless: a retry storm, new associations 0.2 s apart, more than allowed', () => {
    const r = check(onQueueFull, [attempt(0), attempt(0.2), attempt(0.4), attempt(0.6)]);
    expect(r).toMatchObject({ result: 'unmet', triggered: 4 });
    expect(r.findings.filter((f) => /no sooner than 5 s/.test(f.detail))).toHaveLength(3);
    expect(r.findings.filter((f) => /more than 2 retries/.test(f.detail))).toHaveLength(1);
    expect(new Set(r.findings.map((f) => f.association)).size).toBe(3);
  });
  it('atLeast: giving up at once is a breach, on the failure given up on', () => {
    const r = check({ ...onQueueFull, atLeast: 1 }, [attempt(0)]);
    expect(r).toMatchObject({ result: 'unmet', triggered: 1 });
    expect(r.findings[0]).toMatchObject({
      message: { type: 'N-ACTION-RQ' },
      detail: 'gave up after 0 retries; expected at least 1',
    });
  });
  it('careful: waits, retries once, gives up', () => {
    expect(check(onQueueFull, [attempt(0), attempt(6)])).toMatchObject({ result: 'met', triggered: 2 });
  });
  it('another SCU (calling AE) is not a retry', () => {
    const other = timed(session({ print: queueFull, events: null }), 0.1, { calling: 'OTHER' });
    expect(check(onQueueFull, [attempt(0), other]).result).toBe('met');
  });
  it('after an A-ASSOCIATE-RJ: the next association is the retry', () => {
    const rejected = { kind: 'retry', after: 'rejected', notSoonerThan: 2, atMost: 3 };
    expect(check(rejected, [refused(0), refused(0.05), timed(session(), 0.1)])).toMatchObject({
      result: 'unmet',
      triggered: 2,
    });
    expect(check(rejected, [refused(0), refused(3), timed(session(), 6)]).result).toBe('met');
    expect(check(rejected, [timed(session(), 0)]).result).toBe('not-applicable');
  });
});

describe('hold-while-failed', () => {
  const printerEvent = (type: number) => (r: Recorder) =>
    r.event(Uid.Printer, Uid.PrinterInstance, type, 0, 1);
  it('careless: a new film box on a new association after the Printer FAILURE event', () => {
    const jammed = timed(session({ deleteLut: printerEvent(3) }), 0);
    const r = check({ kind: 'hold-while-failed' }, [jammed, timed(session(), 1)]);
    expect(r).toMatchObject({ result: 'unmet', triggered: 1 });
    expect(r.findings[0]).toMatchObject({ message: { type: 'N-CREATE-RQ', sopClass: 'Basic Film Box' } });
  });
  it('careful: waits for NORMAL', () => {
    const jammed = timed(session({ deleteLut: printerEvent(3) }), 0);
    const normal = timed(
      session({ deleteLut: printerEvent(1) }, (r) => void r),
      0.5,
    );
    normal.messages = normal.messages.filter((m) => m.type.startsWith('N-EVENT'));
    const r = check({ kind: 'hold-while-failed' }, [jammed, normal, timed(session(), 1)]);
    expect(r).toMatchObject({ result: 'met', triggered: 1 });
  });
});

describe('no-duplicate-job', () => {
  const printAgain = (r: Recorder) => {
    r.exchange('N-ACTION', Uid.BasicFilmBox, { instance: FILM_BOX, actionTypeId: 1 });
    r.exchange('N-ACTION', Uid.BasicFilmBox, { instance: FILM_BOX, actionTypeId: 1 });
  };
  it('careless: the same film box printed twice, and the same film again on a new association', () => {
    expect(check({ kind: 'no-duplicate-job' }, [timed(session({ print: printAgain }), 0)])).toMatchObject({
      result: 'unmet',
      triggered: 2,
    });
    const r = check({ kind: 'no-duplicate-job' }, [timed(session(), 0), timed(session(), 5)]);
    expect(r.result).toBe('unmet');
    expect(r.findings[0]!.detail).toMatch(/printed the same film as association/);
  });
  it('careful: once; printing again after the job failed is no duplicate', () => {
    expect(check({ kind: 'no-duplicate-job' }, [timed(session(), 0)])).toMatchObject({ result: 'met' });
    const first = timed(session(), 0);
    const job = { uid: JOB_UID, status: 'FAILURE', associationId: first.id } as JobView;
    expect(check({ kind: 'no-duplicate-job' }, [first, timed(session(), 5)], [job]).result).toBe('met');
  });
});

describe('release-after-failure', () => {
  const within = { kind: 'release-after-failure', within: 5 };
  it('careless: aborts, or stays open', () => {
    const aborted = session({ image2: failedSet, print: null, events: null }, (r) => {
      r.ending = 'aborted-by-peer';
    });
    expect(check(within, [timed(aborted, 0)]).findings[0]!.detail).toMatch(
      /ended aborted-by-peer, not by A-RELEASE/,
    );
    const open = session({ image2: failedSet, print: null, events: null }, (r) => {
      r.ended = false;
    });
    expect(check(within, [timed(open, 0)], [], T0 + 60_000).findings[0]!.detail).toMatch(
      /still open 59\.\d s after N-SET/,
    );
    // Still within the time: no verdict on it yet.
    expect(check(within, [timed(open, 0)], [], T0 + 1000).result).toBe('met');
  });
  it('careful: releases; an association a fault dropped is not judged', () => {
    expect(check(within, [timed(session({ image2: failedSet }), 0)]).result).toBe('met');
    const dropped = session({ image2: failedSet }, (r) => {
      r.ending = 'aborted-by-us';
      r.faults = ['f1 A-ABORT (source 2, reason 0) on next N-ACTION, unanswered'];
    });
    expect(check(within, [timed(dropped, 0)]).result).toBe('not-applicable');
  });
});

describe('answer-events', () => {
  it('an event answered with a failure, or never', () => {
    const bad = session({
      events: (r) => r.event(Uid.PrintJob, JOB_UID, 1, 0x0110).event(Uid.PrintJob, JOB_UID, 3, null),
    });
    const r = check({ kind: 'answer-events' }, [timed(bad, 0)]);
    expect(r).toMatchObject({ result: 'unmet', triggered: 2 });
    expect(r.findings.map((f) => f.detail)).toEqual([
      expect.stringMatching(/answered 0x0110/),
      expect.stringMatching(/never answered/),
    ]);
    expect(check({ kind: 'answer-events' }, [timed(session(), 0)])).toMatchObject({
      result: 'met',
      triggered: 3,
    });
  });
});

describe('the run verdict', () => {
  it('puts each breach on its association, fails the run, keeps the rest; attaches jobs ended after release', () => {
    const careful = timed(session(), 0);
    const careless = timed(session({ image2: failedSet }), 10);
    const jobs: JobView[] = [
      {
        uid: JOB_UID,
        printer: 'LIGHTBOX',
        status: 'FAILURE',
        statusInfo: 'FILM JAM',
        priority: 'MED',
        createdAt: careful.startedAt,
        originator: 'MODALITY',
        associationId: careful.id,
        copies: 1,
        films: ['f1'],
        history: [
          { at: careful.startedAt, status: 'PENDING', info: 'NORMAL' },
          { at: new Date(T0 + 5000).toISOString(), status: 'FAILURE', info: 'FILM JAM' },
        ],
      },
    ];
    const run = evaluateRun([careful, careless], {
      expectations: [x({ kind: 'no-print-after-failed-set' })],
      jobs,
      now: T0 + 60_000,
    });
    expect(run).toMatchObject({ verdict: 'fail', associations: 2 });
    expect(run.expectations).toEqual([expect.objectContaining({ id: 'e1', result: 'unmet', triggered: 1 })]);
    const [a, b] = run.verdicts;
    expect(a).toMatchObject({
      verdict: 'pass',
      jobs: [{ uid: JOB_UID, status: 'FAILURE', statusInfo: 'FILM JAM', endedAfterRelease: true }],
      // The jam after the release leaves a trace: an info finding, the verdict still a pass.
      counts: { error: 0, info: 1 },
      findings: [
        {
          rule: 'job.failed',
          severity: 'info',
          detail: `print job ${JOB_UID} ended in FAILURE (FILM JAM) after the association was released: no event could tell the SCU; 1 film not delivered`,
          spec: { section: 'PS3.4 H.4.5', note: 'lifecycle#print-job' },
        },
      ],
    });
    expect(b!.findings.map((f) => `${f.rule} ${f.severity}`)).toEqual([
      'status.failure error',
      'expectation.no-print-after-failed-set error',
    ]);
    expect(run.counts.error).toBe(2);
  });
});

describe('the schema', () => {
  it('resolves names and codes, and says which key is wrong', () => {
    expect(
      x({
        kind: 'retry',
        after: { command: 'N-ACTION', sopClass: 'film box', status: 'FilmBoxPrintQueueFull' },
        notSoonerThan: 1,
        atMost: 1,
      }),
    ).toMatchObject({
      after: { command: 'N-ACTION', sopClasses: [Uid.BasicFilmBox], statuses: [0xc602] },
      severity: 'error',
      scenario: 'test',
    });
    expect(() => x({ kind: 'retry', notSoonerThan: 1, atMost: 1 })).toThrow(FaultError);
    expect(() => x({ kind: 'nope' })).toThrow(/\/kind: must be one of no-print-after-failed-set, retry/);
    expect(() => x({ kind: 'answer-events', within: -1 })).toThrow(/\/within/);
    expect(() => x({ kind: 'answer-events', extra: 1 })).toThrow(/"extra"/);
    expect(() =>
      x({ kind: 'retry', after: { sopClass: 'film drawer' }, notSoonerThan: 1, atMost: 1 }),
    ).toThrow(/sopClass/);
  });
  it('a scenario file carries expectations; a bad one names the file and key', () => {
    const s = parseScenario(
      'description: d\nfaults: [{ kind: job-failure, info: PRINTER DOWN }]\nexpectations: [{ kind: answer-events, within: 3 }]\n',
      'x.yaml',
    );
    expect(s.expectations).toEqual([
      expect.objectContaining({ id: 'x#1', kind: 'answer-events', within: 3, scenario: 'x' }),
    ]);
    expect(() =>
      parseScenario(
        'description: d\nfaults: [{ kind: job-failure, info: X }]\nexpectations: [{ kind: retry }]\n',
        'y.yaml',
      ),
    ).toThrow(/^y\.yaml: \/expectations\/0: must have required property/);
  });
});
