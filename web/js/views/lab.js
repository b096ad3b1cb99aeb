/**
 * The test lab: faults armed on each printer (live: what they match, what they do, how many
 * firings are left, how often they fired) with Disarm per fault and per printer; a form to arm the
 * common faults (a status answer, a delay, a dropped association, a printer status change); and
 * the scenarios from scenarios/, each loadable with one click. All through /api/lab/*; changes are
 * control requests: their buttons carry data-control (disabled with the reason when not allowed).
 */
import { del, get, post, query } from '../api.js';
import { debounce, fill, h, notice, time } from '../dom.js';
import { on } from '../live.js';
import { showControlError } from '../token-dialog.js';
import { findStatus, sopClassName, vocabulary } from '../vocabulary.js';
import { INFO_TERMS } from './printers.js';

const KINDS = [
  ['response', 'Status answer'],
  ['delay', 'Delay'],
  ['drop', 'Drop'],
  ['printer-status', 'Printer status'],
];

/** What the forms choose first: the commonest print failure, on the commonest request. */
const FIRST = { status: 'InsufficientMemory', command: 'N-SET', sopClass: 'BasicGrayscaleImageBox' };

/** A fault's status as written -> {hex, name, category} to show; one not in the table as written. */
function statusOf(words, s) {
  return findStatus(words, s) ?? { hex: String(s).replace(/^0x/i, ''), name: '', category: 'unknown' };
}

/** The status picker's groups: failures, warnings, success; print statuses (PS3.4 H) before general ones. */
function statusGroups(statuses) {
  const groups = [];
  for (const category of ['failure', 'warning', 'success'])
    for (const scope of ['print', 'general']) {
      const list = statuses.filter((s) => s.category === category && s.scope === scope);
      const label =
        category === 'success' ? 'Success' : `${category[0].toUpperCase()}${category.slice(1)}: ${scope}`;
      if (list.length > 0) groups.push([label, list]);
    }
  return groups;
}

export function mount(container) {
  const armed = h('div', { class: 'armed-body' }, notice('Loading faults…'));
  const armedMessage = h('p', { class: 'form-message', role: 'status' });
  const scenarios = h('div', {}, notice('Loading scenarios…'));
  const armForm = h('div', {}, notice('Loading printers…'));
  let printers = [];

  container.append(
    h(
      'section',
      { class: 'view lab' },
      h('h1', {}, 'Test lab'),
      h('datalist', { id: 'lab-info-terms' }, ...INFO_TERMS.map((t) => h('option', { value: t }))),
      h(
        'div',
        { class: 'split' },
        h(
          'div',
          { class: 'stack' },
          h(
            'section',
            { class: 'panel', 'data-armed': '' },
            h('h2', {}, 'Armed faults'),
            h(
              'p',
              { class: 'muted small lead' },
              'What the next associations will meet. Each firing is recorded on the association it hit.',
            ),
            armed,
            armedMessage,
          ),
          h('section', { class: 'panel' }, h('h2', {}, 'Arm a fault'), armForm),
        ),
        h(
          'section',
          { class: 'panel', 'data-scenarios': '' },
          h('h2', {}, 'Scenarios'),
          h(
            'p',
            { class: 'muted small lead' },
            'Field failures bundled as files in scenarios/. Load arms them all.',
          ),
          scenarios,
        ),
      ),
    ),
  );

  let last = '';
  async function loadFaults() {
    try {
      const [list, words] = await Promise.all([get('/api/lab/faults'), vocabulary()]);
      const key = JSON.stringify(list);
      if (key === last) return;
      last = key;
      fill(armed, armedList(list, words, { disarm, disarmAll }));
    } catch (e) {
      last = '';
      fill(armed, notice(`The lab API is not available: ${e.message}`, 'error'));
    }
  }
  const refresh = debounce(loadFaults, 100);

  /** DELETE `path`, say what `said` makes of the answer's `removed`, show what is still armed. */
  async function disarming(path, said) {
    armedMessage.className = 'form-message';
    armedMessage.textContent = '';
    try {
      armedMessage.textContent = said((await del(path)).removed);
    } catch (e) {
      showControlError(armedMessage, e);
    }
    await loadFaults();
  }
  const disarm = (id) =>
    disarming(`/api/lab/faults/${encodeURIComponent(id)}`, (f) => `Disarmed ${f.id}: ${f.description}.`);
  const disarmAll = (printer) =>
    disarming(
      `/api/lab/faults${query({ printer })}`,
      (n) => `Disarmed ${n} fault${n === 1 ? '' : 's'} on ${printer}.`,
    );

  async function loadScenarios() {
    try {
      const list = await get('/api/lab/scenarios');
      fill(
        scenarios,
        list.length === 0
          ? notice('No scenarios: put YAML or JSON files in scenarios/ (see scenarios/README.md).')
          : h('ul', { class: 'scenario-list' }, ...list.map((s) => scenarioItem(s, printers, loadFaults))),
      );
    } catch (e) {
      fill(scenarios, notice(`The lab API is not available: ${e.message}`, 'error'));
    }
  }

  async function start() {
    const [list, words] = await Promise.all([
      get('/api/printers').catch(() => []),
      vocabulary().catch((e) => e),
    ]);
    printers = list.map((p) => p.aeTitle);
    fill(
      armForm,
      words instanceof Error
        ? notice(`The DICOM vocabulary is not available: ${words.message}`, 'error')
        : faultForm(printers, words, loadFaults),
    );
    await Promise.all([loadScenarios(), loadFaults()]);
  }
  void start();

  // Arming, disarming (here, by curl or by CI) and firings all come as events.
  const off = on(
    ['fault.fired', 'fault.armed', 'fault.disarmed', 'printer.status', 'job', 'association.closed'],
    (e) => (e.type === 'resync' ? start() : refresh()),
  );
  return off;
}

// ---------------------------------------------------------------- armed faults

function armedList(list, words, actions) {
  const withFaults = list.filter((p) => p.faults.length > 0);
  const idle = list.filter((p) => p.faults.length === 0).map((p) => p.printer);
  if (withFaults.length === 0)
    return notice('No faults armed: every printer behaves as its profile says. Load a scenario or arm one.');
  return [
    ...withFaults.map((p) => printerFaults(p, words, actions)),
    idle.length ? h('p', { class: 'muted small' }, `Nothing armed on ${idle.join(', ')}.`) : null,
  ];
}

function printerFaults(p, words, { disarm, disarmAll }) {
  const live = p.faults.filter((f) => f.active).length;
  return h(
    'div',
    { class: 'printer-faults', dataset: { printerFaults: p.printer } },
    h(
      'div',
      { class: 'printer-faults-head' },
      h('h3', {}, h('code', {}, p.printer)),
      h(
        'span',
        { class: 'muted small' },
        `${live} active${p.faults.length > live ? `, ${p.faults.length - live} spent` : ''}`,
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'ghost small-button',
          dataset: { action: 'disarm-all', control: '' },
          onclick: () => disarmAll(p.printer),
        },
        'Disarm all',
      ),
    ),
    h(
      'table',
      { class: 'table faults' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['', 'Kind', 'Matches', 'Does', 'Left', 'Fired', ''].map((t, i) =>
            h('th', { class: i === 4 || i === 5 ? 'num' : null }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...p.faults.map((f) =>
          h(
            'tr',
            {
              class: f.active ? 'fault-row' : 'fault-row spent',
              title: `${f.description}\narmed ${time(f.armedAt)} by ${f.source}`,
              dataset: {
                fault: f.id,
                kind: f.kind,
                fired: f.fired,
                active: f.active,
                remaining: f.remaining ?? 'sticky',
              },
            },
            h('td', { class: 'mono muted' }, f.id),
            h('td', {}, h('span', { class: 'kind' }, f.kind)),
            h('td', {}, matchText(f.fault, words)),
            h('td', {}, effect(f.fault, f.description, words)),
            h(
              'td',
              { class: 'num' },
              !f.active
                ? h('span', { class: 'muted' }, 'spent')
                : f.remaining === null
                  ? h('span', { title: 'sticky: fires every time until disarmed' }, 'sticky')
                  : `${f.remaining} of ${f.count}`,
            ),
            h(
              'td',
              { class: 'num' },
              f.fired ? h('strong', {}, f.fired) : h('span', { class: 'muted' }, '0'),
            ),
            h(
              'td',
              { class: 'num' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'ghost small-button',
                  dataset: { action: 'disarm', control: '' },
                  title: `disarm ${f.id}`,
                  onclick: () => disarm(f.id),
                },
                'Disarm',
              ),
            ),
          ),
        ),
      ),
    ),
    h(
      'p',
      { class: 'muted small source' },
      [...new Set(p.faults.map((f) => f.source))].map((s) => `armed by ${s}`).join(' · '),
    ),
  );
}

/** Which requests (or moments) a fault applies to, in a few words. */
function matchText(f, words) {
  switch (f.kind) {
    case 'refuse':
    case 'max-pdu':
      return h('span', { class: 'muted' }, 'each association');
    case 'printer-status':
      if (f.afterFilms !== undefined) return `after ${f.afterFilms} film${f.afterFilms === 1 ? '' : 's'}`;
      return f.when === 'printing' ? 'when a job starts printing' : 'when armed';
    case 'status-flapping':
      return `every ${f.everyMs} ms, ${f.flaps}×`;
    case 'job-failure':
    case 'print-timing':
      return h('span', { class: 'muted' }, 'each print job');
    default:
      break;
  }
  if (f.kind === 'drop' && f.afterMessages !== undefined)
    return f.afterMessages === 0 ? 'right after accepting' : `after request ${f.afterMessages}`;
  const where = f.where
    ? `${f.where.attribute} ${[
        f.where.equals !== undefined ? `= ${f.where.equals}` : null,
        f.where.atLeast !== undefined ? `≥ ${f.where.atLeast}` : null,
        f.where.atMost !== undefined ? `≤ ${f.where.atMost}` : null,
      ]
        .filter(Boolean)
        .join(', ')}`
    : null;
  return h(
    'span',
    { class: 'match' },
    h('code', {}, f.command ?? 'any request'),
    f.sopClass ? h('span', {}, ` ${sopClassName(words, f.sopClass)}`) : null,
    where ? h('span', { class: 'where' }, `where ${where}`) : null,
  );
}

/** What a fault does when it fires. */
function effect(f, description, words) {
  switch (f.kind) {
    case 'response': {
      const s = statusOf(words, f.status);
      return h(
        'span',
        {},
        h('span', { class: `badge ${s.category}` }, h('code', {}, `0x${s.hex}`), s.name ? ` ${s.name}` : ''),
        f.errorComment ? h('div', { class: 'comment' }, `“${f.errorComment}”`) : null,
      );
    }
    case 'delay':
      return `answer ${f.ms} ms late`;
    case 'drop':
      return h('span', {}, f.how === 'tcp-close' ? 'TCP close, no PDU' : 'A-ABORT', ', unanswered');
    case 'refuse':
      return h('span', {}, 'A-ASSOCIATE-RJ ', h('code', {}, f.reason), f.result ? ` (${f.result})` : '');
    case 'max-pdu':
      return `max PDU ${f.bytes} bytes`;
    case 'printer-status':
      return h(
        'span',
        {},
        h('span', { class: `printer-status mini ${f.status}` }, f.status),
        f.info ? ` ${f.info}` : '',
      );
    case 'status-flapping':
      return h(
        'span',
        {},
        h('span', { class: `printer-status mini ${f.status}` }, f.status),
        ` ${f.info} ⇄ NORMAL`,
      );
    case 'job-failure':
      return h(
        'span',
        {},
        'job ends ',
        h('span', { class: 'printer-status mini FAILURE' }, 'FAILURE'),
        ` ${f.info}`,
      );
    case 'print-timing':
      return `pending ${f.pendingMs} ms, ${f.msPerFilm} ms a film`;
    default:
      return description;
  }
}

// ---------------------------------------------------------------- scenarios

function scenarioItem(s, printers, onLoaded) {
  const message = h('p', { class: 'form-message', role: 'status' });
  // No printer in the file: every printer, or the one chosen here (a lone printer needs no choice).
  const target =
    s.printers || printers.length < 2
      ? null
      : h(
          'select',
          { name: 'printer', 'aria-label': `printer for ${s.name}` },
          h('option', { value: '' }, 'every printer'),
          printers.map((p) => h('option', { value: p }, p)),
        );
  const targets = s.printers ?? (printers.length === 1 ? printers : null);
  const load = async () => {
    message.className = 'form-message';
    message.textContent = 'Loading…';
    try {
      const r = await post(
        `/api/lab/scenarios/${encodeURIComponent(s.name)}${query({ printer: target?.value })}`,
      );
      const on = [...new Set(r.armed.map((f) => f.printer))].join(', ');
      message.textContent = `Armed ${r.armed.map((f) => f.id).join(', ')} on ${on}.`;
      onLoaded();
    } catch (e) {
      showControlError(message, e);
    }
  };
  return h(
    'li',
    { class: 'scenario', dataset: { scenario: s.name } },
    h(
      'div',
      { class: 'scenario-head' },
      h('h3', {}, s.name),
      h(
        'div',
        { class: 'scenario-load' },
        targets
          ? h(
              'span',
              { class: 'chips', title: s.printers ? 'the printers the scenario names' : 'the only printer' },
              ...targets.map((p) => h('span', { class: 'chip' }, p)),
            )
          : target,
        h('button', { type: 'button', dataset: { action: 'load', control: '' }, onclick: load }, 'Load'),
      ),
    ),
    h(
      'p',
      {
        class: 'muted desc',
        title: 'click for the whole description',
        onclick: (e) => e.currentTarget.classList.toggle('expanded'),
      },
      s.description,
    ),
    h(
      'ul',
      { class: 'scenario-faults' },
      ...s.faults.map((f) => h('li', {}, h('span', { class: 'kind' }, f.kind), ' ', f.description)),
    ),
    (s.expectations ?? []).length === 0
      ? null
      : h(
          'ul',
          {
            class: 'scenario-expectations',
            title: "what a careful modality does: the run's verdict checks it",
          },
          ...s.expectations.map((x) =>
            h(
              'li',
              { dataset: { expectation: x.id } },
              h('span', { class: 'kind' }, `expects ${x.kind}`),
              ' ',
              x.description,
            ),
          ),
        ),
    message,
  );
}

// ---------------------------------------------------------------- arm a fault

/** A labelled control; a group of controls (radios) is a div, labels must not nest. */
function field(label, control, attrs = {}, tag = 'label') {
  return h(tag, { class: 'field', ...attrs }, h('span', {}, label), control);
}

function faultForm(printers, words, onArmed) {
  const message = h('p', { class: 'form-message', role: 'status' });
  const printer = h(
    'select',
    { name: 'printer' },
    ...printers.map((p) => h('option', { value: p }, p)),
    printers.length > 1 ? h('option', { value: '' }, 'every printer') : null,
  );
  const kinds = h(
    'div',
    { class: 'segmented', role: 'radiogroup', 'aria-label': 'Kind of fault' },
    ...KINDS.map(([k, label], i) =>
      h(
        'label',
        { class: 'choice kind-choice' },
        h('input', { type: 'radio', name: 'kind', value: k, checked: i === 0, dataset: { kindChoice: k } }),
        label,
      ),
    ),
  );
  const command = h(
    'select',
    { name: 'command' },
    h('option', { value: '' }, 'any request'),
    ...words.requests.map((c) => h('option', { value: c, selected: c === FIRST.command }, c)),
  );
  const sopClass = h(
    'select',
    { name: 'sopClass' },
    h('option', { value: '' }, 'any SOP class'),
    // The API takes a SOP class by name; meta SOP classes are only negotiated.
    ...words.sopClasses
      .filter((c) => !c.meta)
      .map((c) => h('option', { value: c.name, selected: c.key === FIRST.sopClass }, c.name)),
  );
  const status = h(
    'select',
    { name: 'status' },
    ...statusGroups(words.statuses).map(([group, list]) =>
      h(
        'optgroup',
        { label: group },
        ...list.map((s) =>
          h('option', { value: `0x${s.hex}`, selected: s.key === FIRST.status }, `0x${s.hex} ${s.name}`),
        ),
      ),
    ),
  );
  const errorComment = h('input', {
    name: 'errorComment',
    maxlength: 64,
    placeholder: 'default: the status meaning',
    autocomplete: 'off',
  });
  const ms = h('input', { name: 'ms', type: 'number', min: 1, max: 600000, value: 5000, required: true });
  const how = h(
    'select',
    { name: 'how' },
    h('option', { value: 'a-abort' }, 'A-ABORT'),
    h('option', { value: 'tcp-close' }, 'bare TCP close'),
  );
  const pStatus = h(
    'select',
    { name: 'printerStatus' },
    ...['FAILURE', 'WARNING', 'NORMAL'].map((s) => h('option', { value: s }, s)),
  );
  const info = h('input', {
    name: 'info',
    list: 'lab-info-terms',
    value: 'FILM JAM',
    pattern: '[A-Z0-9 _]{1,16}',
    maxlength: 16,
    autocomplete: 'off',
    title: 'A defined term: capitals, digits, spaces, at most 16 characters',
  });
  info.addEventListener('input', () => {
    info.value = info.value.toUpperCase();
  });
  const when = h(
    'select',
    { name: 'when' },
    h('option', { value: 'printing' }, 'when a job starts printing'),
    h('option', { value: 'now' }, 'now'),
    h('option', { value: 'films' }, 'after N films'),
  );
  const films = h('input', { name: 'afterFilms', type: 'number', min: 1, value: 5, required: true });
  const count = h('input', { name: 'count', type: 'number', min: 1, max: 1000000, value: 1, required: true });
  const sticky = h('input', { type: 'checkbox', name: 'sticky' });

  const match = h(
    'div',
    { class: 'field-row', dataset: { for: 'response delay drop' } },
    field('Command', command),
    field('SOP class', sopClass),
  );
  const filmsField = field('Films', films);
  const groups = [
    match,
    h(
      'div',
      { class: 'field-row', dataset: { for: 'response' } },
      field('Status', status),
      field('Error Comment', errorComment, { class: 'field grow' }),
    ),
    h('div', { class: 'field-row', dataset: { for: 'delay' } }, field('Delay (ms)', ms)),
    h('div', { class: 'field-row', dataset: { for: 'drop' } }, field('How', how)),
    h(
      'div',
      { class: 'field-row', dataset: { for: 'printer-status' } },
      field('Status', pStatus),
      field('Status Info', info),
      field('When', when),
      filmsField,
    ),
  ];

  const form = h(
    'form',
    { class: 'arm-form', novalidate: false },
    h(
      'div',
      { class: 'field-row' },
      field('Printer', printer),
      field('Kind', kinds, { class: 'field kinds' }, 'div'),
    ),
    ...groups,
    h(
      'div',
      { class: 'field-row end' },
      field('Times', count),
      h('label', { class: 'check', title: 'fire every time until disarmed' }, sticky, ' sticky'),
      h('button', { type: 'submit', dataset: { action: 'arm', control: '' } }, 'Arm'),
    ),
    message,
  );

  const kind = () => form.querySelector('input[name=kind]:checked')?.value ?? 'response';
  function sync() {
    const k = kind();
    for (const g of groups) {
      const shown = g.dataset.for.split(' ').includes(k);
      g.hidden = !shown;
      for (const c of g.querySelectorAll('input, select')) c.disabled = !shown;
    }
    filmsField.hidden = when.value !== 'films';
    films.disabled = k !== 'printer-status' || when.value !== 'films';
    info.disabled = k !== 'printer-status' || pStatus.value === 'NORMAL';
    count.disabled = sticky.checked;
  }
  form.addEventListener('change', sync);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const k = kind();
    const body = { kind: k };
    if (printer.value) body.printer = printer.value;
    if (!sticky.checked) body.count = Number(count.value);
    if (k !== 'printer-status') {
      if (command.value) body.command = command.value;
      if (sopClass.value) body.sopClass = sopClass.value;
    }
    if (k === 'response') {
      body.status = status.value;
      if (errorComment.value.trim()) body.errorComment = errorComment.value.trim();
    } else if (k === 'delay') body.ms = Number(ms.value);
    else if (k === 'drop') body.how = how.value;
    else if (k === 'printer-status') {
      body.status = pStatus.value;
      if (pStatus.value !== 'NORMAL') body.info = info.value.trim();
      if (when.value === 'films') body.afterFilms = Number(films.value);
      else body.when = when.value;
    }
    message.className = 'form-message';
    message.textContent = 'Arming…';
    try {
      const { armed } = await post('/api/lab/faults', body);
      message.textContent = armed.map((f) => `Armed ${f.id} on ${f.printer}: ${f.description}.`).join(' ');
      onArmed();
    } catch (err) {
      showControlError(message, err);
    }
  });
  sync();
  return form;
}
