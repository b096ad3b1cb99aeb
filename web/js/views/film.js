/**
 * One film, as on a light box: film.png at its real aspect ratio, zoomable down to 1:1 printer
 * pixels and beyond, each image box outlined (SVG, from render.json's rectangles) with its fate and
 * the DIMSE status the SCU got for it (the API's `outcome`), annotations, and the downloads.
 *
 * Outlines carry stable data attributes for tools and tests:
 *   <rect data-box="3" data-fate="cropped density-clamped" data-status="B609" data-category="warning">
 */
import { del, get, put } from '../api.js';
import { fact, fill, h, notice, statusBadge, svg, time } from '../dom.js';
import { on } from '../live.js';
import { openTokenDialog } from '../token-dialog.js';
import { zoomable } from '../zoom.js';
import { forwardPanel } from './forward.js';

const FILES = ['film.png', 'density.png', 'thumb.png', 'film.json', 'render.json'];

export function mount(container, [id]) {
  const root = h('section', { class: 'view film' });
  container.append(root);
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
    const img = h('img', {
      src: `/api/films/${film.id}/film.png`,
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

    requestAnimationFrame(() => {
      zoom = zoomable(viewport, stage, r, ({ devicePixelsPerFilmPixel: d }) => {
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
  const off = on(['film.rendered', 'film.removed'], (e) => {
    if (e.type === 'film.removed' && e.film === id) {
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
    pinControl(film),
    forwardPanel(film.id),
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
        f
          ? h(
              'span',
              { class: 'mono', title: f.job.uid },
              `…${f.job.uid.slice(-12)} · ${f.job.copies} cop${f.job.copies === 1 ? 'y' : 'ies'}`,
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
            ),
          ),
        ),
    h('h2', {}, 'Image boxes'),
    boxTable(outcomes, renderBoxes, f),
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
    h('h2', {}, 'Downloads'),
    h(
      'p',
      { class: 'downloads' },
      ...FILES.filter((n) => n.endsWith('.json') || film.renderStatus === 'rendered').map((n) =>
        h('a', { href: `/api/films/${film.id}/${n}`, download: `${film.id}-${n}`, class: 'button ghost' }, n),
      ),
    ),
  );
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
      message.className = 'form-message error';
      message.textContent = err.needsToken ? `${err.message}: log in with the API token.` : err.message;
      if (err.needsToken) openTokenDialog();
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
          h('td', {}, ...o.fates.map((fate) => h('span', { class: `fate ${fate}` }, fate))),
          h(
            'td',
            {},
            o.status || !o.fates.includes('empty')
              ? statusBadge(o.status, { short: true })
              : h('span', { class: 'badge unknown', title: 'the SCU never set this box' }, 'not set'),
          ),
          h(
            'td',
            { class: 'mono' },
            im ? `${im.columns}×${im.rows}${rb?.scale ? ` ×${rb.scale.toFixed(2)}` : ''}` : '—',
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

function highlight(position, on) {
  for (const el of document.querySelectorAll(`.view.film [data-box="${position}"]`))
    el.classList.toggle('hot', on);
}
