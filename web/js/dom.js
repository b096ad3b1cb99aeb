/** Small DOM and formatting helpers shared by the views. */

/**
 * Build an element: h('a', { href: '#/x', class: 'btn', dataset: { box: 1 }, onclick }, 'text', child).
 * Attributes set to null, undefined or false are left out, dataset entries set to null or undefined
 * too; children may be strings, nodes or arrays.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements (they need their namespace). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v))
        if (dv !== null && dv !== undefined) el.dataset[dk] = String(dv);
    } else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace everything inside el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** "14:03:07" today, else "2026-05-01 14:03". */
export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  const pad = (n) => String(n).padStart(2, '0');
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return today ? hms : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hms.slice(0, 5)}`;
}

/** 1234567 -> "1.2 MB". */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** A DIMSE status from the API ({hex, name, category}) as a badge: "B605 Min/Max density out of range". */
export function statusBadge(s, { short = false } = {}) {
  if (!s) return h('span', { class: 'badge unknown' }, 'not recorded');
  return h(
    'span',
    { class: `badge ${s.category}`, title: [s.meaning, s.errorComment].filter(Boolean).join(' — ') },
    h('code', {}, `0x${s.hex}`),
    short ? null : ` ${s.name}`,
  );
}

/** A <dt>/<dd> pair for a facts list; nothing when the value is missing. */
export function fact(label, value) {
  if (value === undefined || value === null || value === '') return null;
  return [h('dt', {}, label), h('dd', {}, value)];
}

/** A message shown in place of a view's content (loading, errors, empty lists). */
export function notice(text, kind = 'info') {
  return h('p', { class: `notice ${kind}` }, text);
}

/** Run fn at most once per `ms`, trailing (for bursts of live events). */
export function debounce(fn, ms = 150) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** The browser's title: what the view shows first, then the product ("Film x · Lightbox"). */
export function setTitle(...parts) {
  document.title = [...parts.filter(Boolean), 'Lightbox'].join(' · ');
}

/**
 * What became of a film or a print job (the API's `result`): a badge with the short label, the
 * reason on hover (title) and on click (it opens below). Nothing when the API gave no result.
 */
export function outcomeBadge(result) {
  if (!result) return null;
  return h(
    'details',
    { class: `outcome ${result.outcome}`, dataset: { outcome: result.outcome } },
    h('summary', { title: result.reason }, result.label),
    h('p', { class: 'outcome-reason' }, result.reason),
  );
}
