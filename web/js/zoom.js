/**
 * Zoom and pan for the film view. The stage is the film at its own pixel size (width x height CSS
 * pixels) moved with one CSS transform; "1:1" is one film pixel per *device* pixel, so it means
 * printer pixels on a 4K (devicePixelRatio 2) screen too. Wheel zooms around the cursor, drag
 * pans, and the keys + - 0 (fit) 1 (1:1) work while the viewport has focus.
 */

const MAX_DEVICE_ZOOM = 16; // device pixels per film pixel, at most

export function zoomable(viewport, stage, { width, height }, onChange = () => {}) {
  let scale = 1;
  let x = 0;
  let y = 0;
  let fitted = true; // refit on resize until the user zooms or pans
  const dpr = () => window.devicePixelRatio || 1;
  const fitScale = () => {
    const r = viewport.getBoundingClientRect();
    return Math.min(r.width / width, r.height / height) * 0.97;
  };

  function apply() {
    stage.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    // Past 1:1, show film pixels as squares rather than blurring them.
    stage.classList.toggle('pixelated', scale * dpr() >= 1);
    onChange({ scale, devicePixelsPerFilmPixel: scale * dpr(), x, y });
  }

  function fitToView() {
    const r = viewport.getBoundingClientRect();
    scale = fitScale();
    x = (r.width - width * scale) / 2;
    y = (r.height - height * scale) / 2;
    fitted = true;
    apply();
  }

  /** Zoom to `next` keeping the film point under (cx, cy) (viewport coordinates) in place. */
  function zoomTo(next, cx, cy) {
    const r = viewport.getBoundingClientRect();
    cx ??= r.width / 2;
    cy ??= r.height / 2;
    const s = Math.min(MAX_DEVICE_ZOOM / dpr(), Math.max(fitScale() / 4, next));
    x = cx - ((cx - x) * s) / scale;
    y = cy - ((cy - y) * s) / scale;
    scale = s;
    fitted = false;
    apply();
  }

  viewport.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const r = viewport.getBoundingClientRect();
      // Trackpads send many small deltas, mice few large ones: exponential keeps both smooth.
      zoomTo(scale * Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    },
    { passive: false },
  );

  let drag;
  viewport.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { id: e.pointerId, sx: e.clientX, sy: e.clientY, x, y };
    viewport.setPointerCapture(e.pointerId);
    viewport.classList.add('dragging');
  });
  viewport.addEventListener('pointermove', (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    x = drag.x + e.clientX - drag.sx;
    y = drag.y + e.clientY - drag.sy;
    fitted = false;
    apply();
  });
  const end = () => {
    drag = undefined;
    viewport.classList.remove('dragging');
  };
  viewport.addEventListener('pointerup', end);
  viewport.addEventListener('pointercancel', end);

  viewport.addEventListener('keydown', (e) => {
    const keys = {
      '+': () => zoomTo(scale * 1.25),
      '=': () => zoomTo(scale * 1.25),
      '-': () => zoomTo(scale / 1.25),
      0: fitToView,
      1: () => zoomTo(1 / dpr()),
    };
    if (keys[e.key]) {
      e.preventDefault();
      keys[e.key]();
    }
  });

  const resize = new ResizeObserver(() => fitted && fitToView());
  resize.observe(viewport);

  return {
    fit: fitToView,
    oneToOne: () => zoomTo(1 / dpr()),
    zoomBy: (f) => zoomTo(scale * f),
    /** Film pixel rectangle -> viewport rectangle (for the labels drawn outside the stage). */
    toViewport: (r) => ({
      left: x + r.x * scale,
      top: y + r.y * scale,
      width: r.width * scale,
      height: r.height * scale,
    }),
    dispose: () => resize.disconnect(),
  };
}
