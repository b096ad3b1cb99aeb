/** A conformance statement as one self-contained HTML page (inline CSS, no script). */
import {
  type Block,
  type Inline,
  inlines,
  numbering,
  type Section,
  type Statement,
  type Text,
} from './document.js';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

function inline(i: Inline): string {
  if (typeof i === 'string') return escapeHtml(i);
  if ('code' in i) return `<code>${escapeHtml(i.code)}</code>`;
  return `<a href="${escapeHtml(i.link)}">${escapeHtml(i.text)}</a>`;
}

function text(t: Text): string {
  return inlines(t).map(inline).join('');
}

function block(b: Block): string {
  switch (b.type) {
    case 'paragraph':
      return `<p>${text(b.text)}</p>`;
    case 'list':
      return `<ul>\n${b.items.map((i) => `<li>${text(i)}</li>`).join('\n')}\n</ul>`;
    case 'table': {
      const caption = b.caption ? `<caption>${escapeHtml(b.caption)}</caption>\n` : '';
      const head = b.head.every((h) => h === '')
        ? ''
        : `<thead><tr>${b.head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>\n`;
      const rows = b.rows.map((r) => `<tr>${r.map((c) => `<td>${text(c)}</td>`).join('')}</tr>`).join('\n');
      return `<div class="table"><table>\n${caption}${head}<tbody>\n${rows}\n</tbody>\n</table></div>`;
    }
  }
}

function sectionHtml(s: Section, depth: number, numbers: Map<string, string>, prefix: string): string {
  const h = `h${Math.min(6, depth + 1)}`;
  return [
    `<section id="${escapeHtml(prefix + s.id)}">`,
    `<${h}><span class="number">${numbers.get(s.id)}</span> ${escapeHtml(s.title)}</${h}>`,
    ...s.blocks.map(block),
    ...s.sections.map((x) => sectionHtml(x, depth + 1, numbers, prefix)),
    '</section>',
  ].join('\n');
}

function contents(
  sections: readonly Section[],
  numbers: Map<string, string>,
  prefix: string,
  depth = 1,
): string {
  if (sections.length === 0 || depth > 3) return '';
  const items = sections.map(
    (s) =>
      `<li><a href="#${escapeHtml(prefix + s.id)}">${numbers.get(s.id)} ${escapeHtml(s.title)}</a>${contents(s.sections, numbers, prefix, depth + 1)}</li>`,
  );
  return `<ol>${items.join('')}</ol>`;
}

const CSS = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2329; margin: 0 auto; max-width: 78rem; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { border-bottom: 1px solid #d4d9de; padding-bottom: .2rem; margin-top: 2.4rem; }
h3, h4, h5, h6 { margin-top: 1.8rem; }
h5 { font-size: 1.05rem; }
.number { color: #6a737d; margin-right: .3rem; }
.subtitle { color: #56606a; margin-top: 0; }
nav ol { list-style: none; padding-left: 1.1rem; margin: .2rem 0; }
nav > ol { padding-left: 0; }
nav a { text-decoration: none; }
.table { overflow-x: auto; margin: .8rem 0 1.2rem; }
table { border-collapse: collapse; font-size: .88rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #d4d9de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f7; }
tbody tr:nth-child(even) td { background: #fafbfc; }
code { font: .85em/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #f0f2f4; border-radius: 3px; padding: 0 .2em; white-space: nowrap; }
@media print { body { max-width: none; padding: 0; } nav { display: none; } .table { overflow: visible; } }
`.trim();

/** The body of one statement: its title, contents and sections (ids prefixed, to tell statements apart). */
function statementHtml(st: Statement, prefix: string): string {
  const numbers = numbering(st.sections);
  return [
    '<article class="conformance-statement">',
    `<h1>${escapeHtml(st.title)}</h1>`,
    `<p class="subtitle">${escapeHtml(st.subtitle)}</p>`,
    `<nav aria-label="Contents"><h2>Contents</h2>${contents(st.sections, numbers, prefix)}</nav>`,
    ...st.sections.map((s) => sectionHtml(s, 1, numbers, prefix)),
    '</article>',
  ].join('\n');
}

/** One HTML page holding one statement, or several (one per printer) one after the other. */
export function renderHtml(statements: Statement | readonly Statement[]): string {
  const all = Array.isArray(statements) ? (statements as readonly Statement[]) : [statements as Statement];
  const title = all.length === 1 ? all[0]!.title : 'DICOM Conformance Statements';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${CSS}\n</style>`,
    '</head>',
    '<body>',
    all.map((st, i) => statementHtml(st, all.length === 1 ? '' : `s${i + 1}-`)).join('\n<hr>\n'),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
