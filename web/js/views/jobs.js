/**
 * Print jobs and films, a page at a time, updated live. Each job row and film tile says what
 * became of it (delivered, warned and with which warnings, not delivered because its job failed,
 * render failed, pinned), the reason on hover and on click, and links the other way: a film to its
 * job and association, a job to its association and films. The lists page through the API's
 * cursors ("More", or scrolling to the end) and filter by printer, calling AE, render state and
 * outcome. `#/jobs/<uid>` shows one job and its films.
 *
 * Live events refetch what is shown (the same number of rows, from the top), debounced, so a
 * modality's print shows up without a reload and a film retention removed goes away.
 */
import { get, getPage, query } from '../api.js';
import { debounce, fill, h, notice, outcomeBadge, setTitle, time } from '../dom.js';
import { on } from '../live.js';

const PAGE = 60;
/** The API's largest page: a refetch of what is shown asks for at most this many rows. */
const MAX_PAGE = 1000;
const OUTCOME_CHOICES = [
  ['', 'any outcome'],
  ['failed', 'not delivered (job failed)'],
  ['render-failed', 'render failed'],
  ['warned', 'warned'],
  ['pending', 'queued, printing, rendering'],
  ['ok', 'delivered'],
];

export function mount(container, [jobUid]) {
  const filters = { printer: '', callingAe: '', status: '', outcome: '', pinned: '' };
  const jobsBody = h('div', { class: 'jobs-body' });
  const filmsBody = h('div', { class: 'films-body' });
  const printerSelect = h('select', { name: 'printer' }, h('option', { value: '' }, 'all printers'));
  const select = (name, options) =>
    h('select', { name }, ...options.map(([value, text]) => h('option', { value }, text)));
  const form = h(
    'form',
    { class: 'filters', onsubmit: (e) => e.preventDefault() },
    h('label', {}, 'Printer ', printerSelect),
    h(
      'label',
      {},
      'Calling AE ',
      h('input', { name: 'callingAe', size: 16, maxlength: 16, placeholder: 'any' }),
    ),
    h('label', {}, 'Outcome ', select('outcome', OUTCOME_CHOICES)),
    h(
      'label',
      {},
      'Film ',
      select('status', [['', 'any state'], ...['rendered', 'pending', 'failed'].map((s) => [s, s])]),
    ),
    h('label', {}, h('input', { type: 'checkbox', name: 'pinned', value: 'true' }), ' pinned only'),
  );
  form.addEventListener('input', () => {
    for (const k of Object.keys(filters)) {
      const el = form.elements[k];
      filters[k] = el.type === 'checkbox' ? (el.checked ? 'true' : '') : el.value.trim();
    }
    reset();
  });

  const jobs = pager(jobsBody, jobsTable, 'jobs');
  const films = pager(filmsBody, filmGrid, 'films');
  const heading = jobUid
    ? [
        h('h1', {}, 'Print job ', h('span', { class: 'mono' }, jobUid)),
        h('p', {}, h('a', { href: '#/jobs' }, '← all jobs and films')),
      ]
    : [h('h1', {}, 'Jobs & films'), form];
  setTitle(jobUid ? `Print job …${jobUid.slice(-12)}` : 'Jobs & films');

  container.append(
    h(
      'section',
      { class: 'view jobs' },
      ...heading,
      h(
        'div',
        { class: 'split' },
        h('section', { class: 'panel' }, h('h2', {}, 'Print jobs'), jobsBody),
        h('section', { class: 'panel films-panel' }, h('h2', {}, 'Films'), filmsBody),
      ),
    ),
  );

  const jobQuery = () => {
    const { printer, callingAe, outcome } = filters;
    return { printer, callingAe, outcome, order: 'desc' };
  };
  const filmQuery = () => {
    const { printer, callingAe, status, outcome, pinned } = filters;
    return { printer, callingAe, status, outcome, pinned, job: jobUid, order: 'desc' };
  };

  /** The first pages again, as many rows as were shown (filters changed: one page). */
  async function load(keep = true) {
    const jobsPath = (limit) =>
      jobUid ? null : `/api/jobs${query({ ...jobQuery(), limit: String(limit) })}`;
    try {
      await Promise.all([
        jobUid
          ? get(`/api/jobs/${encodeURIComponent(jobUid)}`).then((j) => jobs.show([j], null))
          : jobs.reload((limit) => jobsPath(limit), keep),
        films.reload((limit) => `/api/films${query({ ...filmQuery(), limit: String(limit) })}`, keep),
      ]);
    } catch (e) {
      fill(jobsBody, notice(`Could not load: ${e.message}`, 'error'));
    }
  }
  const refresh = debounce(() => load(true), 120);
  const reset = debounce(() => load(false), 120);

  get('/api/printers')
    .then((ps) => {
      for (const p of ps) printerSelect.append(h('option', { value: p.aeTitle }, p.aeTitle));
    })
    .catch(() => {}); // the lists below say what went wrong
  void load(false);
  const off = on(['job', 'film.printed', 'film.rendered', 'film.removed'], refresh);
  const offPreview = on(['film.preview'], (e) => {
    if (e.type === 'film.preview') showPreview(container, e.film);
  });
  return () => {
    off();
    offPreview();
    jobs.dispose();
    films.dispose();
  };
}

/**
 * A list shown a page at a time: `render(items)` draws it, "More" (or scrolling near it) fetches
 * the next page after the last cursor.
 */
function pager(body, render, what) {
  let items = [];
  let next = null;
  let path = null;
  let loading = false;
  const more = h('button', { type: 'button', class: 'ghost more', dataset: { more: what } }, 'More');
  const count = h('span', { class: 'muted list-count', dataset: { count: what } });
  const foot = h('p', { class: 'list-foot' }, count, ' ', more);
  const watcher = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) void fetchMore();
  });
  watcher.observe(more);

  async function fetchMore() {
    if (loading || !next || !path) return;
    loading = true;
    more.disabled = true;
    try {
      const url = new URL(path(PAGE), location.origin);
      url.searchParams.set('cursor', next);
      const page = await getPage(url.pathname + url.search);
      show([...items, ...page.items], page.next);
    } finally {
      loading = false;
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => void fetchMore());

  /** The film or job a reason was opened on, so a live refresh keeps it open. */
  const keyOf = (el) => {
    const row = el.closest('[data-film], [data-job]');
    return row ? (row.dataset.film ?? row.dataset.job) : undefined;
  };

  function show(list, cursor) {
    items = list;
    next = cursor;
    more.hidden = !next;
    count.textContent = `${items.length}${next ? '+' : ''} ${what}`;
    const open = new Set([...body.querySelectorAll('details.outcome[open]')].map(keyOf));
    fill(body, render(items), items.length > 0 ? foot : null);
    for (const d of body.querySelectorAll('details.outcome')) if (open.has(keyOf(d))) d.open = true;
    // Still in view after a page (a tall screen): fetch on, as scrolling would.
    watcher.unobserve(more);
    if (next) watcher.observe(more);
  }

  return {
    show,
    /** Fetch from the top: as many rows as shown (keep) or one page. */
    async reload(pathFor, keep) {
      path = pathFor;
      const limit = keep ? Math.min(MAX_PAGE, Math.max(PAGE, items.length)) : PAGE;
      const page = await getPage(pathFor(limit));
      show(page.items, page.next);
    },
    dispose() {
      watcher.disconnect();
    },
  };
}

function jobsTable(jobs) {
  if (jobs.length === 0) return notice('No print jobs here: print to one of the printers.');
  return h(
    'table',
    { class: 'table jobs-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Created', 'Printer', 'From', 'Status', 'Outcome', 'Copies', 'Films'].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...jobs.map((j) =>
        h(
          'tr',
          { dataset: { job: j.uid, jobStatus: j.status, outcome: j.result?.outcome ?? null } },
          h('td', { title: j.uid }, h('a', { href: `#/jobs/${j.uid}` }, time(j.createdAt))),
          h('td', {}, j.printer),
          h(
            'td',
            {},
            j.associationId
              ? h(
                  'a',
                  {
                    href: `#/associations/${j.associationId}`,
                    title: `association ${j.associationId}`,
                    dataset: { association: j.associationId },
                  },
                  h('code', {}, j.originator),
                )
              : h('code', {}, j.originator),
          ),
          h(
            'td',
            {},
            h('span', { class: `job-status ${j.status}` }, j.status),
            j.status === 'DONE' || j.statusInfo === 'NORMAL' ? null : ` ${j.statusInfo}`,
          ),
          h('td', {}, outcomeBadge(j.result)),
          h('td', { class: 'num' }, j.copies),
          h(
            'td',
            {},
            ...j.films.map((f, i) => [
              i ? ' ' : '',
              h('a', { href: `#/films/${f}`, dataset: { filmLink: f } }, `#${i + 1}`),
            ]),
          ),
        ),
      ),
    ),
  );
}

function thumbImage(id, preview = false) {
  return h('img', {
    src: `/api/films/${id}/thumb.png`,
    alt: `film ${id}`,
    loading: 'lazy',
    class: preview ? 'preview' : null,
  });
}

/**
 * A film still rendering: its preview once there is one (the film.preview event swaps it in at
 * once; a list drawn later asks for it in the background), a placeholder until then.
 */
function pendingThumb(id) {
  const placeholder = h('div', { class: 'thumb-placeholder pending' }, 'rendering…');
  const probe = new Image();
  probe.onload = () => {
    if (placeholder.isConnected) placeholder.replaceWith(thumbImage(id, true));
  };
  probe.src = `/api/films/${id}/thumb.png`;
  return placeholder;
}

/** A film's preview is written: show it in place of its placeholder, without waiting for a refetch. */
function showPreview(container, id) {
  const tile = container.querySelector(`.film-tile[data-film="${CSS.escape(id)}"]`);
  const placeholder = tile?.querySelector('.thumb-placeholder.pending');
  if (placeholder) placeholder.replaceWith(thumbImage(id, true));
}

function filmGrid(films) {
  if (films.length === 0) return notice('No films here.');
  return h(
    'ul',
    { class: 'film-grid' },
    ...films.map((f) =>
      h(
        'li',
        {
          class: `film-tile ${f.result?.outcome ?? ''}`,
          dataset: {
            film: f.id,
            render: f.render,
            pinned: f.pinned ? 'true' : null,
            outcome: f.result?.outcome ?? null,
          },
        },
        h(
          'a',
          { href: `#/films/${f.id}`, class: 'film-card', title: f.result?.reason ?? null },
          f.render === 'rendered'
            ? thumbImage(f.id)
            : f.render === 'pending'
              ? pendingThumb(f.id)
              : h('div', { class: `thumb-placeholder ${f.render}` }, 'render failed'),
          h(
            'span',
            { class: 'film-caption' },
            h('strong', {}, f.printer),
            ` from ${f.callingAeTitle}`,
            f.pinned
              ? h('span', { class: 'pin-mark', title: 'pinned: retention keeps this film' }, 'pinned')
              : null,
            h('br'),
            `${time(f.printedAt)} · ${f.imageBoxes} image${f.imageBoxes === 1 ? '' : 's'}`,
          ),
        ),
        h(
          'div',
          { class: 'film-tile-foot' },
          outcomeBadge(f.result),
          h(
            'span',
            { class: 'film-links' },
            f.jobUid
              ? h(
                  'a',
                  {
                    href: `#/jobs/${f.jobUid}`,
                    title: `print job ${f.jobUid}`,
                    dataset: { jobLink: f.jobUid },
                  },
                  'job',
                )
              : null,
            f.associationId
              ? [
                  ' · ',
                  h(
                    'a',
                    {
                      href: `#/associations/${f.associationId}`,
                      title: `association ${f.associationId}`,
                      dataset: { association: f.associationId },
                    },
                    f.associationId,
                  ),
                ]
              : null,
          ),
        ),
      ),
    ),
  );
}
