/**
 * A specification note as one HTML page. The notes use a small, fixed part of Markdown (headings,
 * anchor lines, paragraphs, lists, GitHub tables, fenced code, `code`, **bold**, [links](x)), so
 * this renders exactly that; everything else is text, escaped. Links between notes ("statuses.md#choosing")
 * become links between pages ("/spec/statuses#choosing").
 */
import type { Note } from './notes.js';

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

/** A link target: another note's page, a page anchor, or an outside http(s) address; else none. */
function href(target: string): string | undefined {
  const note = /^([a-z][a-z0-9-]*|README)\.md(#[a-z0-9-]+)?$/.exec(target);
  if (note) return `/spec/${note[1]}${note[2] ?? ''}`;
  if (/^#[a-z0-9-]+$/.test(target) || /^https?:\/\/[^\s"<>]+$/.test(target)) return target;
  return undefined;
}

/** Bold and links in text that holds no code span. */
function marks(s: string): string {
  let out = '';
  let rest = s;
  const link = /\[([^\]]+)\]\(([^)\s]+)\)/;
  for (let m = link.exec(rest); m; m = link.exec(rest)) {
    out += bold(rest.slice(0, m.index));
    const to = href(m[2]!);
    out += to ? `<a href="${escapeHtml(to)}">${bold(m[1]!)}</a>` : bold(m[0]);
    rest = rest.slice(m.index + m[0].length);
  }
  return out + bold(rest);
}

function bold(s: string): string {
  return escapeHtml(s)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/https?:\/\/[^\s&<]+[^\s&<.,;)]/g, (url) => `<a href="${url}">${url}</a>`);
}

export function inline(s: string): string {
  // Code spans first: nothing inside them is markup.
  return s
    .split(/(`[^`]+`)/)
    .map((part) =>
      part.startsWith('`') && part.endsWith('`') && part.length > 1
        ? `<code>${escapeHtml(part.slice(1, -1))}</code>`
        : marks(part),
    )
    .join('');
}

/** Table cells of one row; `\|` is a pipe inside a cell. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

function body(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const anchor = /^<a id="([a-z0-9-]+)"><\/a>$/.exec(line);
    const heading = /^(#{1,4}) (.*)$/.exec(line);
    if (anchor) {
      out.push(`<a id="${anchor[1]}"></a>`);
      i++;
    } else if (heading) {
      const n = heading[1]!.length;
      out.push(`<h${n}>${inline(heading[2]!)}</h${n}>`);
      i++;
    } else if (line.startsWith('```')) {
      const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
      const stop = end < 0 ? lines.length : end;
      out.push(`<pre><code>${escapeHtml(lines.slice(i + 1, stop).join('\n'))}</code></pre>`);
      i = stop + 1;
    } else if (line.startsWith('|')) {
      const rows: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('|')) rows.push(lines[i++]!);
      const [head, , ...rest] = rows;
      out.push(
        '<table>',
        `<thead><tr>${cells(head!)
          .map((c) => `<th>${inline(c)}</th>`)
          .join('')}</tr></thead>`,
        '<tbody>',
        ...rest.map(
          (r) =>
            `<tr>${cells(r)
              .map((c) => `<td>${inline(c)}</td>`)
              .join('')}</tr>`,
        ),
        '</tbody></table>',
      );
    } else if (/^\s*(?:- |\d+\. )/.test(line)) {
      i = list(lines, i, out);
    } else if (line.trim() === '') {
      i++;
    } else {
      const para: string[] = [];
      while (i < lines.length && isText(lines[i]!)) para.push(lines[i++]!.trim());
      out.push(`<p>${inline(para.join(' '))}</p>`);
    }
  }
  return out.join('\n');
}

function isText(l: string): boolean {
  return l.trim() !== '' && !/^(#{1,4} |\||```|<a id=)/.test(l) && !/^\s*(?:- |\d+\. )/.test(l);
}

/** A list starting at line i, nested by indentation; returns the line after it. */
function list(lines: string[], start: number, out: string[]): number {
  const depth: { indent: number; tag: string }[] = [];
  let i = start;
  let item: string[] | undefined;
  const flush = () => {
    if (item) out.push(`<li>${inline(item.join(' '))}`);
    item = undefined;
  };
  while (i < lines.length) {
    const l = lines[i]!;
    const m = /^(\s*)(- |\d+\. )(.*)$/.exec(l);
    if (m) {
      flush();
      const indent = m[1]!.length;
      const tag = m[2] === '- ' ? 'ul' : 'ol';
      while (depth.length > 0 && indent < depth.at(-1)!.indent) out.push(`</li></${depth.pop()!.tag}>`);
      if (depth.length === 0 || indent > depth.at(-1)!.indent) {
        out.push(`<${tag}>`);
        depth.push({ indent, tag });
      } else out.push('</li>');
      item = [m[3]!];
    } else if (l.trim() !== '' && /^\s+/.test(l) && item) item.push(l.trim());
    else break;
    i++;
  }
  flush();
  while (depth.length > 0) out.push(`</li></${depth.pop()!.tag}>`);
  return i;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d232a}
table{border-collapse:collapse;margin:1rem 0;font-size:14px}th,td{border:1px solid #ccd3da;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#eef2f5}code{font:13px ui-monospace,monospace;background:#eef2f5;padding:0 .2rem}pre{background:#eef2f5;padding:.5rem;overflow:auto}
a[id]:target+h2,a[id]:target+h3{background:#fff3bf}nav{font-size:14px;margin-bottom:1rem}`;

/** The page of a note: its sections, each under its anchor, and a way back to the index. */
export function renderNoteHtml(note: Note): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(note.title)} · Lightbox spec notes</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><nav><a href="/spec/README">Specification notes</a> · <a href="/">Console</a></nav>
${body(note.markdown)}
</body></html>
`;
}
