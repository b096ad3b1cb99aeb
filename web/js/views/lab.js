/**
 * The test lab: faults armed on each printer (live: what they match, what they do, how many
 * firings are left, how often they fired) with Disarm per fault and per printer; a form to arm the
 * common faults (a status answer, a delay, a dropped association, a printer status change); and
 * the scenarios from scenarios/, each loadable with one click. All through /api/lab/*; changes are
 * control requests (API token).
 */
import { del, get, post, query } from '../api.js';
import { debounce, fill, h, notice, time } from '../dom.js';
import { on } from '../live.js';
import { openTokenDialog } from '../token-dialog.js';
import { INFO_TERMS } from './printers.js';

const COMMANDS = ['N-CREATE', 'N-SET', 'N-GET', 'N-ACTION', 'N-DELETE', 'C-ECHO'];

/** SOP classes a request may name: [friendly name the API accepts, UID]. */
const SOP_CLASSES = [
  ['Basic Film Session', '1.2.840.10008.5.1.1.1'],
  ['Basic Film Box', '1.2.840.10008.5.1.1.2'],
  ['Basic Grayscale Image Box', '1.2.840.10008.5.1.1.4'],
  ['Basic Color Image Box', '1.2.840.10008.5.1.1.4.1'],
  ['Basic Annotation Box', '1.2.840.10008.5.1.1.15'],
  ['Presentation LUT', '1.2.840.10008.5.1.1.23'],
  ['Printer', '1.2.840.10008.5.1.1.16'],
  ['Print Job', '1.2.840.10008.5.1.1.14'],
  ['Printer Configuration Retrieval', '1.2.840.10008.5.1.1.16.376'],
  ['Verification', '1.2.840.10008.1.1'],
];

/**
 * Statuses a response fault may answer (PS3.4 H.4 print statuses, PS3.7 C general ones):
 * [code, name as the status table spells it, its key there]. Grouped for the select.
 */
const STATUS_GROUPS = [
  [
    'Failure: print',
    [
      [0xc605, 'Insufficient memory', 'InsufficientMemory'],
      [0xc601, 'Print queue full (film session)', 'FilmSessionPrintQueueFull'],
      [0xc602, 'Print queue full (film box)', 'FilmBoxPrintQueueFull'],
      [0xc616, 'Unprinted film box exists', 'UnprintedFilmBoxExists'],
      [0xc600, 'No film box', 'NoFilmBox'],
      [0xc603, 'Image larger than image box', 'ImageLargerThanBox'],
      [0xc613, 'Combined print image larger than box', 'CombinedImageLargerThanBox'],
    ],
  ],
  [
    'Failure: general',
    [
      [0x0110, 'Processing failure', 'ProcessingFailure'],
      [0x0213, 'Resource limitation', 'ResourceLimitation'],
      [0x0106, 'Invalid attribute value', 'InvalidAttributeValue'],
      [0x0120, 'Missing attribute', 'MissingAttribute'],
      [0x0121, 'Missing attribute value', 'MissingAttributeValue'],
      [0x0105, 'No such attribute', 'NoSuchAttribute'],
      [0x0112, 'No such SOP instance', 'NoSuchSopInstance'],
      [0x0118, 'No such SOP class', 'NoSuchSopClass'],
      [0x0122, 'Refused: SOP class not supported', 'SopClassNotSupported'],
      [0x0124, 'Refused: not authorized', 'NotAuthorized'],
      [0x0211, 'Unrecognized operation', 'UnrecognizedOperation'],
    ],
  ],
  [
    'Warning: print',
    [
      [0xb605, 'Min/Max density out of range', 'MinMaxDensityOutOfRange'],
      [0xb604, 'Image demagnified', 'ImageDemagnified'],
      [0xb609, 'Image cropped', 'ImageCropped'],
      [0xb60a, 'Image decimated', 'ImageDecimated'],
      [0xb600, 'Memory allocation not supported', 'MemoryAllocationNotSupported'],
      [0xb601, 'Film session printing not supported', 'FilmSessionPrintingNotSupported'],
      [0xb602, 'Film session empty page', 'FilmSessionEmptyPage'],
      [0xb603, 'Film box empty page', 'FilmBoxEmptyPage'],
    ],
  ],
  [
    'Warning: general',
    [
      [0x0001, 'Requested optional attributes are not supported', 'RequestedOptionalAttributesNotSupported'],
      [0x0107, 'Attribute list error', 'AttributeListError'],
      [0x0116, 'Attribute value out of range', 'AttributeValueOutOfRange'],
    ],
  ],
  ['Success', [[0x0000, 'Success', 'Success']]],
];
const STATUSES = STATUS_GROUPS.flatMap(([, list]) => list);

const KINDS = [
  ['response', 'Status answer'],
  ['delay', 'Delay'],
  ['drop', 'Drop'],
  ['printer-status', 'Printer status'],
];

const hex4 = (n) => n.toString(16).toUpperCase().padStart(4, '0');
const squash = (s) =>
  String(s)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** PS3.7 C.1 ranges, as the server derives them. */
function category(code) {
  if (code === 0) return 'success';
  if (code === 0x0001 || code === 0x0107 || code === 0x0116 || (code & 0xf000) === 0xb000) return 'warning';
  return 'failure';
}

/** A fault's `status` as written (50693, "0xC605", "C605", "InsufficientMemory") -> {hex, name, category}. */
function statusOf(s) {
  let code;
  if (typeof s === 'number') code = s;
  else if (/^(0x)?[0-9a-f]{4}$/i.test(String(s))) code = Number.parseInt(String(s).replace(/^0x/i, ''), 16);
  else code = STATUSES.find(([, name, key]) => squash(name) === squash(s) || squash(key) === squash(s))?.[0];
  if (code === undefined) return { hex: String(s), name: '', category: 'unknown' };
  return { hex: hex4(code), name: STATUSES.find(([c]) => c === code)?.[1] ?? '', category: category(code) };
}

const sopName = (s) => SOP_CLASSES.find(([, uid]) => uid === s)?.[0] ?? s;

function api(err, message) {
  message.className = 'form-message error';
  message.textContent = err.needsToken ? `${err.message}: paste the API token.` : err.message;
  if (err.needsToken) openTokenDialog();
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
      const list = await get('/api/lab/faults');
      const key = JSON.stringify(list);
      if (key === last) return;
      last = key;
      fill(armed, armedList(list, { disarm, disarmAll }));
    } catch (e) {
      last = '';
      fill(armed, notice(`The lab API is not available: ${e.message}`, 'error'));
    }
  }
  const refresh = debounce(loadFaults, 100);

  async function disarm(id) {
    armedMessage.className = 'form-message';
    armedMessage.textContent = '';
    try {
      const { removed } = await del(`/api/lab/faults/${encodeURIComponent(id)}`);
      armedMessage.textContent = `Disarmed ${removed.id}: ${removed.description}.`;
    } catch (e) {
      api(e, armedMessage);
    }
    await loadFaults();
  }
  async function disarmAll(printer) {
    armedMessage.className = 'form-message';
    armedMessage.textContent = '';
    try {
      const { removed } = await del(`/api/lab/faults${query({ printer })}`);
      armedMessage.textContent = `Disarmed ${removed} fault${removed === 1 ? '' : 's'} on ${printer}.`;
    } catch (e) {
      api(e, armedMessage);
    }
    await loadFaults();
  }

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
    try {
      printers = (await get('/api/printers')).map((p) => p.aeTitle);
    } catch {
      printers = [];
    }
    fill(armForm, faultForm(printers, loadFaults));
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

function armedList(list, actions) {
  const withFaults = list.filter((p) => p.faults.length > 0);
  const idle = list.filter((p) => p.faults.length === 0).map((p) => p.printer);
  if (withFaults.length === 0)
    return notice('No faults armed: every printer behaves as its profile says. Load a scenario or arm one.');
  return [
    ...withFaults.map((p) => printerFaults(p, actions)),
    idle.length ? h('p', { class: 'muted small' }, `Nothing armed on ${idle.join(', ')}.`) : null,
  ];
}

function printerFaults(p, { disarm, disarmAll }) {
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
          dataset: { action: 'disarm-all' },
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
            h('td', {}, matchText(f.fault)),
            h('td', {}, effect(f.fault, f.description)),
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
                  dataset: { action: 'disarm' },
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
function matchText(f) {
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
    f.sopClass ? h('span', {}, ` ${sopName(f.sopClass)}`) : null,
    where ? h('span', { class: 'where' }, `where ${where}`) : null,
  );
}

/** What a fault does when it fires. */
function effect(f, description) {
  switch (f.kind) {
    case 'response': {
      const s = statusOf(f.status);
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
      api(e, message);
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
        h('button', { type: 'button', dataset: { action: 'load' }, onclick: load }, 'Load'),
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

function faultForm(printers, onArmed) {
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
    ...COMMANDS.map((c) => h('option', { value: c, selected: c === 'N-SET' }, c)),
  );
  const sopClass = h(
    'select',
    { name: 'sopClass' },
    h('option', { value: '' }, 'any SOP class'),
    ...SOP_CLASSES.map(([name]) =>
      h('option', { value: name, selected: name === 'Basic Grayscale Image Box' }, name),
    ),
  );
  const status = h(
    'select',
    { name: 'status' },
    ...STATUS_GROUPS.map(([group, list]) =>
      h(
        'optgroup',
        { label: group },
        ...list.map(([code, name]) => h('option', { value: `0x${hex4(code)}` }, `0x${hex4(code)} ${name}`)),
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
      h('button', { type: 'submit', dataset: { action: 'arm' } }, 'Arm'),
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
      api(err, message);
    }
  });
  sync();
  return form;
}
