/**
 * Conformance verdicts over HTTP, what a CI job fetches after running the system under test:
 * one association's (/api/associations/:id/verdict) or recent ones' (/api/verdicts), as JSON or
 * JUnit XML (?format=junit, or Accept: application/xml).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LabControl } from '../../lab/lab.js';
import type { Printer } from '../../print/printer.js';
import type { AssociationSummary } from '../../store/association-record.js';
import { MAX_PAGE_LIMIT } from '../../store/page.js';
import type { Store } from '../../store/store.js';
import { evaluateAssociation } from '../../verdict/evaluate.js';
import { type JunitOptions, renderJunit, renderJunitAll } from '../../verdict/junit.js';
import type { Expectation, Verdict } from '../../verdict/model.js';
import { addJobs, evaluateRun } from '../../verdict/run.js';
import { PAGE_HEADERS, PAGE_QUERY, type PageQuery, pageRequest, sendPage } from '../paging.js';
import { ERROR, LIST_FILTERS, type ListFilters } from '../schemas.js';
import { ASSOCIATION_ID } from './associations.js';

const SEVERITY = { type: 'string', enum: ['error', 'warning', 'info'] } as const;
const SPEC = {
  type: 'object',
  properties: {
    section: { type: 'string', description: 'the section of the standard ("PS3.4 H.4.2")' },
    note: {
      type: 'string',
      description: 'the note in docs/spec that restates it, file#anchor; served at /spec/{file}#{anchor}',
    },
    quote: { type: 'string', description: 'a sentence of that note' },
  },
} as const;

const FINDING = {
  type: 'object',
  properties: {
    rule: { type: 'string' },
    severity: SEVERITY,
    message: {
      type: 'object',
      description: 'the DIMSE message: its index in the association record, type, Message ID, SOP class',
      properties: {
        index: { type: 'integer' },
        type: { type: 'string' },
        messageId: { type: 'integer' },
        sopClass: { type: 'string' },
      },
    },
    tag: { type: 'string', description: 'the offending attribute, "(gggg,eeee)"' },
    keyword: { type: 'string' },
    detail: { type: 'string' },
    spec: SPEC,
    fault: { type: 'string', description: 'the test-lab fault that fired there: the cause was injected' },
  },
} as const;

const JOB = {
  type: 'object',
  description: 'a print job of the association, as it ended (or stands)',
  properties: {
    uid: { type: 'string' },
    status: { type: 'string' },
    statusInfo: { type: 'string' },
    films: { type: 'array', items: { type: 'string' } },
    at: { type: 'string', description: 'when it reached its status' },
    endedAfterRelease: { type: 'boolean', description: 'DONE or FAILURE after the association ended' },
  },
} as const;

const EXPECTATION = {
  type: 'object',
  properties: {
    id: { type: 'string', description: '"<scenario>#<n>"' },
    kind: { type: 'string' },
    description: { type: 'string' },
    scenario: { type: 'string' },
    result: { type: 'string', enum: ['met', 'unmet', 'not-applicable'] },
    triggered: { type: 'integer', description: 'how often what it is about happened in the run' },
    detail: { type: 'string' },
    findings: {
      type: 'array',
      items: { ...FINDING, properties: { ...FINDING.properties, association: { type: 'string' } } },
    },
  },
} as const;

const VERDICT = {
  type: 'object',
  properties: {
    jobs: { type: 'array', items: JOB },
    association: { type: 'string' },
    callingAeTitle: { type: 'string' },
    calledAeTitle: { type: 'string' },
    printer: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' },
    ending: { type: 'string' },
    verdict: { type: 'string', enum: ['pass', 'fail'], description: 'fail when any finding is an error' },
    complete: { type: 'boolean', description: 'false while the association is open' },
    capabilities: { type: 'string', enum: ['printer', 'default'] },
    counts: {
      type: 'object',
      properties: {
        error: { type: 'integer' },
        warning: { type: 'integer' },
        info: { type: 'integer' },
        messages: { type: 'integer' },
        rules: { type: 'integer' },
      },
    },
    findings: { type: 'array', items: FINDING },
  },
} as const;

const VERDICTS = {
  type: 'object',
  properties: {
    verdict: { type: 'string', enum: ['pass', 'fail'] },
    associations: { type: 'integer' },
    counts: {
      type: 'object',
      properties: { error: { type: 'integer' }, warning: { type: 'integer' }, info: { type: 'integer' } },
    },
    expectations: {
      type: 'array',
      items: EXPECTATION,
      description:
        "the expectations of the scenarios judged (?scenario=, else those armed), checked over the run's associations",
    },
    verdicts: { type: 'array', items: VERDICT },
  },
} as const;

const ASSOCIATION_VERDICT = {
  ...VERDICT,
  properties: {
    ...VERDICT.properties,
    expectations: {
      type: 'array',
      items: EXPECTATION,
      description:
        "the expectations of the scenarios judged, over the association's run (its calling AE's associations since the scenarios were armed)",
    },
  },
} as const;
const SCENARIO = {
  type: 'array',
  items: { type: 'string' },
  description:
    "judge against these scenarios' expectations (repeatable or comma-separated); default: the scenarios armed now",
} as const;

const JUNIT = { type: 'string', description: 'JUnit XML' } as const;
const FORMAT = { type: 'string', enum: ['json', 'junit'] } as const;
const FAIL_ON = { ...SEVERITY, description: 'JUnit: the least severe finding that fails a test case' };
const both = (json: object) => ({
  content: { 'application/json': { schema: json }, 'application/xml': { schema: JUNIT } },
});

interface Format {
  format?: 'json' | 'junit';
  failOn?: JunitOptions['failOn'];
  scenario?: string[];
}
interface ListQuery extends Format, PageQuery, ListFilters {}

/** JUnit when asked by ?format=junit, or by an Accept header that names XML and not JSON. */
function wantsJunit(req: FastifyRequest<{ Querystring: Format }>): boolean {
  if (req.query.format) return req.query.format === 'junit';
  const accept = req.headers.accept ?? '';
  return /\b(application|text)\/xml\b/.test(accept) && !/json/.test(accept);
}

/** Verdicts per page by default: what the last 500 associations were, before the store kept them all. */
const VERDICTS_PAGE = Math.min(500, MAX_PAGE_LIMIT);

function sendXml(reply: FastifyReply, xml: string) {
  return reply.type('application/xml; charset=utf-8').send(xml);
}

/** The scenario an armed fault came from, by its source ("scenario queue-full", "start-up scenario ..."). */
const scenarioOf = (source: string) => /\bscenario (\S+)$/.exec(source)?.[1];

/** Scenarios with faults armed now. */
function armedScenarios(lab: LabControl): string[] {
  const names = lab
    .faults()
    .flatMap((p) => p.faults.map((f) => scenarioOf(f.source)))
    .filter((n): n is string => n !== undefined);
  return [...new Set(names)];
}

/** When the earliest armed fault of these scenarios was armed (the start of their run). */
function armedSince(lab: LabControl, names: readonly string[]): string | undefined {
  return lab
    .faults()
    .flatMap((p) => p.faults.filter((f) => names.includes(scenarioOf(f.source) ?? '')).map((f) => f.armedAt))
    .sort()[0];
}

export function verdictRoutes(
  app: FastifyInstance,
  store: Store,
  printers: () => readonly Printer[],
  lab?: LabControl,
): void {
  const capsOf = (a: AssociationSummary) => printers().find((p) => p.caps.aeTitle === a.printer)?.caps;
  const verdictOf = (a: AssociationSummary): Verdict => evaluateAssociation(a, capsOf(a));
  /** The association's print jobs, with their history. */
  const jobsOf = (list: readonly AssociationSummary[]) => {
    const ids = new Set(list.map((a) => a.id));
    const since = list.map((a) => a.startedAt).sort()[0];
    if (since === undefined) return [];
    return store.jobs
      .list({ since }, { limit: MAX_PAGE_LIMIT, order: 'asc' })
      .items.filter((j) => j.associationId !== undefined && ids.has(j.associationId))
      .map((j) => store.jobs.get(j.uid) ?? j);
  };
  const judged = (names: readonly string[] | undefined): string[] =>
    !lab ? [] : names && names.length > 0 ? names.flatMap((n) => n.split(',')) : armedScenarios(lab);
  /** The expectations of the scenarios named, or else of those armed now. */
  const expectationsOf = (names: readonly string[] | undefined): Expectation[] | string => {
    if (!lab) return [];
    const all = lab.scenarios();
    const wanted = judged(names);
    const unknown = wanted.filter((n) => !all.some((s) => s.name === n));
    if (unknown.length > 0) return `no scenario ${unknown.join(', ')}`;
    return all.filter((s) => wanted.includes(s.name)).flatMap((s) => s.expectations);
  };
  /**
   * One association's verdict, with the expectations judged over its run: the same calling AE's
   * associations to the same printer since the scenarios were armed (or since it began), later
   * ones included (a retry comes after the failure).
   */
  const associationVerdict = (
    a: AssociationSummary,
    names: readonly string[] | undefined,
  ): Verdict | string => {
    const expectations = expectationsOf(names);
    if (typeof expectations === 'string') return expectations;
    if (expectations.length === 0 || !lab) {
      return addJobs(verdictOf(a), jobsOf([a]), a);
    }
    const since = [armedSince(lab, judged(names)) ?? a.startedAt, a.startedAt].sort()[0];
    const run = store.associations.records(
      { printer: a.printer, callingAe: a.callingAeTitle, since, associated: true },
      { limit: MAX_PAGE_LIMIT, order: 'asc' },
    ).items;
    if (!run.some((x) => x.id === a.id)) run.push(a);
    const r = evaluateRun(run, { caps: capsOf, expectations, jobs: jobsOf(run) });
    const v = r.verdicts.find((x) => x.association === a.id)!;
    v.expectations = r.expectations;
    return v;
  };

  app.get<{ Params: { id: string }; Querystring: Format }>(
    '/api/associations/:id/verdict',
    {
      schema: {
        description: 'The conformance verdict of one association: findings with rule, message, tag and spec',
        params: ASSOCIATION_ID,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: FORMAT, failOn: FAIL_ON, scenario: SCENARIO },
        },
        response: { 200: both(ASSOCIATION_VERDICT), 400: ERROR, 404: ERROR },
      },
    },
    async (req, reply) => {
      const a = store.associations.get(req.params.id);
      if (!a) return reply.code(404).send({ error: `no association ${req.params.id}` });
      const v = associationVerdict(a, req.query.scenario);
      if (typeof v === 'string') return reply.code(400).send({ error: v });
      return wantsJunit(req) ? sendXml(reply, renderJunit(v, { failOn: req.query.failOn })) : v;
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/api/verdicts',
    {
      schema: {
        description:
          'Verdicts of associations (those that sent an A-ASSOCIATE-RQ), oldest first, up to `limit` (default 500) a page; fail when any fails',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...LIST_FILTERS,
            scenario: SCENARIO,
            format: FORMAT,
            failOn: FAIL_ON,
            ...PAGE_QUERY,
            limit: { ...PAGE_QUERY.limit, default: VERDICTS_PAGE },
          },
        },
        response: { 200: { ...both(VERDICTS), headers: PAGE_HEADERS }, 400: ERROR },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const page = store.associations.records(
        { printer: q.printer, callingAe: q.callingAe, since: q.since, associated: true },
        pageRequest(q),
      );
      const expectations = expectationsOf(q.scenario);
      if (typeof expectations === 'string') return reply.code(400).send({ error: expectations });
      const summaries = sendPage(req, reply, page);
      const run = evaluateRun(summaries, { caps: capsOf, expectations, jobs: jobsOf(summaries) });
      if (wantsJunit(req))
        return sendXml(reply, renderJunitAll(run.verdicts, { failOn: q.failOn }, run.expectations));
      return run;
    },
  );
}
