/** A conformance statement as Markdown (CommonMark with GitHub tables). */
import {
  type Block,
  type Inline,
  inlines,
  numbering,
  type Section,
  type Statement,
  type Text,
} from './document.js';

/** Characters Markdown would read as markup, escaped in plain text. */
function escapeText(s: string): string {
  return s.replace(/([\\`*_[\]<>#|~])/g, '\\$1');
}

/** A code span that holds any text: a fence longer than any run of backticks in it. */
function codeSpan(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || s === '' ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

function inline(i: Inline): string {
  if (typeof i === 'string') return escapeText(i);
  if ('code' in i) return codeSpan(i.code);
  return `[${escapeText(i.text)}](${i.link.replace(/[()\s]/g, encodeURIComponent)})`;
}

function text(t: Text): string {
  return inlines(t).map(inline).join('');
}

/** A table cell: one line, and a pipe cannot end the cell (not even in a code span). */
function cell(t: Text): string {
  return text(t)
    .replace(/\r?\n/g, ' ')
    .replace(/(?<!\\)\|/g, '\\|');
}

function block(b: Block): string {
  switch (b.type) {
    case 'paragraph':
      return text(b.text);
    case 'list':
      return b.items.map((i) => `- ${text(i).replace(/\n/g, ' ')}`).join('\n');
    case 'table': {
      const row = (cells: readonly Text[]) => `| ${cells.map(cell).join(' | ')} |`;
      const lines = [
        row(b.head.map((h) => h || ' ')),
        `|${b.head.map(() => '---').join('|')}|`,
        ...b.rows.map(row),
      ];
      return b.caption ? `**${escapeText(b.caption)}**\n\n${lines.join('\n')}` : lines.join('\n');
    }
  }
}

function sectionText(s: Section, depth: number, numbers: Map<string, string>, prefix: string): string {
  const heading = `${'#'.repeat(Math.min(6, depth + 1))} ${numbers.get(s.id)} ${escapeText(s.title)}`;
  return [
    `<a id="${prefix}${s.id}"></a>\n\n${heading}`,
    ...s.blocks.map(block),
    ...s.sections.map((x) => sectionText(x, depth + 1, numbers, prefix)),
  ].join('\n\n');
}

/** One statement; `prefix` goes before every anchor, to tell several statements in one file apart. */
export function renderMarkdown(st: Statement, prefix = ''): string {
  const numbers = numbering(st.sections);
  return `${[
    `# ${escapeText(st.title)}`,
    `_${escapeText(st.subtitle)}_`,
    ...st.sections.map((s) => sectionText(s, 1, numbers, prefix)),
  ].join('\n\n')}\n`;
}
