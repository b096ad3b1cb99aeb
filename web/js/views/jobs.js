/**
 * Print jobs and films, updated live: every job, film.printed, film.rendered and film.removed
 * event refetches the lists (debounced), so a modality's print shows up without a reload and a
 * film retention removed goes away. Pinned films (kept by retention) carry a "pinned" mark.
 */
import { get, query } from '../api.js';
import { debounce, fill, h, notice, time } from '../dom.js';
import { on } from '../live.js';

export function mount(container) {
  const filters = { printer: '', callingAe: '', status: '' };
  const jobsBody = h('div', { class: 'jobs-body' });
  const filmsBody = h('div', { class: 'films-body' });
  const printerSelect = h('select', { name: 'printer' }, h('option', { value: '' }, 'all printers'));
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
    h(
      'label',
      {},
      'Film ',
      h(
        'select',
        { name: 'status' },
        h('option', { value: '' }, 'any state'),
        ...['rendered', 'pending', 'failed'].map((s) => h('option', { value: s }, s)),
      ),
    ),
  );
  form.addEventListener('input', () => {
    for (const k of Object.keys(filters)) filters[k] = form.elements[k].value.trim();
    refresh();
  });

  container.append(
    h(
      'section',
      { class: 'view jobs' },
      h('h1', {}, 'Jobs & films'),
      form,
      h(
        'div',
        { class: 'split' },
        h('section', { class: 'panel' }, h('h2', {}, 'Print jobs'), jobsBody),
        h('section', { class: 'panel films-panel' }, h('h2', {}, 'Films'), filmsBody),
      ),
    ),
  );

  async function load() {
    try {
      const { printer, callingAe, status } = filters;
      const [jobs, films] = await Promise.all([
        get(`/api/jobs${query({ printer, callingAe, order: 'desc', limit: '100' })}`),
        get(`/api/films${query({ printer, callingAe, status, order: 'desc', limit: '100' })}`),
      ]);
      fill(jobsBody, jobsTable(jobs));
      fill(filmsBody, filmGrid(films));
    } catch (e) {
      fill(jobsBody, notice(`Could not load: ${e.message}`, 'error'));
    }
  }
  const refresh = debounce(load, 120);

  get('/api/printers')
    .then((ps) => {
      for (const p of ps) printerSelect.append(h('option', { value: p.aeTitle }, p.aeTitle));
    })
    .catch(() => {}); // the lists below say what went wrong
  void load();
  return on(['job', 'film.printed', 'film.rendered', 'film.removed'], refresh);
}

function jobsTable(jobs) {
  if (jobs.length === 0) return notice('No print jobs yet: print to one of the printers.');
  return h(
    'table',
    { class: 'table jobs-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Created', 'Printer', 'From', 'Status', 'Priority', 'Copies', 'Films'].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...jobs.map((j) =>
        h(
          'tr',
          { dataset: { job: j.uid, jobStatus: j.status } },
          h('td', { title: j.uid }, time(j.createdAt)),
          h('td', {}, j.printer),
          h('td', {}, h('code', {}, j.originator)),
          h(
            'td',
            {},
            h('span', { class: `job-status ${j.status}` }, j.status),
            j.status === 'DONE' ? null : ` ${j.statusInfo}`,
          ),
          h('td', {}, j.priority),
          h('td', { class: 'num' }, j.copies),
          h(
            'td',
            {},
            ...j.films.map((f, i) => [i ? ' ' : '', h('a', { href: `#/films/${f}` }, `#${i + 1}`)]),
          ),
        ),
      ),
    ),
  );
}

function filmGrid(films) {
  if (films.length === 0) return notice('No films.');
  return h(
    'ul',
    { class: 'film-grid' },
    ...films.map((f) =>
      h(
        'li',
        { dataset: { film: f.id, render: f.render, pinned: f.pinned ? 'true' : null } },
        h(
          'a',
          { href: `#/films/${f.id}`, class: 'film-card' },
          f.render === 'rendered'
            ? h('img', { src: `/api/films/${f.id}/thumb.png`, alt: `film ${f.id}`, loading: 'lazy' })
            : h(
                'div',
                { class: `thumb-placeholder ${f.render}` },
                f.render === 'pending' ? 'rendering…' : 'render failed',
              ),
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
      ),
    ),
  );
}
