/**
 * The conformance statement says what the printer does: for the embedded default and every
 * shipped profile it names every SOP class and transfer syntax the printer negotiates, every
 * status the print service can answer on that printer, and every value the attribute checks
 * accept; the table of statuses and the code that answers them name the same statuses; what the
 * statement prints as accepted values is what the checks accept.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/conformance/defaults.js';
import { renderHtml } from '../../src/conformance/html.js';
import { renderMarkdown } from '../../src/conformance/markdown.js';
import { defaultNetworkSettings } from '../../src/conformance/settings.js';
import { conformanceStatement, printerStatusCases } from '../../src/conformance/statement.js';
import { GENERAL_CASES, PRINT_CASES, validationCases } from '../../src/conformance/statuses.js';
import { CommandField } from '../../src/dicom/dimse/command-fields.js';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { keywordOf } from '../../src/dicom/dimse/dataset.js';
import { Status, type StatusName, statusHex } from '../../src/dicom/dimse/status.js';
import { acceptedValues } from '../../src/print/attributes.js';
import { createPrinter, type Printer } from '../../src/print/printer.js';
import { resolveCapabilities } from '../../src/profiles/capabilities.js';
import { DEFAULT_PROFILE } from '../../src/profiles/default-profile.js';
import { loadProfiles } from '../../src/profiles/profile-loader.js';
import { ATTRIBUTE_TABLES, contextMembers } from '../../src/verdict/spec.js';
import { filesUnder } from '../support/files.js';
import { tempStore } from '../support/store.js';

const store = tempStore();
afterAll(() => store.close());
const logger = pino({ level: 'silent' });

/** The embedded default and every shipped profile, as the running printers are built. */
const printers: Printer[] = [
  createPrinter(DEFAULT_PROFILE, '(embedded)', { store, logger }),
  ...loadProfiles('printers')
    .filter((l) => l.source !== '(embedded)')
    .map((l) => createPrinter(l.profile, l.source, { store, logger })),
];

const settings = defaultNetworkSettings();
const documents = printers.map((p) => {
  const st = conformanceStatement({ caps: p.caps, source: p.source, settings });
  return { p, md: renderMarkdown(st), html: renderHtml(st) };
});

/** A value as the statement prints it: a code span in Markdown, <code> in HTML. */
const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
function expectValue(doc: { md: string; html: string }, v: string | number, what: string) {
  expect(doc.md, `${what}: \`${v}\` in Markdown`).toContain(`\`${v}\``);
  expect(doc.html, `${what}: <code>${v}</code> in HTML`).toContain(`<code>${escapeHtml(String(v))}</code>`);
}

it('covers the embedded default and every file in printers/', () => {
  const files = readdirSync('printers').filter((f) => /\.(ya?ml|json)$/.test(f));
  expect(printers.length).toBe(files.length + 1);
});

describe.each(documents.map((d) => [d.p.caps.aeTitle, d] as const))('%s', (_ae, doc) => {
  const c = doc.p.caps;

  it('names every SOP class and abstract syntax the printer negotiates, and its transfer syntaxes', () => {
    const accepted = [...doc.p.accepting.abstractSyntaxes];
    expect(accepted.length).toBeGreaterThan(2);
    const members = contextMembers(c);
    for (const a of accepted) {
      expectValue(doc, a, 'abstract syntax');
      for (const sop of members[a] ?? []) expectValue(doc, sop, `SOP class on ${a}`);
    }
    for (const ts of doc.p.accepting.transferSyntaxes) expectValue(doc, ts, 'transfer syntax');
    // And nothing the printer does not accept is offered as a context.
    for (const uid of Object.keys(contextMembers(resolveCapabilities(DEFAULT_PROFILE))))
      if (!accepted.includes(uid)) expect(doc.md).not.toContain(`| \`${uid}\` | Explicit`);
  });

  it('names every status the print service can answer on this printer, with its code', () => {
    const cases = printerStatusCases(c);
    const names = new Set(cases.map((k) => k.status));
    // Always possible, on any printer: the dispatcher's and the attribute checks'.
    for (const s of [
      'Success',
      'ProcessingFailure',
      'NoSuchSopClass',
      'MissingAttribute',
      'NoSuchSopInstance',
    ])
      expect(names).toContain(s);
    for (const s of names) {
      const row = `\`${statusHex(Status[s].code)}\` ${Status[s].name}`;
      expect(doc.md, row).toContain(row);
      expect(doc.html).toContain(`<code>${statusHex(Status[s].code)}</code> ${escapeHtml(Status[s].name)}`);
    }
    // What the profile decides shows: its oversize behaviour, collation, quirks.
    if (c.decimateCrop.default === 'DEMAGNIFY') expect(names).toContain('ImageDemagnified');
    else expect(names).not.toContain('ImageDemagnified');
    expect(names.has('UnprintedFilmBoxExists')).toBe(c.maxCollatedFilms === 0);
    expect(names.has('RequestedOptionalAttributesNotSupported')).toBe(
      c.quirks.unknownAttributes === 'ignore',
    );
    expect(names.has('AttributeValueOutOfRange')).toBe(c.quirks.unsupportedValues === 'default');
  });

  it('lists every value the printer accepts, and its defaults', () => {
    const lists: [string, readonly (string | number)[]][] = [
      ['film size', c.filmSizes.map((f) => f.id)],
      ['display format', c.displayFormats],
      ['medium type', c.mediumTypes],
      ['film destination', c.filmDestinations],
      ['orientation', c.orientations],
      ['magnification type', c.magnificationTypes],
      ['smoothing type', c.smoothingTypes],
      ['border density', c.borderDensities],
      ['empty image density', c.emptyImageDensities],
      ['resolution', Object.keys(c.resolutions)],
      ['bits stored', c.bitsStored],
      ['polarity', ['NORMAL', 'REVERSE']],
      ['print priority', ['HIGH', 'MED', 'LOW']],
      ['decimate/crop behavior', ['DECIMATE', 'CROP', 'FAIL']],
      ['density range', [c.density.min, c.density.max]],
      ['number of copies', [1, c.maxCopies]],
    ];
    if (c.sopClasses.annotationBox) lists.push(['annotation format', Object.keys(c.annotationFormats)]);
    if (c.sopClasses.presentationLut) lists.push(['presentation LUT shape', ['IDENTITY', 'LIN OD']]);
    for (const [what, values] of lists) for (const v of values) expectValue(doc, v, what);
    // Every list a value check reads, from the tables themselves.
    for (const t of ATTRIBUTE_TABLES) {
      for (const r of t.rules) {
        if (r.supported && !r.supported(c)) continue;
        const a = acceptedValues(r, c);
        if (a?.kind === 'terms')
          for (const v of a.values) expectValue(doc, v, `${t.name} ${keywordOf(r.tag)!}`);
        if (a?.kind === 'integers')
          for (const v of [a.min, a.max]) expectValue(doc, v, `${t.name} ${keywordOf(r.tag)!}`);
      }
    }
    expectValue(doc, c.filmSizes[0]!.id, 'default film size');
    expectValue(doc, c.mediumTypes[0]!, 'default medium');
  });

  it('states its association limits and that it has no TLS (not configured by default)', () => {
    expectValue(doc, settings.maxPduLength, 'max PDU');
    expect(doc.md).toContain(`at most ${settings.maxAssociations} (--max-associations)`);
    expect(doc.md).toMatch(/\| TLS \| not configured: DICOM over plain TCP only/);
    if (c.callingAeTitles.length > 0) for (const ae of c.callingAeTitles) expectValue(doc, ae, 'calling AE');
    else expect(doc.md).toContain('Any calling AE title is accepted.');
  });

  it('renders well-formed HTML and regular Markdown tables', () => {
    expectWellFormed(doc.html);
    expectTablesRegular(doc.md);
    expect(doc.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(doc.html).toContain(`<title>DICOM Conformance Statement: ${escapeHtml(c.name)}</title>`);
  });
});

describe('with DICOM TLS configured', () => {
  const tlsSettings = {
    ...settings,
    tls: { port: 2762, only: false, clientCertificates: 'required' as const },
  };
  const statementOf = (caps: Printer['caps'], s = tlsSettings) =>
    renderMarkdown(conformanceStatement({ caps, source: 'test', settings: s }));

  it('states the BCP 195 profile, its port, versions, suites and the client certificate rule', () => {
    const md = statementOf(resolveCapabilities(DEFAULT_PROFILE));
    expect(md).toMatch(
      /\| TLS \| BCP 195 RFC 8996, 9325 TLS Secure Transport Connection Profile \(PS3\.15 B\.12\) on port 2762/,
    );
    expect(md).toContain('TLS 1.2 and 1.3');
    expect(md).toContain('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(md).toContain('TLS_AES_256_GCM_SHA384');
    expect(md).toContain('a client certificate signed by a --tls-ca CA is required');
    expect(md).toContain('`2762` (--tls-port, DICOM over TLS');
    expect(md).toContain('`11112` (--dicom-port');
    expect(md).toContain('Plain TCP is served too.');
    expect(md).not.toContain('plain TCP (this printer requires TLS)');
  });

  it('a printer that requires TLS states the rejection of plain associations', () => {
    const md = statementOf(resolveCapabilities({ ...DEFAULT_PROFILE, tls: 'required' }));
    expect(md).toMatch(
      /\| the association came over plain TCP \(this printer requires TLS\) \| A-ASSOCIATE-RJ \| 1 \(rejected-permanent\) \| 1 \(service-user\) \| 1 \(no-reason-given\) \|/,
    );
    expect(md).toContain('This printer accepts associations over TLS only.');
  });

  it('--tls-only: no plain port listed', () => {
    const md = statementOf(resolveCapabilities(DEFAULT_PROFILE), {
      ...tlsSettings,
      tls: { ...tlsSettings.tls, only: true },
    });
    expect(md).not.toContain('(--dicom-port');
    expect(md).toContain('No plain TCP port (--tls-only).');
  });
});

describe('the status table and the code', () => {
  /** Every status name the code answers with: string literals that are keys of the status table. */
  function statusesInSource(): Set<string> {
    const skip = ['src/lab/', 'src/conformance/', 'src/verdict/', 'src/dicom/dimse/status.ts'];
    const found = new Set<string>();
    for (const f of filesUnder('src', /\.ts$/)) {
      if (skip.some((s) => f.startsWith(s))) continue;
      for (const [, name] of readFileSync(f, 'utf8').matchAll(/'([A-Za-z]+)'/g))
        if (Object.hasOwn(Status, name!)) found.add(name!);
    }
    return found;
  }
  const allCases = [...GENERAL_CASES, ...PRINT_CASES, ...ATTRIBUTE_TABLES.flatMap(validationCases)];

  it('names exactly the statuses the code answers with', () => {
    const inCode = statusesInSource();
    expect(inCode.size).toBeGreaterThan(20);
    const inTable = new Set(allCases.map((k) => k.status));
    expect(
      [...inCode].filter((s) => !inTable.has(s as StatusName)).sort(),
      'answered, not in the table',
    ).toEqual([]);
    expect([...inTable].filter((s) => !inCode.has(s)).sort(), 'in the table, never answered').toEqual([]);
    for (const s of inTable) expect(Status).toHaveProperty(s);
  });

  it('puts every status where a printer routes: each (SOP class, operation) is an operation of the default printer', () => {
    const p = printers[0]!;
    for (const k of allCases) {
      if (!k.on) continue;
      for (const sop of k.on.sopClasses)
        for (const op of k.on.operations) {
          const field = CommandField[`${op.replace('-', '_')}_RQ` as keyof typeof CommandField];
          expect(p.registry.handler(sop, field), `${k.status} on ${sop} ${op}`).toBeDefined();
        }
    }
  });

  it('every status the default printer can answer appears in its statement', () => {
    const md = documents[0]!.md;
    for (const k of printerStatusCases(printers[0]!.caps))
      expect(md).toContain(`\`${statusHex(Status[k.status].code)}\` ${Status[k.status].name}`);
  });
});

describe('accepted values and the checks agree', () => {
  const value = (tag: string, v: string): DcmDataset => ({ [tag]: { vr: 'CS', Value: [v] } });
  it.each(printers.map((p) => [p.caps.aeTitle, p.caps] as const))('%s', (_ae, c) => {
    let checked = 0;
    for (const t of ATTRIBUTE_TABLES)
      for (const r of t.rules) {
        const a = acceptedValues(r, c);
        if (!a || !r.check) continue;
        const ok = (v: string) => r.check!(value(r.tag, v), r.tag, c);
        switch (a.kind) {
          case 'terms':
            for (const v of a.values) expect(ok(v), `${keywordOf(r.tag)!} ${v}`).toBeUndefined();
            expect(ok('NOT A TERM')).toBeDefined();
            break;
          case 'integers':
          case 'density':
            for (const v of [a.min, a.max])
              expect(ok(String(v)), `${keywordOf(r.tag)!} ${v}`).toBeUndefined();
            expect(ok(String(a.max + 1)), `${keywordOf(r.tag)!} ${a.max + 1}`).toBeDefined();
            // A clamped range: every value of the wider range is valid, the printer's ends included.
            if (a.kind === 'integers' && a.clampedTo)
              for (const v of [a.clampedTo.min - 1, a.clampedTo.max + 1].filter((x) => x >= a.min))
                expect(ok(String(v)), `${keywordOf(r.tag)!} ${v}`).toBeUndefined();
            if (a.kind === 'density')
              for (const v of a.terms) expect(ok(v), `${keywordOf(r.tag)!} ${v}`).toBeUndefined();
            break;
          case 'display-formats':
            for (const f of a.formats.filter((x) => !x.endsWith('*')))
              expect(ok(f), `${keywordOf(r.tag)!} ${f}`).toBeUndefined();
            expect(ok('STANDARD\\99,99')).toBeDefined();
            break;
          case 'size-mm':
            expect(ok(String(a.above))).toBeDefined();
            expect(ok('-5')).toBeDefined();
            for (const v of ['0.5', '100', '5000'])
              expect(ok(v), `${keywordOf(r.tag)!} ${v}`).toBeUndefined();
            break;
          case 'reference':
            break;
        }
        checked++;
      }
    expect(checked).toBeGreaterThan(20);
  });

  it('defaults name attributes of their SOP class', () => {
    for (const [sop, byKeyword] of Object.entries(DEFAULTS)) {
      const keywords = new Set(
        ATTRIBUTE_TABLES.filter((t) => t.sopClass === sop).flatMap((t) =>
          t.rules.map((r) => keywordOf(r.tag)!),
        ),
      );
      for (const k of Object.keys(byKeyword)) expect(keywords, `${sop} ${k}`).toContain(k);
    }
  });
});

// ---------------------------------------------------------------- structure

const VOID = new Set(['meta', 'hr', 'br', 'link', 'img', 'input']);

/** Every element closed in order, no stray < > or & in text, attribute values quoted. */
function expectWellFormed(html: string) {
  const stack: string[] = [];
  // CSS is not markup: its child combinators are not stray brackets.
  const body = html.replace(/^<!doctype html>\n/, '').replace(/(<style>)[^<]*(<\/style>)/, '$1$2');
  for (const m of body.matchAll(/<(\/?)([a-z0-9]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>|[<>]/g)) {
    if (m[2] === undefined)
      throw new Error(`stray "${m[0]}" near ${body.slice(Math.max(0, m.index! - 60), m.index! + 60)}`);
    const [, close, tag] = m;
    if (VOID.has(tag!)) continue;
    if (!close) stack.push(tag!);
    else expect(stack.pop(), `</${tag}> at ${m.index}`).toBe(tag);
  }
  expect(stack).toEqual([]);
  const text = body.replace(/<[^>]*>/g, '');
  expect(text.match(/&(?!(amp|lt|gt|quot|#39);)/g) ?? []).toEqual([]);
}

/** Each table row has as many cells as its header. */
function expectTablesRegular(md: string) {
  const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length - 2;
  let header: number | undefined;
  let tables = 0;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    if (header === undefined) {
      header = cells(line);
      tables++;
    } else expect(cells(line), line).toBe(header);
  }
  expect(tables).toBeGreaterThan(10);
}

describe('rendering', () => {
  it('states a printer’s own TCP port besides --dicom-port', () => {
    const caps = resolveCapabilities({ ...DEFAULT_PROFILE, port: 11113 });
    const md = renderMarkdown(conformanceStatement({ caps, settings }));
    expect(md).toContain(
      'TCP port `11112` (--dicom-port, every printer by called AE title) and `11113` (its own port)',
    );
  });

  it('a printer exporting over C-STORE: the Secondary Capture classes as SCU, and the associations it initiates', () => {
    const plain = renderMarkdown(
      conformanceStatement({ caps: resolveCapabilities(DEFAULT_PROFILE), settings }),
    );
    expect(plain).toContain('It never initiates an association');
    expect(plain).not.toContain('1.2.840.10008.5.1.4.1.1.7.2');
    const caps = resolveCapabilities({
      ...DEFAULT_PROFILE,
      export: [{ name: 'pacs', type: 'c-store', aeTitle: 'PACS', host: 'pacs.lab', port: 104 }],
    });
    const md = renderMarkdown(conformanceStatement({ caps, settings }));
    expect(md).toMatch(
      /\| Multi-frame Grayscale Byte Secondary Capture Image Storage \| `1\.2\.840\.10008\.5\.1\.4\.1\.1\.7\.2` \| Yes \| No \|/,
    );
    expect(md).toContain('one association per film to each C-STORE export target (PACS at pacs.lab:104)');
  });

  it('a printer that forwards: its print SOP classes as SCU too, and the associations it opens to the real printer', () => {
    const row = (md: string, sop: string) =>
      md.split('\n').find((l) => l.startsWith(`| ${sop} |`) && l.endsWith('| Yes |'));
    const plain = renderMarkdown(
      conformanceStatement({ caps: resolveCapabilities(DEFAULT_PROFILE), settings }),
    );
    expect(row(plain, 'Basic Film Box')).toMatch(/\| No \| Yes \|$/);
    const forward = { host: 'dryview.lab', port: 104, aeTitle: 'DRYVIEW' };
    const tee = renderMarkdown(
      conformanceStatement({
        caps: resolveCapabilities({ ...DEFAULT_PROFILE, forward: { mode: 'tee', ...forward } }),
        settings,
      }),
    );
    for (const sop of [
      'Basic Film Session',
      'Basic Film Box',
      'Basic Grayscale Image Box',
      'Printer',
      'Print Job',
    ])
      expect(row(tee, sop), sop).toMatch(/\| Yes \| Yes \|$/);
    expect(row(tee, 'Printer Configuration Retrieval')).toMatch(/\| No \| Yes \|$/);
    expect(tee).toContain('It prints every stored film on to the printer DRYVIEW at dryview.lab:104 as well');
    // "Check now": C-ECHO and N-GET of the Printer, as SCU.
    expect(row(tee, 'Verification')).toMatch(/\| Yes \| Yes \|$/);
    expect(tee).toContain('opens one short association there (calling AE title LIGHTBOX)');
    const proxy = renderMarkdown(
      conformanceStatement({
        caps: resolveCapabilities({
          ...DEFAULT_PROFILE,
          forward: { mode: 'proxy', ...forward, tls: { ca: 'ca.pem' } },
        }),
        settings,
      }),
    );
    expect(row(proxy, 'Printer Configuration Retrieval')).toMatch(/\| Yes \| Yes \|$/);
    expect(row(proxy, 'Verification')).toMatch(/\| Yes \| Yes \|$/);
    expect(proxy).toContain('It is a proxy for the printer DRYVIEW at dryview.lab:104 over DICOM TLS');
  });

  it('puts several statements on one HTML page with ids of their own', () => {
    const html = renderHtml(documents.map((d) => conformanceStatement({ caps: d.p.caps, settings })));
    expectWellFormed(html);
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html.match(/<article /g)).toHaveLength(documents.length);
    // Every contents link leads to a section of the page.
    for (const [, href] of html.matchAll(/href="#([^"]+)"/g)) expect(ids).toContain(href);
  });

  it('escapes what it is given: Markdown and HTML special characters in a profile stay text', () => {
    const caps = resolveCapabilities({
      ...DEFAULT_PROFILE,
      name: 'A <b>bold</b> & *starred* | piped `ticked` printer',
      description: '<script>alert(1)</script>',
    });
    const st = conformanceStatement({ caps, settings });
    const html = renderHtml(st);
    expectWellFormed(html);
    expect(html).not.toContain('<script>');
    expect(html).toContain('A &lt;b&gt;bold&lt;/b&gt; &amp; *starred*');
    const md = renderMarkdown(st);
    expect(md).toContain(
      '# DICOM Conformance Statement: A \\<b\\>bold\\</b\\> & \\*starred\\* \\| piped \\`ticked\\` printer',
    );
    expect(md).toContain('\\<script\\>alert(1)\\</script\\>');
  });
});
