/**
 * The film QA lab: the test patterns (DICOM downloads), printing one in one call on one of this
 * Lightbox's printers or on any printer (POST /api/qa/patterns/{name}/print, a control request:
 * the answers, the film it made here), and measured printer curves (curves.js).
 *
 * Hooks: tr[data-pattern] in the patterns table; form.pattern-print-form (select[name=pattern],
 * select[name=destination] with "here:<AE>" or "elsewhere", input[name=to], the film fields,
 * button[data-action=print-pattern]); the answer [data-pattern-print][data-ok] with
 * a[data-film-link] when the film was printed here and tr[data-request][data-status]; earlier
 * pattern prints ul.pattern-runs li[data-run][data-ok].
 */
import { get, post } from '../api.js';
import { fill, h, notice, time } from '../dom.js';
import { showControlError } from '../token-dialog.js';
import { curvesPanel } from './curves.js';

const hex = (s) => (s === undefined ? '' : `0x${s.toString(16).toUpperCase().padStart(4, '0')}`);

function field(label, control, attrs = {}) {
  return h('label', { class: 'field', ...attrs }, h('span', {}, label), control);
}

function select(name, options, value) {
  return h(
    'select',
    { name },
    ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text ?? v)),
  );
}

function patternsTable(patterns) {
  return h(
    'table',
    { class: 'table qa-patterns' },
    h('thead', {}, h('tr', {}, ...['Pattern', 'What', 'Size', 'DICOM'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...patterns.map((p) =>
        h(
          'tr',
          { dataset: { pattern: p.name } },
          h('td', { class: 'mono' }, p.name),
          h('td', { title: p.description }, p.title),
          h('td', { class: 'num mono' }, `${p.columns}×${p.rows}`),
          h(
            'td',
            {},
            ...[8, 12].map((b) =>
              h(
                'a',
                { href: `${p.href}?bits=${b}`, download: `${p.name}-${b}bit.dcm`, class: 'button ghost' },
                `${b}-bit`,
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** What the printer answered, request by request. */
function answersTable(run) {
  return h(
    'table',
    { class: 'table pattern-answers' },
    h('thead', {}, h('tr', {}, ...['#', 'Request', 'Status', ''].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...run.steps.map((s) =>
        h(
          'tr',
          { dataset: { request: s.operation, status: hex(s.status) } },
          h('td', { class: 'num muted' }, s.index),
          h('td', { class: 'mono' }, s.operation),
          h('td', { class: 'mono' }, hex(s.status)),
          h('td', { class: 'muted' }, s.errorComment ?? s.skipped ?? s.error ?? ''),
        ),
      ),
    ),
  );
}

/** Earlier pattern prints (outbound print runs of a pattern), newest first. */
async function showEarlier(list) {
  const { runs } = await get('/api/outbound?kind=print');
  const mine = runs.filter((r) => r.source.startsWith('pattern ')).slice(0, 20);
  fill(
    list,
    ...(mine.length === 0
      ? [h('li', { class: 'muted' }, 'None yet.')]
      : mine.map((r) =>
          h(
            'li',
            { dataset: { run: r.id, ok: String(r.ok) } },
            h('span', { class: `badge ${r.ok ? 'success' : 'failure'}` }, r.ok ? 'printed' : 'not printed'),
            ` ${time(r.startedAt)} ${r.source} → ${r.target}: ${r.outcome} `,
            h('a', { href: `/api/outbound/${r.id}`, download: `${r.id}.json` }, 'JSON'),
          ),
        )),
  );
}

function printForm(patterns, printers) {
  const earlier = h('ul', { class: 'curve-list pattern-runs' });
  void showEarlier(earlier).catch(() => undefined);
  const message = h('p', { class: 'form-message', role: 'status' });
  const result = h('div', { class: 'pattern-print-result' });
  const pattern = select(
    'pattern',
    patterns.map((p) => [p.name, `${p.name}: ${p.title}`]),
    'gray32',
  );
  const bits = select('bits', [['12'], ['8']], '12');
  const side = (name) =>
    h('input', { type: 'number', name, placeholder: 'its own', min: 64, max: 4096, step: 1 });
  const rows = side('rows');
  const cols = side('cols');
  const orientation = select('filmOrientation', [['', ''], ['PORTRAIT'], ['LANDSCAPE']], '');
  const destination = select(
    'destination',
    [
      ...printers.map((p) => [`here:${p.aeTitle}`, `this Lightbox: ${p.aeTitle}`]),
      ['elsewhere', 'another printer…'],
    ],
    printers[0] ? `here:${printers[0].aeTitle}` : 'elsewhere',
  );
  const to = h('input', {
    name: 'to',
    placeholder: 'host:104:PRINTER_AE',
    size: 26,
    pattern: '.+:\\d{1,5}:.{1,16}',
  });
  const toField = field('Printer (HOST:PORT:AE)', to);
  const format = h('input', { name: 'displayFormat', value: 'STANDARD\\1,1', size: 14, class: 'mono' });
  const filmSize = h('input', {
    name: 'filmSize',
    placeholder: 'printer’s',
    size: 10,
    list: 'qa-film-sizes',
  });
  const int = (name, placeholder) => h('input', { type: 'number', name, placeholder, min: 0, step: 1 });
  const minDensity = int('minDensity', 'e.g. 20');
  const maxDensity = int('maxDensity', 'e.g. 300');
  const illumination = int('illumination', 'e.g. 2000');
  const ambient = int('reflectedAmbientLight', 'e.g. 10');
  const polarity = select('polarity', [[''], ['NORMAL'], ['REVERSE']], '');
  const lut = select('presentationLut', [['', 'none'], ['IDENTITY'], ['LIN OD']], '');
  const button = h('button', { type: 'submit', dataset: { control: '', action: 'print-pattern' } }, 'Print');
  const sync = () => {
    toField.hidden = destination.value !== 'elsewhere';
    to.required = !toField.hidden;
  };
  destination.addEventListener('change', sync);
  sync();

  const form = h(
    'form',
    {
      class: 'pattern-print-form arm-form',
      onsubmit: async (e) => {
        e.preventDefault();
        message.className = 'form-message';
        message.textContent = '';
        const body = {
          ...(destination.value === 'elsewhere'
            ? { to: to.value.trim() }
            : { printer: destination.value.slice('here:'.length) }),
          bits: Number(bits.value),
          displayFormat: format.value.trim() || undefined,
          filmSize: filmSize.value.trim().toUpperCase() || undefined,
          filmOrientation: orientation.value || undefined,
          polarity: polarity.value || undefined,
          presentationLut: lut.value || undefined,
        };
        for (const [k, input] of Object.entries({
          rows,
          cols,
          minDensity,
          maxDensity,
          illumination,
          reflectedAmbientLight: ambient,
        }))
          if (input.value !== '') body[k] = Number(input.value);
        button.disabled = true;
        fill(result, h('p', { class: 'muted' }, 'printing…'));
        try {
          const r = await post(`/api/qa/patterns/${pattern.value}/print`, body);
          fill(
            result,
            h(
              'div',
              { dataset: { patternPrint: r.id, ok: String(r.ok) } },
              h(
                'p',
                {},
                h(
                  'span',
                  { class: `badge ${r.ok ? 'success' : 'failure'}` },
                  r.ok ? 'PRINTED' : 'NOT PRINTED',
                ),
                ` ${r.source} → ${r.target}: ${r.outcome} `,
                r.filmId
                  ? h(
                      'a',
                      { href: `#/films/${encodeURIComponent(r.filmId)}`, dataset: { filmLink: r.filmId } },
                      `film ${r.filmId} (its density report)`,
                    )
                  : null,
                ' · ',
                h('a', { href: `/api/outbound/${r.id}`, download: `${r.id}.json` }, 'answers as JSON'),
              ),
              answersTable(r),
            ),
          );
          await showEarlier(earlier);
        } catch (err) {
          result.replaceChildren();
          showControlError(message, err);
        } finally {
          button.disabled = false;
        }
      },
    },
    h(
      'div',
      { class: 'field-row' },
      field('Pattern', pattern),
      field('Bits', bits),
      field('Rows', rows),
      field('Columns', cols),
    ),
    h('div', { class: 'field-row' }, field('Print on', destination), toField),
    h(
      'div',
      { class: 'field-row' },
      field('Display format', format),
      field('Film size', filmSize),
      field('Orientation', orientation),
      field('Polarity', polarity),
      field('Presentation LUT', lut),
    ),
    h(
      'div',
      { class: 'field-row end' },
      field('Min density (OD/100)', minDensity),
      field('Max density (OD/100)', maxDensity),
      field('Light box (cd/m²)', illumination),
      field('Ambient (cd/m²)', ambient),
      button,
    ),
    h(
      'datalist',
      { id: 'qa-film-sizes' },
      ...['8INX10IN', '10INX12IN', '11INX14IN', '14INX14IN', '14INX17IN', 'A4'].map((v) =>
        h('option', { value: v }),
      ),
    ),
    message,
  );
  return h('div', {}, form, result, h('h3', {}, 'Earlier pattern prints'), earlier);
}

export function mount(container) {
  const patterns = h('div', {}, notice('Loading patterns…'));
  const printing = h('div', {}, notice('Loading printers…'));
  container.append(
    h(
      'section',
      { class: 'view qa' },
      h('h1', {}, 'Film QA'),
      h(
        'div',
        { class: 'split' },
        h(
          'div',
          { class: 'stack' },
          h(
            'section',
            { class: 'panel', dataset: { patternPrintPanel: '' } },
            h('h2', {}, 'Print a test pattern'),
            h(
              'p',
              { class: 'muted small lead' },
              'On one of this Lightbox’s printers (then read its density report), or on any printer: a real imager to measure with a densitometer. What is left empty is not sent.',
            ),
            printing,
          ),
          h('section', { class: 'panel' }, h('h2', {}, 'Test patterns'), patterns),
        ),
        h(
          'section',
          { class: 'panel', dataset: { curvesPanel: '' } },
          h('h2', {}, 'Measured printer curves'),
          h(
            'p',
            { class: 'muted small lead' },
            'Densitometer readings of a printed step film (gray32, gray18) against the GSDF (PS3.14 D.2).',
          ),
          curvesPanel(),
        ),
      ),
    ),
  );
  Promise.all([get('/api/qa/patterns'), get('/api/printers')]).then(
    ([p, printers]) => {
      fill(patterns, patternsTable(p.patterns));
      fill(printing, printForm(p.patterns, printers));
    },
    (err) => {
      fill(patterns, notice(err.message, 'error'));
      printing.replaceChildren();
    },
  );
  return () => {};
}
