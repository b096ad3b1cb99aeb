/**
 * The conformance statement as a document: numbered sections of paragraphs, lists and tables,
 * with code and links inline. The statement builder fills it from the printer's tables; the
 * Markdown and HTML renderers only lay it out, so both say exactly the same.
 */

/** A run of text: plain, `code` (UIDs, tags, values sent on the wire), or a link. */
export type Inline = string | { code: string } | { link: string; text: string };
/** One inline, or several one after the other. */
export type Text = Inline | readonly Inline[];

export type Block =
  | { type: 'paragraph'; text: Text }
  | { type: 'list'; items: readonly Text[] }
  | { type: 'table'; caption?: string; head: readonly string[]; rows: readonly (readonly Text[])[] };

export interface Section {
  /** Anchor, unique in the document. */
  id: string;
  title: string;
  blocks: Block[];
  sections: Section[];
}

export interface Statement {
  title: string;
  /** One line under the title: the printer and where its profile came from. */
  subtitle: string;
  sections: Section[];
}

export const code = (c: string | number): Inline => ({ code: String(c) });

export const paragraph = (...text: (Inline | readonly Inline[])[]): Block => ({
  type: 'paragraph',
  text: text.flatMap((t) => inlines(t)),
});

export const list = (items: readonly Text[]): Block => ({ type: 'list', items });

export const table = (
  head: readonly string[],
  rows: readonly (readonly Text[])[],
  caption?: string,
): Block => (caption === undefined ? { type: 'table', head, rows } : { type: 'table', caption, head, rows });

/** A two-column table of facts: what, and its value. */
export const facts = (
  head: readonly [string, string],
  rows: readonly (readonly [string, Text])[],
  caption?: string,
): Block =>
  table(
    head,
    rows.map(([k, v]) => [k, v]),
    caption,
  );

export function section(id: string, title: string, blocks: Block[], sections: Section[] = []): Section {
  return { id, title, blocks, sections };
}

/** Inlines joined with a separator: `A`, `B`, `C`. */
export function joined(parts: readonly Inline[], separator = ', '): Inline[] {
  return parts.flatMap((p, i) => (i === 0 ? [p] : [separator, p]));
}

export function inlines(t: Text): readonly Inline[] {
  return typeof t === 'string' || !Array.isArray(t) ? [t as Inline] : (t as readonly Inline[]);
}

/** The text without markup, for titles and tests. */
export function plain(t: Text): string {
  return inlines(t)
    .map((i) => (typeof i === 'string' ? i : 'code' in i ? i.code : i.text))
    .join('');
}

/** Section numbers as PS3.2 writes them ("4.2.1"), for each section id. */
export function numbering(sections: readonly Section[], prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  sections.forEach((s, i) => {
    const n = `${prefix}${i + 1}`;
    out.set(s.id, n);
    for (const [k, v] of numbering(s.sections, `${n}.`)) out.set(k, v);
  });
  return out;
}
