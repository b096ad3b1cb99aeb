/**
 * A density report as an SVG plot, one panel per reported box: measured densities (dots) over the
 * target curve (line) against the P-value, and below it the residuals with each step's tolerance.
 * Uniformity fields plot their regions' residuals only. Pure: returns the SVG text.
 */
import type { CurveReport } from './curve.js';
import type { QaBoxReport, QaReport } from './report.js';
import { gsdfDensity } from './targets.js';

/** What one panel draws: a box of a density report, or a measured curve. */
interface Panel {
  heading: string;
  kind: 'steps' | 'uniformity';
  maxDensity: number;
  pass: boolean;
  curve: { pValue: number; target: number }[];
  steps: {
    label: string;
    pValue: number;
    target: number;
    measured: number;
    residual: number;
    tolerance: number;
    jndError: number;
    pass: boolean;
  }[];
}

const boxPanel = (b: QaBoxReport): Panel => ({
  ...b,
  heading: `Box ${b.position}: ${b.title} - ${b.polarity}, ${b.presentationLut}, D ${b.minDensity.toFixed(2)}..${b.maxDensity.toFixed(2)} - ${b.pass ? 'PASS' : 'FAIL'}`,
});

const W = 640;
const CURVE_H = 260;
const RES_H = 130;

const PAD = { left: 56, right: 16, top: 34, bottom: 30 };
const PANEL_H = PAD.top + CURVE_H + 28 + RES_H + PAD.bottom;
/** Panels in one SVG: a film has at most a few dozen boxes; a plot of more says nothing more. */
const MAX_PANELS = 12;

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
const f1 = (v: number) => v.toFixed(1);

function panel(b: Panel, top: number): string {
  const x0 = PAD.left;
  const x1 = W - PAD.right;
  const px = (p: number) => x0 + p * (x1 - x0);
  const out: string[] = [];
  out.push(`<text x="${x0}" y="${top + 20}" class="title${b.pass ? '' : ' fail'}">${esc(b.heading)}</text>`);
  // Density chart.
  const cTop = top + PAD.top;
  const dMax = Math.max(b.maxDensity, ...b.steps.map((s) => s.measured)) * 1.05;
  const py = (d: number) => cTop + CURVE_H - (d / dMax) * CURVE_H;
  out.push(`<rect x="${x0}" y="${cTop}" width="${x1 - x0}" height="${CURVE_H}" class="frame"/>`);
  for (let d = 0; d <= dMax; d += 0.5)
    out.push(
      `<line x1="${x0}" x2="${x1}" y1="${f1(py(d))}" y2="${f1(py(d))}" class="grid"/><text x="${x0 - 6}" y="${f1(py(d) + 4)}" class="axis" text-anchor="end">${d.toFixed(1)}</text>`,
    );
  for (let p = 0; p <= 1.0001; p += 0.25)
    out.push(
      `<text x="${f1(px(p))}" y="${cTop + CURVE_H + 16}" class="axis" text-anchor="middle">${p.toFixed(2)}</text>`,
    );
  out.push(
    `<text x="${x0 + 4}" y="${cTop + 12}" class="axis">${b.kind === 'steps' ? 'density (OD) over P-value: line target, dots measured' : 'density (OD) of each region'}</text>`,
  );
  if (b.kind === 'steps') {
    const pts = b.curve.map((c) => `${f1(px(c.pValue))},${f1(py(c.target))}`).join(' ');
    out.push(`<polyline points="${pts}" class="target"/>`);
  }
  for (const s of b.steps)
    out.push(
      `<circle cx="${f1(px(s.pValue))}" cy="${f1(py(s.measured))}" r="3" class="${s.pass ? 'measured' : 'measured fail'}"><title>${esc(`${s.label}: measured ${s.measured.toFixed(3)}, target ${s.target.toFixed(3)} OD`)}</title></circle>`,
    );
  // Residual chart, scaled to the larger of the residuals and the tolerances.
  const rTop = cTop + CURVE_H + 28;
  const span =
    Math.max(0.02, ...b.steps.map((s) => Math.abs(s.residual)), ...b.steps.map((s) => s.tolerance)) * 1.1;
  const ry = (r: number) => rTop + RES_H / 2 - (r / span) * (RES_H / 2);
  out.push(`<rect x="${x0}" y="${rTop}" width="${x1 - x0}" height="${RES_H}" class="frame"/>`);
  out.push(`<line x1="${x0}" x2="${x1}" y1="${f1(ry(0))}" y2="${f1(ry(0))}" class="zero"/>`);
  out.push(
    `<text x="${x0 - 6}" y="${f1(ry(span / 1.1) + 4)}" class="axis" text-anchor="end">+${(span / 1.1).toFixed(2)}</text><text x="${x0 - 6}" y="${f1(ry(-span / 1.1) + 4)}" class="axis" text-anchor="end">-${(span / 1.1).toFixed(2)}</text>`,
  );
  out.push(
    `<text x="${x0 + 4}" y="${rTop + 12}" class="axis">residual (measured - target), OD; bars: tolerance</text>`,
  );
  const n = b.steps.length;
  b.steps.forEach((s, i) => {
    const x = b.kind === 'steps' ? px(s.pValue) : x0 + ((i + 0.5) / n) * (x1 - x0);
    out.push(
      `<line x1="${f1(x)}" x2="${f1(x)}" y1="${f1(ry(s.tolerance))}" y2="${f1(ry(-s.tolerance))}" class="tolerance"/>`,
      `<circle cx="${f1(x)}" cy="${f1(ry(s.residual))}" r="3" class="${s.pass ? 'measured' : 'measured fail'}"><title>${esc(`${s.label}: ${s.residual >= 0 ? '+' : ''}${s.residual.toFixed(3)} OD, ${s.jndError.toFixed(1)} JND`)}</title></circle>`,
    );
  });
  return out.join('\n');
}

function document(head: string, pass: boolean, panels: Panel[]): string {
  const shown = panels.slice(0, MAX_PANELS);
  const H = Math.max(1, shown.length) * PANEL_H + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif">`,
    '<style>.title{font-size:13px;font-weight:bold;fill:#222}.fail{fill:#b00020}.axis{font-size:10px;fill:#555}.frame{fill:#fff;stroke:#999}.grid{stroke:#e4e4e4}.zero{stroke:#999}.target{fill:none;stroke:#1565c0;stroke-width:1.5}.measured{fill:#2e7d32}.measured.fail{fill:#b00020}.tolerance{stroke:#bbb;stroke-width:3}</style>',
    `<rect width="${W}" height="${H}" fill="#fafafa"/>`,
    `<text x="${PAD.left}" y="16" class="title${pass ? '' : ' fail'}">${esc(head)}</text>`,
    ...shown.map((b, i) => panel(b, 24 + i * PANEL_H)),
    '</svg>',
  ].join('\n');
}

export function reportSvg(r: QaReport): string {
  return document(
    `${r.pass ? 'PASS' : 'FAIL'} by ${r.protocol.name} - film ${r.film}`,
    r.pass,
    r.boxes.map(boxPanel),
  );
}

/** A measured printer curve: the readings over the GSDF target for the printer's own range. */
export function curveSvg(c: CurveReport): string {
  const curve = Array.from({ length: 65 }, (_, i) => ({
    pValue: i / 64,
    target: gsdfDensity(i / 64, c.dmin, c.dmax, c.viewing),
  }));
  const panel: Panel = {
    heading: `Measured curve, D ${c.dmin.toFixed(2)}..${c.dmax.toFixed(2)}, gamma ${c.gamma.toFixed(2)} - ${c.pass ? 'PASS' : 'FAIL'}`,
    kind: 'steps',
    maxDensity: c.dmax,
    pass: c.pass,
    curve,
    steps: c.steps.map((s) => ({ ...s, label: `step ${s.step} (DDL ${s.ddl})`, measured: s.od })),
  };
  return document(`${c.pass ? 'PASS' : 'FAIL'} by ${c.protocol.name} - densitometer readings`, c.pass, [
    panel,
  ]);
}
