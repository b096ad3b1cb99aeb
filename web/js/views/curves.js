/**
 * Measured printer curves: densitometer readings of a printed step film uploaded (a CSV or JSON
 * file, or pasted) to POST /api/qa/curves (a control request), the analysis shown (verdict, gamma,
 * per step the GSDF target against the reading, pass/fail by the chosen protocol, the plot), and
 * the analyses kept (GET /api/qa/curves, of one film on the film page), each reopened or deleted.
 *
 * Hooks: [data-curves] (data-film when on a film), form.curve-form with button[data-action=analyse],
 * [data-curve-analysis][data-curve][data-pass] with tr[data-step][data-pass], the list
 * li[data-curve][data-pass] with button[data-action=show|delete].
 */
import { del, get, post, query } from '../api.js';
import { fill, h, notice, time } from '../dom.js';
import { showControlError } from '../token-dialog.js';

function field(label, control, attrs = {}) {
  return h('label', { class: 'field', ...attrs }, h('span', {}, label), control);
}

/** v to `digits` places; a value that rounds to zero shows as 0, never -0.000. */
const num = (v, digits = 2) =>
  typeof v !== 'number' ? '' : (Math.abs(v) < 0.5 * 10 ** -digits ? 0 : v).toFixed(digits);

/** A file or pasted text as the API takes it: JSON readings ({readings} or an array), else CSV. */
export function readingsBody(text) {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    const j = JSON.parse(t);
    const readings = Array.isArray(j) ? j : j.readings;
    if (!Array.isArray(readings)) throw new Error('the JSON holds no readings array');
    return {
      readings: readings.map(({ step, od, ddl }) => (ddl === undefined ? { step, od } : { step, od, ddl })),
    };
  }
  return { csv: text };
}

function verdict(pass, yes = 'PASS', no = 'FAIL') {
  return h(
    'span',
    { class: `badge ${pass ? 'success' : 'failure'}`, dataset: { verdict: pass ? 'pass' : 'fail' } },
    pass ? yes : no,
  );
}

/** One analysis: the verdict and its figures, the steps table, the plot. */
function analysisView(a) {
  return h(
    'div',
    { class: 'curve-analysis', dataset: { curveAnalysis: '', curve: a.id, pass: String(a.pass) } },
    h(
      'p',
      {},
      verdict(a.pass),
      ' ',
      h('span', { class: 'muted' }, a.protocol.title),
      a.label ? [' · ', h('span', {}, a.label)] : null,
      a.filmId ? [' · film ', h('a', { href: `#/films/${encodeURIComponent(a.filmId)}` }, a.filmId)] : null,
    ),
    h(
      'p',
      { class: 'curve-figures' },
      `Dmin ${num(a.dmin)} · Dmax ${num(a.dmax)} OD · gamma ${num(a.gamma)} (1 on the GSDF) · worst ${num(a.maxAbsResidual, 3)} OD, ${num(a.maxAbsJndError, 1)} JND · ${a.bits}-bit, light box ${a.viewing.illumination} cd/m², ambient ${a.viewing.reflectedAmbient} cd/m²`,
    ),
    h(
      'table',
      { class: 'table curve-steps' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Step', 'DDL', 'Target OD', 'Measured OD', 'Residual', 'JND error', '±', ''].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...a.steps.map((s) =>
          h(
            'tr',
            { class: s.pass ? '' : 'fail', dataset: { step: s.step, pass: String(s.pass) } },
            h('td', { class: 'num' }, s.step),
            h('td', { class: 'num mono' }, s.ddl),
            h('td', { class: 'num mono' }, num(s.target, 3)),
            h('td', { class: 'num mono' }, num(s.od, 2)),
            h('td', { class: 'num mono' }, num(s.residual, 3)),
            h('td', { class: 'num mono' }, num(s.jndError, 1)),
            h('td', { class: 'num mono muted' }, num(s.tolerance, 2)),
            h('td', {}, s.pass ? '✓' : '✗'),
          ),
        ),
      ),
    ),
    h('img', {
      class: 'qa-plot curve-plot',
      src: `/api/qa/curves/${a.id}?format=svg`,
      alt: 'Readings against the GSDF target, and residuals',
    }),
    h(
      'p',
      { class: 'downloads' },
      h('a', { href: `/api/qa/curves/${a.id}`, download: `${a.id}.json`, class: 'button ghost' }, 'JSON'),
      h(
        'a',
        { href: `/api/qa/curves/${a.id}?format=svg`, download: `${a.id}.svg`, class: 'button ghost' },
        'SVG',
      ),
      a.characteristicCurve
        ? h(
            'a',
            {
              href: `data:application/json,${encodeURIComponent(JSON.stringify({ characteristicCurve: a.characteristicCurve }, null, 1))}`,
              download: `${a.id}-characteristic-curve.json`,
              class: 'button ghost',
              title: "for a printer profile's characteristicCurve: Lightbox then prints as this printer",
            },
            'characteristicCurve',
          )
        : null,
    ),
  );
}

/** The panel; `filmId` ties uploads and the list to one film. */
export function curvesPanel({ filmId } = {}) {
  const message = h('p', { class: 'form-message', role: 'status' });
  const result = h('div', { class: 'curve-result' });
  const list = h('ul', { class: 'curve-list' });
  const file = h('input', {
    type: 'file',
    name: 'file',
    accept: '.csv,.txt,.json,text/csv,application/json',
  });
  const text = h('textarea', {
    name: 'readings',
    rows: 4,
    class: 'mono',
    placeholder: 'step,od\n1,3.01\n2,2.87\n…   (or drop a CSV / JSON file above)',
  });
  const bits = h(
    'select',
    { name: 'bits' },
    h('option', { value: '8' }, '8'),
    h('option', { value: '12' }, '12'),
  );
  const illumination = h('input', { type: 'number', name: 'illumination', value: 2000, min: 1, max: 10000 });
  const ambient = h('input', { type: 'number', name: 'ambient', value: 10, min: 0, max: 1000, step: 'any' });
  const protocol = h('select', { name: 'protocol' }, h('option', { value: 'ps3.14-d2' }, 'ps3.14-d2'));
  const tolerance = h('input', {
    type: 'number',
    name: 'toleranceOd',
    min: 0.001,
    max: 5,
    step: 'any',
    placeholder: 'protocol’s',
  });
  const label = h('input', { name: 'label', placeholder: 'densitometer, printer, date…', maxlength: 200 });
  const film = filmId
    ? null
    : h('input', { name: 'filmId', placeholder: 'film id (optional)', class: 'mono' });
  const button = h(
    'button',
    { type: 'submit', dataset: { control: '', action: 'analyse' } },
    'Analyse and keep',
  );

  get('/api/qa/patterns').then(
    (p) =>
      fill(
        protocol,
        ...(p.protocols ?? []).map((x) => h('option', { value: x.name, title: x.title }, x.name)),
      ),
    () => undefined,
  );
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (f) text.value = await f.text();
  });

  async function showList() {
    const { curves } = await get(`/api/qa/curves${query({ film: filmId })}`);
    if (curves.length === 0) {
      fill(
        list,
        h('li', { class: 'muted' }, filmId ? 'No curve measured on this film yet.' : 'None kept yet.'),
      );
      return;
    }
    fill(
      list,
      ...curves.map((c) =>
        h(
          'li',
          { dataset: { curve: c.id, pass: String(c.pass) } },
          verdict(c.pass),
          ' ',
          h(
            'button',
            { type: 'button', class: 'link', dataset: { action: 'show' }, onclick: () => void show(c.id) },
            `${c.id} · ${time(c.createdAt)}`,
          ),
          ` ${c.label ? `${c.label} · ` : ''}${c.protocol}, ${c.readings} readings, gamma ${num(c.gamma)}, worst ${num(c.maxAbsResidual, 3)} OD`,
          !filmId && c.filmId
            ? [' · film ', h('a', { href: `#/films/${encodeURIComponent(c.filmId)}` }, c.filmId)]
            : null,
          ' ',
          h(
            'button',
            {
              type: 'button',
              class: 'ghost small',
              dataset: { control: '', action: 'delete' },
              onclick: async () => {
                try {
                  await del(`/api/qa/curves/${c.id}`);
                  if (result.querySelector(`[data-curve="${c.id}"]`)) result.replaceChildren();
                  await showList();
                } catch (err) {
                  showControlError(message, err);
                }
              },
            },
            'Delete',
          ),
        ),
      ),
    );
  }

  async function show(id) {
    try {
      fill(result, analysisView(await get(`/api/qa/curves/${id}`)));
    } catch (err) {
      showControlError(message, err);
    }
  }

  const form = h(
    'form',
    {
      class: 'curve-form arm-form',
      onsubmit: async (e) => {
        e.preventDefault();
        message.className = 'form-message';
        message.textContent = '';
        let body;
        try {
          body = readingsBody(text.value);
        } catch (err) {
          showControlError(message, err);
          return;
        }
        const extra = {
          bits: Number(bits.value),
          illumination: Number(illumination.value),
          ambient: Number(ambient.value),
          protocol: protocol.value,
          ...(tolerance.value ? { toleranceOd: Number(tolerance.value) } : {}),
          ...(label.value.trim() ? { label: label.value.trim() } : {}),
          ...(filmId ? { filmId } : film.value.trim() ? { filmId: film.value.trim() } : {}),
        };
        button.disabled = true;
        try {
          const a = await post('/api/qa/curves', { ...body, ...extra });
          fill(result, analysisView(a));
          await showList();
        } catch (err) {
          showControlError(message, err);
        } finally {
          button.disabled = false;
        }
      },
    },
    h('div', { class: 'field-row' }, field('Readings file (CSV: step,od[,ddl]; or JSON)', file)),
    h('div', { class: 'field-row' }, field('Readings', text, { class: 'field grow' })),
    h(
      'div',
      { class: 'field-row' },
      field('Bits', bits),
      field('Light box (cd/m²)', illumination),
      field('Ambient (cd/m²)', ambient),
      field('Protocol', protocol),
      field('Own tolerance (OD)', tolerance),
    ),
    h(
      'div',
      { class: 'field-row end' },
      field('Label', label, { class: 'field grow' }),
      film ? field('Film', film) : null,
      button,
    ),
    message,
  );
  void showList().catch((err) => fill(list, notice(err.message, 'error')));
  return h(
    'div',
    { class: 'curves', dataset: { curves: '', film: filmId } },
    form,
    result,
    h('h3', {}, filmId ? 'Curves measured on this film' : 'Analyses kept'),
    list,
  );
}
