/**
 * The project's specification notes (docs/spec/*.md): found next to package.json, cut into the
 * sections their `<a id="...">` anchors open. A citation is `file#anchor` ("lifecycle#film-box");
 * the HTTP API serves each note as a page and a test checks every citation resolves. Pure but for
 * finding and reading the directory.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A note's file name without `.md`: lower case words and dashes, or README. */
export const NOTE_NAME = /^(?:[a-z][a-z0-9-]*|README)$/;
/** The one line that opens a section: an anchor, alone on its line. */
const ANCHOR_LINE = /^<a id="([a-z0-9][a-z0-9-]*)"><\/a>$/;
/** A citation: `file#anchor`. */
export const CITATION = /^([a-z][a-z0-9-]*)#([a-z0-9][a-z0-9-]*)$/;

export interface NoteSection {
  anchor: string;
  /** The heading under the anchor, without its #s. */
  heading: string;
  /** The section's text, anchor to next anchor, markdown as written. */
  markdown: string;
}

export interface Note {
  name: string;
  markdown: string;
  /** The first heading of the file. */
  title: string;
  sections: NoteSection[];
}

export function parseNote(name: string, markdown: string): Note {
  const lines = markdown.split('\n');
  const title = lines.find((l) => /^# /.test(l))?.slice(2) ?? name;
  const sections: NoteSection[] = [];
  let open: { anchor: string; start: number } | undefined;
  const close = (end: number) => {
    if (!open) return;
    const body = lines.slice(open.start + 1, end);
    const heading = body.find((l) => /^#{1,6} /.test(l))?.replace(/^#+ /, '') ?? open.anchor;
    sections.push({ anchor: open.anchor, heading, markdown: body.join('\n') });
  };
  for (const [i, line] of lines.entries()) {
    const m = ANCHOR_LINE.exec(line);
    if (!m) continue;
    close(i);
    open = { anchor: m[1]!, start: i };
  }
  close(lines.length);
  return { name, markdown, title, sections };
}

/** A section's words as a reader sees them: no emphasis or code marks, one space between words. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/\*\*|`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** docs/spec next to package.json, found by walking up from this module (src/ or dist/src/). */
export function findSpecDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'docs', 'spec', 'README.md')) && existsSync(join(dir, 'package.json')))
      return join(dir, 'docs', 'spec');
    dir = dirname(dir);
  }
  return undefined;
}

/** Every note of a directory, by name. */
export function loadNotes(dir: string): Map<string, Note> {
  const notes = new Map<string, Note>();
  for (const file of readdirSync(dir).sort()) {
    const name = file.replace(/\.md$/, '');
    if (name === file || !NOTE_NAME.test(name)) continue;
    notes.set(name, parseNote(name, readFileSync(join(dir, file), 'utf8')));
  }
  return notes;
}

/** The section a citation names, or why it names none. */
export function resolveCitation(notes: ReadonlyMap<string, Note>, citation: string): NoteSection | string {
  const m = CITATION.exec(citation);
  if (!m) return `"${citation}" is not file#anchor`;
  const note = notes.get(m[1]!);
  if (!note) return `no note docs/spec/${m[1]}.md`;
  return note.sections.find((s) => s.anchor === m[2]) ?? `no anchor #${m[2]} in docs/spec/${m[1]}.md`;
}
