/**
 * The repository stands alone: everything that cites the standard cites a section of the project's
 * own notes (docs/spec), every such citation names an anchor that exists, every quote is in the
 * section it names, and nothing points at a file outside the repository.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNoteHtml } from '../../src/spec/html.js';
import { loadNotes, parseNote, plainText, resolveCitation } from '../../src/spec/notes.js';
import { JOB_RULES } from '../../src/verdict/jobs.js';
import { RULES } from '../../src/verdict/rules.js';
import { bareApp } from '../support/app.js';
import { filesUnder } from '../support/files.js';

const notes = loadNotes('docs/spec');
/** The files a citation may sit in: code, profiles, console, scenarios, docs, README. */
const CITING = [
  ...['src', 'printers', 'web', 'scenarios', 'scripts', 'docs'].flatMap((d) => filesUnder(d)),
  'README.md',
  'Dockerfile',
];

/** `docs/spec/file.md#anchor` and the console's `/spec/file#anchor`, as `file#anchor`. */
function citationsIn(text: string): string[] {
  return [
    ...[...text.matchAll(/docs\/spec\/([a-z][a-z0-9-]*)\.md#([a-z0-9-]+)/g)].map((m) => `${m[1]}#${m[2]}`),
    ...[...text.matchAll(/["'`(]\/spec\/([a-z][a-z0-9-]*)#([a-z0-9-]+)/g)].map((m) => `${m[1]}#${m[2]}`),
  ];
}

describe('the notes', () => {
  it('are there, each section under a unique anchor', () => {
    expect(notes.size).toBeGreaterThanOrEqual(10);
    for (const note of notes.values()) {
      const anchors = note.sections.map((s) => s.anchor);
      expect(new Set(anchors).size, note.name).toBe(anchors.length);
      if (note.name !== 'README') expect(anchors.length, note.name).toBeGreaterThan(0);
    }
  });

  it('link to each other only through anchors that exist', () => {
    for (const note of notes.values()) {
      for (const [, file, anchor] of note.markdown.matchAll(
        /\]\(([a-z-]+|README)?(?:\.md)?(?:#([a-z0-9-]+))?\)/g,
      )) {
        const target = notes.get(file ?? note.name);
        expect(target, `${note.name}: link to ${file}.md`).toBeDefined();
        if (anchor)
          expect(
            target!.sections.map((s) => s.anchor),
            `${note.name}: link to ${file ?? ''}#${anchor}`,
          ).toContain(anchor);
      }
    }
  });

  it('cut a file into sections from anchor to anchor', () => {
    const n = parseNote(
      'x',
      '# X\n\nintro\n<a id="a"></a>\n## A\n\none **two**\n`three`\n<a id="b"></a>\n### B\nfour',
    );
    expect(n.title).toBe('X');
    expect(n.sections.map((s) => [s.anchor, s.heading])).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ]);
    expect(plainText(n.sections[0]!.markdown)).toBe('## A one two three');
    expect(resolveCitation(notes, 'lifecycle#nope')).toBe('no anchor #nope in docs/spec/lifecycle.md');
    expect(resolveCitation(notes, 'nowhere#film-box')).toBe('no note docs/spec/nowhere.md');
  });
});

describe('every verdict rule', () => {
  it.each([...RULES, ...JOB_RULES].map((r) => [r.id, r.spec.note, r.spec.quote]))(
    '%s cites %s and quotes it verbatim',
    (_id, note, quote) => {
      const section = resolveCitation(notes, note);
      expect(section, note).not.toBeTypeOf('string');
      if (typeof section === 'string') return;
      expect(plainText(section.markdown)).toContain(plainText(quote));
    },
  );
});

describe('citations in the repository', () => {
  const cited = CITING.flatMap((file) => citationsIn(readFileSync(file, 'utf8')).map((c) => ({ file, c })));

  it('every docs/spec citation (profiles, code, console, README) resolves to an anchor', () => {
    expect(cited.length).toBeGreaterThan(5);
    const broken = cited
      .map(({ file, c }) => ({ file, c, r: resolveCitation(notes, c) }))
      .filter(({ r }) => typeof r === 'string')
      .map(({ file, r }) => `${file}: ${r}`);
    expect(broken).toEqual([]);
  });

  it('each printer profile says in its header which section of docs/spec/printers.md it rests on', () => {
    for (const file of filesUnder('printers', /\.ya?ml$/)) {
      const header = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('#'))
        .join('\n');
      expect(header, file).toMatch(/docs\/spec\/printers\.md#[a-z0-9-]+/);
    }
  });

  // Built from parts, so this file does not match itself.
  const files = [...CITING, ...filesUnder('test')].filter(
    (f) => f !== 'test/spec/citations.test.ts' && !f.startsWith('test/artifacts'),
  );

  it('nothing names a file outside the repository', () => {
    const outside = new RegExp(['/work', '/|\\.\\./shared/|', 'shared/(spec|design|peers)/'].join(''));
    expect(files.filter((f) => outside.test(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('nothing cites the outside digest by its section numbers', () => {
    const digest = new RegExp(['spec', ' digest'].join(''));
    expect(files.filter((f) => digest.test(readFileSync(f, 'utf8')))).toEqual([]);
  });
});

describe('/spec/:note', () => {
  const app = bareApp();
  beforeAll(() => app.ready());
  afterAll(() => app.close());

  it('serves each note as HTML with its anchors, links between notes rewritten to pages', async () => {
    const r = await app.inject({ url: '/spec/lifecycle' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('<a id="film-box"></a>');
    expect(r.body).toContain('<a href="/spec/statuses#open-situations">statuses</a>');
    expect(r.body).toContain('<title>Object model and lifecycle (PS3.4 H.4) · Lightbox spec notes</title>');
    const table = await app.inject({ url: '/spec/statuses' });
    expect(table.body).toMatch(/<td>0xC616<\/td><td>failure<\/td>/);
    expect((await app.inject({ url: '/spec' })).headers.location).toBe('/spec/README');
  });

  it('a name not among the notes is the JSON 404, never a file read', async () => {
    for (const url of ['/spec/nope', '/spec/..%2Fpackage.json', '/spec/README.txt']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json()).toMatchObject({ error: expect.any(String) });
    }
  });

  it('escapes what is not markup', () => {
    const html = renderNoteHtml(parseNote('x', '# T\n\na <b> & `<i>` [x](javascript:alert(1)) **ok**'));
    expect(html).toContain(
      'a &lt;b&gt; &amp; <code>&lt;i&gt;</code> [x](javascript:alert(1)) <strong>ok</strong>',
    );
  });
});
