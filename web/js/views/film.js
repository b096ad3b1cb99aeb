/**
 * One film, as on a light box: film.png at its real aspect ratio, zoomable down to 1:1 printer
 * pixels and beyond, each image box outlined (SVG, from render.json's rectangles) with its fate and
 * the DIMSE status the SCU got for it (the API's `outcome`), annotations, and the downloads.
 *
 * Outlines carry stable data attributes for tools and tests:
 *   <rect data-box="3" data-fate="cropped density-clamped" data-status="B609" data-category="warning">
 */
import { ApiError, del, get, post, put } from '../api.js';
import { fact, fill, h, notice, outcomeBadge, setTitle, statusBadge, svg, time } from '../dom.js';
import { on } from '../live.js';
import { tileLayer } from '../tiles.js';
import { openTokenDialog, showControlError } from '../token-dialog.js';
import { zoomable } from '../zoom.js';
import { curvesPanel } from './curves.js';
import { forwardPanel } from './forward.js';
import { proxyFilmPanel } from './proxy.js';

const FILES = ['film.png', 'density.png', 'thumb.png', 'film.json', 'render.json'];
/** The film out of Lightbox, made on request from the rendered film: [path under the film, label, file name]. */
const OUTPUTS = [
  ['film.pdf', 'PDF (true size)', 'film.pdf'],
  ['film.pdf?fit=A4', 'PDF on A4', 'A4.pdf'],
  ['film.pdf?fit=Letter', 'PDF on Letter', 'Letter.pdf'],
  ['film.pdf?fit=A3', 'PDF on A3', 'A3.pdf'],
  ['film.dcm', 'DICOM', 'film.dcm'],
  ['film.dcm?depth=16', 'DICOM 16-bit', '16bit.dcm'],
];

export function mount(container, [id]) {
  const root = h('section', { class: 'view film' });
  container.append(root);
  setTitle(`Film ${id}`);
  let zoom;

  async function load() {
    let film;
    try {
      film = await get(`/api/films/${encodeURIComponent(id)}`);
    } catch (e) {
      fill(root, notice(e.status === 404 ? `No film ${id} (deleted?).` : e.message, 'error'));
      return;
    }
    zoom?.dispose();
    zoom = undefined;
    fill(root, viewer(film), sidePanel(film));
  }

  /** The light box: viewport, film stage (image + outlines), labels, toolbar. */
  function viewer(film) {
    const r = film.render;
    if (film.renderStatus !== 'rendered' || !r) {
      const why =
        film.renderStatus === 'failed' ? `Rendering failed: ${r?.error ?? 'see render.json'}` : 'Rendering…';
      return h(
        'div',
        { class: 'lightbox-panel' },
        notice(why, film.renderStatus === 'failed' ? 'error' : 'info'),
      );
    }
    const outcomes = new Map((film.outcome?.boxes ?? []).map((b) => [b.position, b]));
    const outlines = svg(
      'svg',
      { class: 'outlines', viewBox: `0 0 ${r.width} ${r.height}`, preserveAspectRatio: 'none' },
      ...r.boxes.map((b) => outline(b, outcomes.get(b.position))),
    );
    // The thumbnail stretched to the film's size stands in until the tiles in view arrive.
    const img = h('img', {
      class: 'base',
      src: `/api/films/${film.id}/thumb.png`,
      width: r.width,
      height: r.height,
      alt: `Film ${film.id}, ${r.width} x ${r.height} printer pixels`,
      draggable: 'false',
    });
    const stage = h(
      'div',
      { class: 'stage', style: `width:${r.width}px;height:${r.height}px` },
      img,
      outlines,
    );
    const labels = h('div', { class: 'box-labels', 'aria-hidden': 'true' });
    const readout = h('span', { class: 'zoom-readout' });
    const viewport = h(
      'div',
      { class: 'viewport', tabindex: 0, 'aria-label': 'Film: wheel or +/- to zoom, drag to pan' },
      stage,
      labels,
    );
    const btn = (text, title, fn) =>
      h('button', { type: 'button', title, onclick: fn, dataset: { zoom: text } }, text);
    const toggle = h('input', {
      type: 'checkbox',
      checked: true,
      onchange: (e) => viewport.classList.toggle('bare', !e.target.checked),
    });
    const toolbar = h(
      'div',
      { class: 'toolbar' },
      btn('−', 'Zoom out (-)', () => zoom.zoomBy(1 / 1.25)),
      btn('+', 'Zoom in (+)', () => zoom.zoomBy(1.25)),
      btn('Fit', 'Whole film (0)', () => zoom.fit()),
      btn('1:1', 'One film pixel per screen pixel (1)', () => zoom.oneToOne()),
      readout,
      h('label', { class: 'toggle' }, toggle, ' outlines'),
    );

    const boxLabels = r.boxes.map((b) => {
      const o = outcomes.get(b.position);
      const altered = o?.fates.some((f) => f !== 'fits' && f !== 'empty');
      const look =
        o?.status?.category === 'failure' ? 'failure' : altered ? 'warning' : (o?.status?.category ?? '');
      const el = h(
        'span',
        { class: `box-label ${look}`, dataset: { box: b.position } },
        `${b.position}`,
        o && !o.fates.includes('fits') ? ` · ${o.fates.join(', ')}` : '',
        o?.status && o.status.code !== 0 ? ` · ${o.status.hex}` : '',
      );
      labels.append(el);
      return { el, rect: b.box };
    });

    let tiles;
    let view;
    let pending = false;
    /** The tiles for the latest view, once per frame however often the zoom moves. */
    const showTiles = () => {
      if (pending || !tiles || !view) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        const { scale, x, y, devicePixelsPerFilmPixel } = view;
        const vp = viewport.getBoundingClientRect();
        tiles.update(devicePixelsPerFilmPixel, {
          x: -x / scale,
          y: -y / scale,
          width: vp.width / scale,
          height: vp.height / scale,
        });
      });
    };
    get(`/api/films/${encodeURIComponent(film.id)}/tiles`).then(
      (geometry) => {
        tiles = tileLayer(stage, film.id, geometry);
        showTiles();
      },
      // No pyramid to be had: the whole film.png, as it is.
      () => img.setAttribute('src', `/api/films/${film.id}/film.png`),
    );

    requestAnimationFrame(() => {
      zoom = zoomable(viewport, stage, r, (now) => {
        view = now;
        showTiles();
        const d = now.devicePixelsPerFilmPixel;
        readout.textContent =
          d >= 1
            ? `${d.toFixed(d < 10 ? 1 : 0)} screen px per film px`
            : `1 screen px per ${(1 / d).toFixed(1)} film px`;
        readout.dataset.scale = d.toFixed(4);
        for (const { el, rect } of boxLabels) {
          const v = zoom?.toViewport(rect) ?? { left: 0, top: 0, width: 0 };
          el.style.transform = `translate(${v.left}px, ${v.top}px)`;
          // Small boxes on screen: the label is cut (ellipsis) rather than spill over its neighbours.
          el.style.maxWidth = `${Math.max(0, v.width - 6)}px`;
        }
      });
      zoom.fit();
    });
    return h('div', { class: 'lightbox-panel' }, toolbar, viewport);
  }

  void load();
  const off = on(['film.rendered', 'film.removed', 'export'], (e) => {
    if (e.type === 'export') {
      if (e.film === id) void refreshExports(root, id);
    } else if (e.type === 'film.removed' && e.film === id) {
      zoom?.dispose();
      zoom = undefined;
      const why = e.reason === 'api' ? 'deleted' : `removed by retention (${e.reason})`;
      fill(root, notice(`Film ${id} was ${why}.`, 'info'));
    } else if (e.type === 'resync' || (e.type === 'film.rendered' && e.film === id)) void load();
  });
  return () => {
    off();
    zoom?.dispose();
  };
}

/** One image box's outline; its class says how to colour it, its data attributes what happened. */
function outline(b, o) {
  const fates = o?.fates ?? (b.image ? ['fits'] : ['empty']);
  const category = o?.status?.category ?? 'unknown';
  // Coloured by the worse of the status and the fate: a clamped or cropped image is worth a look
  // even when the SCU was told so on the film box rather than on this box.
  const altered = fates.some((f) => f !== 'fits' && f !== 'empty');
  const look = category === 'failure' ? 'failure' : category === 'warning' || altered ? 'warning' : category;
  const { x, y, width, height } = b.box;
  const title = [
    `Box ${b.position}: ${fates.join(', ')}`,
    o?.status ? `0x${o.status.hex} ${o.status.name}` : 'status not recorded',
    o?.status?.errorComment,
  ]
    .filter(Boolean)
    .join('\n');
  return svg(
    'rect',
    {
      x: x + 0.5,
      y: y + 0.5,
      width: Math.max(0, width - 1),
      height: Math.max(0, height - 1),
      class: `box ${fates.includes('empty') ? 'empty' : ''} ${look}`,
      dataset: { box: b.position, fate: fates.join(' '), status: o?.status?.hex ?? 'none', category },
    },
    svg('title', {}, title),
  );
}

/** Everything beside the film: what was asked and decided, box by box, and the files. */
function sidePanel(film) {
  const f = film.film;
  const r = film.render;
  const fa = f?.filmBox?.attributes ?? {};
  const val = (ds, tag) => {
    const v = ds?.[tag]?.Value;
    return v === undefined ? undefined : ['ST', 'LT', 'UT'].includes(ds[tag].vr) ? v.join('\\') : v[0];
  };
  const m = f?.filmBox?.matrix;
  const filmStatuses = (film.outcome?.filmBox?.statuses ?? []).filter(
    (s) => s.code !== 0 || s.message === 'N-ACTION-RSP',
  );
  const outcomes = film.outcome?.boxes ?? [];
  const renderBoxes = new Map((r?.boxes ?? []).map((b) => [b.position, b]));

  return h(
    'aside',
    { class: 'side' },
    h('h1', {}, 'Film'),
    h('p', { class: 'muted mono' }, film.id),
    h('div', { class: 'film-result' }, outcomeBadge(film.result)),
    pinControl(film),
    forwardPanel(film.id),
    proxyFilmPanel(film),
    h(
      'dl',
      { class: 'facts' },
      fact('Printer', film.printer),
      fact('From', h('code', {}, film.callingAeTitle)),
      fact('Printed', time(film.printedAt)),
      fact('Film size', [val(fa, '20100050'), val(fa, '20100040')].filter(Boolean).join(', ')),
      fact('Format', val(fa, '20100010')),
      m ? fact('Pixels', `${m.width} × ${m.height} at ${m.dpi} dpi (${m.widthMm} × ${m.heightMm} mm)`) : null,
      fact('Medium', val(f?.filmSession?.attributes, '20000030')),
      fact('Magnification', val(fa, '20100060')),
      fact(
        'Density',
        r ? `border ${r.borderDensity / 100}, empty ${r.emptyImageDensity / 100} OD` : undefined,
      ),
      fact(
        'Job',
        film.jobUid
          ? [
              h(
                'a',
                {
                  class: 'mono',
                  href: `#/jobs/${film.jobUid}`,
                  title: film.jobUid,
                  dataset: { jobLink: film.jobUid },
                },
                `…${film.jobUid.slice(-12)}`,
              ),
              film.jobStatus
                ? h('span', { class: `job-status ${film.jobStatus}` }, ` ${film.jobStatus}`)
                : null,
              film.jobStatusInfo && film.jobStatusInfo !== 'NORMAL' ? ` ${film.jobStatusInfo}` : '',
              f ? ` · ${f.job.copies} cop${f.job.copies === 1 ? 'y' : 'ies'}` : '',
            ]
          : null,
      ),
      fact(
        'Association',
        film.associationId
          ? h(
              'a',
              { href: `#/associations/${film.associationId}`, dataset: { association: film.associationId } },
              film.associationId,
              ' (conversation and verdict)',
            )
          : null,
      ),
      r ? fact('Rendered in', `${r.ms} ms`) : null,
    ),
    h('h2', {}, 'Film box'),
    filmStatuses.length === 0
      ? h('p', { class: 'muted' }, 'No status recorded.')
      : h(
          'ul',
          { class: 'status-list', 'data-film-statuses': '' },
          ...filmStatuses.map((s) =>
            h(
              'li',
              { dataset: { status: s.hex, category: s.category } },
              h('span', { class: 'muted' }, s.message ?? 'film.json'),
              ' ',
              statusBadge(s),
              s.errorComment ? h('div', { class: 'comment' }, s.errorComment) : null,
              ownAnswer(s),
            ),
          ),
        ),
    h('h2', {}, 'Image boxes'),
    boxTable(outcomes, renderBoxes, f),
    film.renderStatus === 'rendered' ? [h('h2', {}, 'Density QA'), qaSection(film.id)] : null,
    film.renderStatus === 'rendered' ? [h('h2', {}, 'Compare with a golden'), diffSection(film)] : null,
    h('h2', {}, 'Measured curves'),
    h(
      'p',
      { class: 'muted small' },
      'Densitometer readings of this film as a real printer printed it, against the GSDF.',
    ),
    curvesPanel({ filmId: film.id }),
    h('h2', {}, 'Annotations'),
    (f?.annotations ?? []).length === 0
      ? h('p', { class: 'muted' }, 'None.')
      : h(
          'ol',
          { class: 'annotations' },
          ...f.annotations.map((a) =>
            h('li', { value: a.position, dataset: { annotation: a.position } }, a.text),
          ),
        ),
    r?.stamp?.length ? [h('h2', {}, 'Stamp'), h('p', {}, r.stamp.join(' · '))] : null,
    exportsSection(film),
    h('h2', {}, 'Downloads'),
    h(
      'p',
      { class: 'downloads' },
      ...FILES.filter((n) => n.endsWith('.json') || film.renderStatus === 'rendered').map((n) =>
        h('a', { href: `/api/films/${film.id}/${n}`, download: `${film.id}-${n}`, class: 'button ghost' }, n),
      ),
      ...(film.renderStatus === 'rendered' ? OUTPUTS : []).map(([path, label, name]) =>
        h(
          'a',
          {
            href: `/api/films/${film.id}/${path}`,
            download: `${film.id}-${name}`,
            class: 'button ghost',
            dataset: { output: path },
          },
          label,
        ),
      ),
    ),
  );
}

/**
 * The density report (GET /api/films/:id/qa) when the film carries a QA test pattern: the verdict,
 * each box's pattern and worst residual, and the plot (qa.svg). Loaded after the rest of the page.
 * Hooks for tools and tests: [data-qa] with data-state (loading, none, pass, fail, error).
 */
function qaSection(id) {
  const el = h(
    'div',
    { class: 'qa', dataset: { qa: '', state: 'loading' } },
    h('p', { class: 'muted' }, 'Measuring…'),
  );
  const base = `/api/films/${encodeURIComponent(id)}/qa`;
  get(base).then(
    (r) => {
      el.dataset.state = r.pass ? 'pass' : 'fail';
      fill(
        el,
        h(
          'p',
          {},
          h(
            'span',
            {
              class: `badge ${r.pass ? 'success' : 'failure'}`,
              dataset: { verdict: r.pass ? 'pass' : 'fail' },
            },
            r.pass ? 'PASS' : 'FAIL',
          ),
          ' ',
          h('span', { class: 'muted', title: r.protocol.source }, r.protocol.title),
        ),
        h(
          'ul',
          { class: 'qa-boxes' },
          ...r.boxes.map((b) =>
            h(
              'li',
              { dataset: { box: b.position, pattern: b.pattern, pass: String(b.pass) } },
              `Box ${b.position}: ${b.title} (${b.how}), ${b.polarity}, ${b.presentationLut}: worst ${b.maxAbsResidual.toFixed(3)} OD, ${b.maxAbsJndError.toFixed(1)} JND`,
              b.uniformity ? ` · spread ${b.uniformity.spread.toFixed(3)} OD` : '',
            ),
          ),
        ),
        h('img', {
          class: 'qa-plot',
          src: `${base}.svg`,
          alt: 'Measured density against the PS3.14 target, and residuals',
        }),
        h(
          'p',
          { class: 'downloads' },
          h('a', { href: base, class: 'button ghost', download: `${id}-qa.json` }, 'qa.json'),
          h('a', { href: `${base}.svg`, class: 'button ghost', download: `${id}-qa.svg` }, 'qa.svg'),
        ),
      );
    },
    (e) => {
      el.dataset.state = e.status === 422 ? 'none' : 'error';
      fill(
        el,
        h(
          'p',
          { class: 'muted' },
          e.status === 422 ? 'No QA test pattern on this film (see /api/qa/patterns).' : e.message,
        ),
      );
    },
  );
  return el;
}

/**
 * Film diff against another film (POST /api/films/:id/diff, a control request): the verdict, each
 * region's mean / p95 / max difference, and the golden, this film and the difference image side by
 * side. Hooks: [data-diff] with data-state (idle, running, pass, fail, error), tr[data-region].
 */
function diffSection(film) {
  const listId = `golden-films-${film.id}`;
  const input = h('input', {
    name: 'against',
    placeholder: 'golden film id',
    list: listId,
    class: 'mono diff-against',
  });
  const list = h('datalist', { id: listId });
  const button = h('button', { type: 'submit', dataset: { control: '', action: 'diff' } }, 'Compare');
  const result = h('div', { class: 'diff-result' });
  const el = h(
    'div',
    { class: 'diff', dataset: { diff: '', state: 'idle' } },
    h(
      'form',
      {
        class: 'diff-form',
        onsubmit: (e) => {
          e.preventDefault();
          void run(input.value.trim());
        },
      },
      input,
      list,
      button,
    ),
    result,
  );
  // Other films of the same printer, newest first, as suggestions.
  get(`/api/films?order=desc&limit=50&printer=${encodeURIComponent(film.printer)}`).then(
    (films) => {
      for (const f of films) if (f.id !== film.id) list.append(h('option', { value: f.id }));
    },
    () => undefined,
  );
  async function run(against) {
    if (!against) return;
    el.dataset.state = 'running';
    button.disabled = true;
    const path = `/api/films/${encodeURIComponent(film.id)}/diff`;
    try {
      const d = await post(path, { against });
      const png = await fetch(`${path}?format=png`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ against }),
      });
      if (!png.ok) throw new ApiError(png.status, `difference image: ${png.status}`);
      const diffUrl = URL.createObjectURL(await png.blob());
      el.dataset.state = d.pass ? 'pass' : 'fail';
      const unit = d.unit === 'od' ? 'OD' : 'levels';
      const regions = d.comparable ? [d.whole, ...d.boxes] : [];
      fill(
        result,
        h(
          'p',
          {},
          h(
            'span',
            {
              class: `badge ${d.pass ? 'success' : 'failure'}`,
              dataset: { verdict: d.pass ? 'pass' : 'fail' },
            },
            d.pass ? 'SAME' : 'DIFFERS',
          ),
          ' ',
          d.comparable
            ? h(
                'span',
                { class: 'muted' },
                `thresholds mean ${d.thresholds.mean}, p95 ${d.thresholds.p95}, max ${d.thresholds.max} ${unit}`,
              )
            : d.reason,
        ),
        regions.length
          ? h(
              'table',
              { class: 'table diff-regions' },
              h(
                'thead',
                {},
                h('tr', {}, ...['Region', 'mean ±', 'mean', 'p95', 'max'].map((t) => h('th', {}, t))),
              ),
              h(
                'tbody',
                {},
                ...regions.map((r) =>
                  h(
                    'tr',
                    { class: r.pass ? '' : 'fail', dataset: { region: r.name, pass: String(r.pass) } },
                    h('td', {}, r.name),
                    ...[r.meanSigned, r.mean, r.p95, r.max].map((v) =>
                      h('td', { class: 'num mono' }, v.toFixed(3)),
                    ),
                  ),
                ),
              ),
            )
          : null,
        h(
          'div',
          { class: 'diff-images' },
          h(
            'figure',
            {},
            h('img', {
              src: `/api/films/${encodeURIComponent(against)}/thumb.png`,
              alt: 'golden',
              class: 'diff-thumb',
            }),
            h('figcaption', {}, 'golden'),
          ),
          h(
            'figure',
            {},
            h('img', {
              src: `/api/films/${encodeURIComponent(film.id)}/thumb.png`,
              alt: 'this film',
              class: 'diff-thumb',
            }),
            h('figcaption', {}, 'this film'),
          ),
          d.comparable
            ? h(
                'figure',
                {},
                h('img', { class: 'diff-image diff-thumb', src: diffUrl, alt: 'difference' }),
                h('figcaption', {}, 'difference: red denser, blue lighter'),
              )
            : null,
        ),
      );
    } catch (err) {
      el.dataset.state = 'error';
      fill(
        result,
        h(
          'p',
          { class: 'form-message error' },
          err.needsToken ? `${err.message}: log in with the API token.` : err.message,
        ),
      );
      if (err.needsToken) openTokenDialog();
    } finally {
      button.disabled = false;
    }
  }
  return el;
}

/**
 * The film's exports (profile key export): each target with its state, attempts, the peer's last
 * answer and the next attempt; "Send again" is a control request (data-control).
 */
function exportsSection(film) {
  const list = film.exports ?? [];
  if (list.length === 0) return null;
  return h(
    'section',
    { dataset: { exports: '' } },
    h('h2', {}, 'Exports'),
    h('ul', { class: 'exports' }, ...list.map(exportRow)),
  );
}

function exportRow(x) {
  const message = h('span', { class: 'form-message' });
  const button = h(
    'button',
    { type: 'button', class: 'ghost', dataset: { control: '', action: 'resend' } },
    x.state === 'sent' ? 'Send again' : 'Retry now',
  );
  button.disabled = x.state === 'sending';
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await post(`/api/exports/${x.id}/resend`);
    } catch (err) {
      showControlError(message, err);
      button.disabled = false;
    }
  });
  const when =
    x.state === 'sent' ? ` ${x.sentAt ?? ''}` : x.nextAttemptAt ? `, next attempt ${x.nextAttemptAt}` : '';
  return h(
    'li',
    { dataset: { export: x.target, exportState: x.state } },
    h('strong', {}, x.target),
    ` (${x.kind}) `,
    h(
      'span',
      { class: `badge ${x.state === 'sent' ? 'success' : x.state === 'failed' ? 'failure' : 'unknown'}` },
      x.state,
    ),
    ` ${x.attempts} attempt${x.attempts === 1 ? '' : 's'}${when} `,
    x.error ? h('p', { class: 'export-error', dataset: { exportError: '' } }, x.error) : null,
    button,
    message,
  );
}

/** Exports changed: the section is drawn again from the film's detail, the rest of the view stays. */
async function refreshExports(root, id) {
  let film;
  try {
    film = await get(`/api/films/${encodeURIComponent(id)}`);
  } catch {
    return;
  }
  const old = root.querySelector('[data-exports]');
  const fresh = exportsSection(film);
  if (old && fresh) old.replaceWith(fresh);
}

/**
 * Pin or unpin the film (a control request: data-control). A pinned film is never
 * removed by retention; it still counts toward the retention limits.
 */
function pinControl(film) {
  let pinned = film.pinned;
  const mark = h('span', { class: 'pin-mark', title: 'retention keeps this film' }, 'pinned');
  const button = h('button', { type: 'button', class: 'ghost', dataset: { control: '' } });
  const message = h('p', { class: 'form-message' });
  const show = () => {
    mark.hidden = !pinned;
    button.textContent = pinned ? 'Unpin' : 'Pin';
    button.dataset.action = pinned ? 'unpin' : 'pin';
    button.title = pinned
      ? 'Let retention remove this film again'
      : 'Keep this film whatever retention says (it still counts toward the limits)';
    button.setAttribute('aria-pressed', String(pinned));
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    message.className = 'form-message';
    message.textContent = '';
    const path = `/api/films/${encodeURIComponent(film.id)}/pin`;
    try {
      const updated = pinned ? await del(path) : await put(path);
      pinned = updated.pinned;
      show();
    } catch (err) {
      showControlError(message, err);
    } finally {
      button.disabled = false;
    }
  });
  show();
  return h('div', { class: 'pin-control', dataset: { pinControl: '' } }, button, ' ', mark, message);
}

function boxTable(outcomes, renderBoxes, f) {
  const images = new Map((f?.imageBoxes ?? []).map((b) => [b.position, b.image]));
  const density = (o) => {
    if (o.maxDensity === undefined) return '';
    return `${o.minDensity / 100}–${o.maxDensity / 100}`;
  };
  return h(
    'table',
    { class: 'table boxes' },
    h('thead', {}, h('tr', {}, ...['#', 'Fate', 'SCU got', 'Image', 'OD'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...outcomes.map((o) => {
        const im = images.get(o.position);
        const rb = renderBoxes.get(o.position);
        return h(
          'tr',
          {
            dataset: { box: o.position, fate: o.fates.join(' ') },
            onmouseenter: () => highlight(o.position, true),
            onmouseleave: () => highlight(o.position, false),
          },
          h('td', { class: 'num' }, o.position),
          h('td', { class: 'fates' }, ...o.fates.map((fate) => h('span', { class: `fate ${fate}` }, fate))),
          h(
            'td',
            {},
            o.status || !o.fates.includes('empty')
              ? statusBadge(o.status, { short: true })
              : h('span', { class: 'badge unknown', title: 'the SCU never set this box' }, 'not set'),
            // The comment shows where Lightbox's own answer differs (proxy mode); else it is the badge's title.
            o.status?.lightbox && o.status.errorComment
              ? h('div', { class: 'comment small', dataset: { scuComment: '' } }, o.status.errorComment)
              : null,
            ownAnswer(o.status),
          ),
          h(
            'td',
            { class: 'image-phrase', dataset: { image: o.position } },
            imagePhrase(im, rb, o, requestedMm(f, o.position)),
          ),
          h(
            'td',
            {
              class: 'mono',
              title: o.requestedMaxDensity
                ? `asked ${o.requestedMinDensity ?? ''}–${o.requestedMaxDensity}`
                : '',
            },
            density(o),
          ),
        );
      }),
    ),
  );
}

/**
 * Proxy mode: Lightbox's own answer under the real printer's (the one the SCU got), where they
 * differ (the API's `lightbox` on an outcome status).
 */
function ownAnswer(s) {
  const own = s?.lightbox;
  if (!own) return null;
  return h(
    'div',
    { class: 'lightbox-answer muted small', dataset: { lightboxStatus: own.hex } },
    'Lightbox ',
    statusBadge(own, { short: true }),
    own.errorComment
      ? h('div', { class: 'comment', dataset: { lightboxComment: '' } }, own.errorComment)
      : null,
  );
}

/** Requested Image Size (2020,0030) of an image box, in mm, when the SCU asked for one. */
function requestedMm(f, position) {
  const box = (f?.imageBoxes ?? []).find((b) => b.position === position);
  const v = box?.attributes?.['20200030']?.Value?.[0];
  const mm = Number(v);
  return v === undefined || !Number.isFinite(mm) ? undefined : mm;
}

const times = (k) => `×${k >= 10 ? k.toFixed(0) : k.toFixed(2)}`;

/**
 * What happened to the image, in one phrase that agrees with its fate: the size received, what
 * the printer did to it and the size printed (render.json's rectangle), the factor last. An image
 * "decimated" because a Requested Image Size did not fit is still enlarged from its own pixels:
 * the phrase says both, so ×2.13 never reads as the opposite of "decimated".
 */
export function imagePhrase(im, rb, o, mm) {
  if (!im) return o.fates.includes('empty') ? 'no image' : '—';
  const got = `${im.columns}×${im.rows}`;
  const dest = rb?.image;
  const printed = dest ? `${dest.width}×${dest.height}` : undefined;
  const k = rb?.scale;
  const asked = mm === undefined ? '' : `, ${mm} mm wide asked`;
  if (o.fates.includes('cropped'))
    return printed ? `${got}${asked}, cropped to its centre ${printed} at 1:1` : `${got}${asked}, cropped`;
  for (const fate of ['decimated', 'demagnified']) {
    if (!o.fates.includes(fate)) continue;
    if (!printed || k === undefined) return `${got}${asked}: too large for its box, ${fate}`;
    // The box was too small for what was asked; the image may still be smaller than the box.
    const size = mm === undefined ? 'too large for its box' : 'more than its box holds';
    return `${got}${asked}: ${size}, ${fate} to fit, printed ${printed} (${times(k)} of the image)`;
  }
  if (!printed || k === undefined) return `${got}${asked}`;
  if (Math.abs(k - 1) < 0.005) return `${got}${asked}, printed 1:1`;
  return `${got}${asked}, ${k > 1 ? 'enlarged' : 'reduced'} ${times(k)} to ${printed}`;
}

function highlight(position, on) {
  for (const el of document.querySelectorAll(`.view.film [data-box="${position}"]`))
    el.classList.toggle('hot', on);
}
