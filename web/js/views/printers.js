/**
 * The printer panel: each printer as a modality would see it (identity, what it prints), its live
 * status with a control to change it (-> N-EVENT-REPORT to open associations), and its queue.
 */
import { get, put, query } from '../api.js';
import { bytes, debounce, fact, fill, h, notice, time } from '../dom.js';
import { on } from '../live.js';
import { showControlError } from '../token-dialog.js';
import { forwardSection } from './proxy.js';

/** Printer Status Info defined terms (PS3.3 C.13.9.1), the common ones, offered as suggestions. */
export const INFO_TERMS = [
  'FILM JAM',
  'SUPPLY EMPTY',
  'SUPPLY LOW',
  'NO SUPPLY MGZ',
  'NO RECEIVE MGZ',
  'RECEIVER FULL',
  'COVER OPEN',
  'CALIBRATING',
  'CHECK PRINTER',
  'PRINTER DOWN',
  'PRINTER OFFLINE',
  'PROC DOWN',
  'ELEC SW ERROR',
  'ELEC DOWN',
];
const STATUSES = ['NORMAL', 'WARNING', 'FAILURE'];

export function mount(container) {
  const cards = h('div', { class: 'cards' });
  container.append(
    h(
      'section',
      { class: 'view printers' },
      h('h1', {}, 'Printers'),
      h('datalist', { id: 'status-info-terms' }, ...INFO_TERMS.map((t) => h('option', { value: t }))),
      cards,
    ),
  );
  const panels = new Map();

  async function load() {
    try {
      const list = await get('/api/printers');
      const details = await Promise.all(
        list.map((p) => get(`/api/printers/${encodeURIComponent(p.aeTitle)}`)),
      );
      fill(cards);
      panels.clear();
      for (const p of details) {
        const panel = printerCard(p);
        panels.set(p.aeTitle, panel);
        cards.append(panel.el);
      }
      refreshQueues();
    } catch (e) {
      fill(cards, notice(`Could not load the printers: ${e.message}`, 'error'));
    }
  }

  async function refreshStatus(ae) {
    const panel = panels.get(ae);
    if (!panel) return;
    try {
      panel.showStatus(await get(`/api/printers/${encodeURIComponent(ae)}`));
    } catch {
      // shown again on the next status event
    }
  }

  const refreshQueues = debounce(async () => {
    for (const [ae, panel] of panels) {
      try {
        const [jobs, printer] = await Promise.all([
          get(`/api/jobs${query({ printer: ae, order: 'desc', limit: '50' })}`),
          get(`/api/printers/${encodeURIComponent(ae)}`),
        ]);
        panel.showQueue(jobs, printer);
      } catch {
        // a queue that cannot be read now is read again on the next job event
      }
    }
  }, 100);

  // A forwarding printer's real printer: its state changes with each association or forward.
  const refreshForwards = debounce(() => {
    for (const panel of panels.values()) panel.forward?.refresh();
  }, 200);
  void load();
  const offForward = on(['association.closed', 'forward'], () => refreshForwards());
  const offStatus = on(['printer.status'], (e) => (e.type === 'resync' ? load() : refreshStatus(e.printer)));
  const offJobs = on(['job', 'film.printed'], () => refreshQueues());
  return () => {
    offStatus();
    offJobs();
    offForward();
  };
}

/** One printer's card; returns the element and updaters for live changes. */
/** About two lines of a card: a description longer than this is cut at a word, the rest on click. */
const SUMMARY_CHARS = 150;

/** The text up to `max` characters, ending at a whole word (or sentence), never inside one. */
export function cutAtWord(text, max) {
  if (text.length <= max) return text;
  const head = text.slice(0, max + 1);
  const sentence = head.lastIndexOf('. ');
  if (sentence > max * 0.6) return head.slice(0, sentence + 1);
  const space = head.lastIndexOf(' ');
  return `${head.slice(0, space > 0 ? space : max).replace(/[\s,;:(-]+$/, '')}…`;
}

/**
 * A profile's description: the first words (cut at a word, never mid-word as a CSS line clamp
 * does) and a button that shows the whole text.
 */
function description(text) {
  const short = cutAtWord(text, SUMMARY_CHARS);
  const body = h('span', { class: 'desc-text' }, short);
  const p = h('p', { class: 'muted desc', dataset: { description: '' } }, body);
  if (short === text) return p;
  let open = false;
  const toggle = h('button', { type: 'button', class: 'link desc-toggle', 'aria-expanded': 'false' }, 'more');
  toggle.addEventListener('click', () => {
    open = !open;
    body.textContent = open ? text : short;
    toggle.textContent = open ? 'less' : 'more';
    toggle.setAttribute('aria-expanded', String(open));
  });
  p.append(' ', toggle);
  return p;
}

function printerCard(p) {
  const c = p.capabilities;
  const id = c.identity ?? {};
  const badge = h('span', { class: 'printer-status', 'data-printer-status': '' });
  const queue = h('div', { class: 'queue-body' });
  const form = statusForm(p, (updated) => showStatus(updated));
  const forward = c.forward ? forwardSection(p.aeTitle) : undefined;

  const el = h(
    'article',
    { class: 'card printer', dataset: { printer: p.aeTitle } },
    h(
      'header',
      { class: 'card-head' },
      h('div', {}, h('h2', {}, p.name), description(p.description || '')),
      badge,
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('AE title', h('code', {}, p.aeTitle)),
      fact('DICOM port', p.port ?? 'the main listener'),
      fact('Manufacturer', id.manufacturer),
      fact('Model', id.model),
      fact('Serial number', id.serialNumber),
      fact('Printer name', id.printerName),
      fact('Software', (id.softwareVersions ?? []).join(', ')),
      fact('Calibrated', [id.calibrationDate, id.calibrationTime].filter(Boolean).join(' ')),
      fact('Profile', p.source),
      fact('Conformance', conformanceLinks(p.aeTitle)),
    ),
    h(
      'div',
      { class: 'caps' },
      chips(
        'Film sizes',
        (c.filmSizes ?? []).map((f) => f.id),
      ),
      chips('Display formats', c.displayFormats ?? []),
      chips('Media', c.mediumTypes ?? []),
      chips(
        'Resolutions',
        Object.entries(c.resolutions ?? {}).map(([k, dpi]) => `${k} ${dpi} dpi`),
      ),
      chips('Magnification', c.magnificationTypes ?? []),
      c.density ? chips('Density', [`${c.density.min / 100}–${c.density.max / 100} OD`]) : null,
    ),
    forward?.el ?? null,
    form.el,
    h('section', { class: 'queue' }, h('h3', {}, 'Queue'), queue),
  );

  function showStatus(s) {
    badge.className = `printer-status ${s.status}`;
    badge.dataset.printerStatus = s.status;
    badge.textContent = s.status === 'NORMAL' ? 'NORMAL' : `${s.status} · ${s.statusInfo}`;
    el.dataset.status = s.status;
  }

  function showQueue(jobs, printer) {
    const active = jobs.filter((j) => j.status === 'PENDING' || j.status === 'PRINTING');
    // Newest first (order=desc).
    const recent = jobs.filter((j) => !active.includes(j)).slice(0, 3);
    const mem = c.memoryBytes ? Math.min(100, (100 * printer.memoryUsed) / c.memoryBytes) : 0;
    fill(
      queue,
      h(
        'p',
        { class: 'muted' },
        `${active.length} queued or printing · image memory ${bytes(printer.memoryUsed)} of ${bytes(c.memoryBytes ?? 0)}`,
      ),
      h(
        'div',
        { class: 'meter', role: 'img', 'aria-label': `memory ${mem.toFixed(0)}%` },
        h('span', { style: `width:${mem}%` }),
      ),
      active.length + recent.length === 0
        ? h('p', { class: 'muted' }, 'No print jobs yet.')
        : h('ul', { class: 'job-lines' }, ...[...active, ...recent].map(jobLine)),
    );
  }

  showStatus(p);
  return { el, showStatus, showQueue, forward };
}

/** The printer's DICOM Conformance Statement: HTML in a new tab, or the Markdown file. */
function conformanceLinks(ae) {
  const url = `/api/printers/${encodeURIComponent(ae)}/conformance`;
  return [
    h(
      'a',
      { href: `${url}?format=html`, target: '_blank', rel: 'noopener', dataset: { action: 'conformance' } },
      'Conformance statement',
    ),
    ' · ',
    h('a', { href: `${url}?format=md`, download: `${ae}-conformance.md` }, 'Markdown'),
  ];
}

function jobLine(j) {
  return h(
    'li',
    { dataset: { job: j.uid, jobStatus: j.status } },
    h('span', { class: `job-status ${j.status}` }, j.status),
    ` ${time(j.createdAt)} from `,
    h('code', {}, j.originator),
    j.films.length
      ? [
          ' · ',
          h('a', { href: `#/films/${j.films[0]}` }, `${j.films.length} film${j.films.length > 1 ? 's' : ''}`),
        ]
      : null,
    j.status === 'FAILURE' ? ` · ${j.statusInfo}` : null,
  );
}

/** NORMAL / WARNING / FAILURE with Printer Status Info, applied with PUT /api/printers/{ae}/status. */
function statusForm(p, onApplied) {
  const message = h('p', { class: 'form-message', role: 'status' });
  const info = h('input', {
    name: 'info',
    list: 'status-info-terms',
    placeholder: 'e.g. FILM JAM',
    'aria-label': 'Printer Status Info',
    pattern: '[A-Z0-9 _]{1,16}',
    maxlength: 16,
    autocomplete: 'off',
    title: 'A defined term: capitals, digits, spaces, at most 16 characters',
  });
  const choices = STATUSES.map((s) =>
    h(
      'label',
      { class: `choice ${s}` },
      h('input', {
        type: 'radio',
        name: `status-${p.aeTitle}`,
        value: s,
        checked: s === p.status,
        dataset: { statusChoice: s },
      }),
      s,
    ),
  );
  const syncInfo = () => {
    const normal = form.querySelector('input[type=radio]:checked')?.value === 'NORMAL';
    info.disabled = normal;
    info.required = !normal;
  };
  info.addEventListener('input', () => {
    info.value = info.value.toUpperCase();
  });
  if (p.status !== 'NORMAL') info.value = p.statusInfo;

  const form = h(
    'form',
    { class: 'status-control', onchange: syncInfo },
    h('fieldset', {}, h('legend', {}, 'Set status'), h('div', { class: 'segmented' }, ...choices)),
    info,
    h('button', { type: 'submit', dataset: { action: 'set-status', control: '' } }, 'Apply'),
    message,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = form.querySelector('input[type=radio]:checked')?.value;
    const body = status === 'NORMAL' ? { status } : { status, info: info.value.trim() };
    message.className = 'form-message';
    message.textContent = 'Applying…';
    try {
      const updated = await put(`/api/printers/${encodeURIComponent(p.aeTitle)}/status`, body);
      onApplied(updated);
      message.textContent = `Now ${updated.status}${updated.status === 'NORMAL' ? '' : ` (${updated.statusInfo})`}: associations using it are told (N-EVENT-REPORT).`;
    } catch (err) {
      showControlError(message, err);
    }
  });
  syncInfo();
  return { el: form };
}

function chips(label, values) {
  if (values.length === 0) return null;
  return h(
    'div',
    { class: 'chip-row' },
    h('span', { class: 'chip-label' }, label),
    h('span', { class: 'chips' }, ...values.map((v) => h('span', { class: 'chip' }, v))),
  );
}
