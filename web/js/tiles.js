/**
 * The film as tiles (GET /api/films/{id}/tiles, Deep Zoom layout): for the zoom on screen, the
 * coarsest pyramid level that still gives at least one tile pixel per device pixel, and of it only
 * the tiles in view. So the fit view costs a dozen small tiles and 1:1 on a 24-megapixel film a
 * few 512-pixel ones, never the whole film.png. Tiles sit in the stage in film pixels, so the
 * zoom's one CSS transform moves them with the outlines. A level's layer stays under the next one
 * until the next one's tiles in view have arrived: no flash of empty film while zooming.
 */
import { h } from './dom.js';

export function tileLayer(stage, filmId, geometry) {
  const { levels, tileSize, version } = geometry;
  const top = levels - 1;
  const layers = new Map(); // level -> { el, tiles: Map<key, img> }
  let current;

  /** Film pixels per tile pixel at a level, and the level's size in tiles. */
  const factor = (level) => 2 ** (top - level);
  const grid = (level) => {
    let w = geometry.width;
    let hgt = geometry.height;
    for (let l = top; l > level; l--) {
      w = Math.ceil(w / 2);
      hgt = Math.ceil(hgt / 2);
    }
    return { columns: Math.ceil(w / tileSize), rows: Math.ceil(hgt / tileSize) };
  };

  function layer(level) {
    let l = layers.get(level);
    if (!l) {
      const el = h('div', { class: 'tiles', dataset: { level } });
      el.style.zIndex = String(level);
      stage.insertBefore(el, stage.querySelector('svg'));
      l = { el, tiles: new Map() };
      layers.set(level, l);
    }
    return l;
  }

  /** Drop the layers under `level` once every tile it wants on screen has arrived. */
  function settle(level, wanted) {
    const l = layers.get(level);
    if (level !== current || !l) return;
    if (![...wanted].every((k) => l.tiles.get(k)?.dataset.loaded)) return;
    for (const [other, o] of layers)
      if (other !== level) {
        o.el.remove();
        layers.delete(other);
      }
    stage.dataset.tilesReady = String(level);
  }

  /**
   * Show the tiles for a view: `d` device pixels per film pixel, `visible` the film rectangle
   * in view ({ x, y, width, height } in film pixels).
   */
  function update(d, visible) {
    const level = Math.max(0, Math.min(top, top - Math.floor(Math.log2(Math.max(1, 1 / d)))));
    current = level;
    stage.dataset.tilesLevel = String(level);
    const f = factor(level);
    const span = tileSize * f; // film pixels per tile
    const { columns, rows } = grid(level);
    const c0 = Math.max(0, Math.floor(visible.x / span));
    const r0 = Math.max(0, Math.floor(visible.y / span));
    const c1 = Math.min(columns - 1, Math.floor((visible.x + visible.width - 1) / span));
    const r1 = Math.min(rows - 1, Math.floor((visible.y + visible.height - 1) / span));
    const l = layer(level);
    const wanted = new Set();
    for (let c = c0; c <= c1; c++)
      for (let r = r0; r <= r1; r++) {
        const key = `${c}_${r}`;
        wanted.add(key);
        if (l.tiles.has(key)) continue;
        const img = h('img', {
          src: `/api/films/${encodeURIComponent(filmId)}/tiles/${level}/${key}.png?v=${encodeURIComponent(version)}`,
          alt: '',
          draggable: 'false',
          dataset: { tile: `${level}/${key}` },
        });
        Object.assign(img.style, { left: `${c * span}px`, top: `${r * span}px` });
        img.onload = () => {
          // Edge tiles are smaller: their size in film pixels is their own size times the factor.
          img.style.width = `${img.naturalWidth * f}px`;
          img.style.height = `${img.naturalHeight * f}px`;
          img.dataset.loaded = '1';
          settle(level, wanted);
        };
        l.tiles.set(key, img);
        l.el.append(img);
      }
    // Tiles of this level far out of view are let go (a 1:1 pan across a whole film adds up).
    for (const [key, img] of l.tiles) {
      const [c, r] = key.split('_').map(Number);
      if (c < c0 - 2 || c > c1 + 2 || r < r0 - 2 || r > r1 + 2) {
        img.remove();
        l.tiles.delete(key);
      }
    }
    settle(level, wanted);
  }

  return { update };
}
