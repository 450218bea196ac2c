// The dataset page's data preview: the newest rows a storage holds (GET /api/v1/datasets/NAME/rows), and a
// uPlot chart of one numeric field over the date key for one key value (e.g. close of 000001.SZ). The key
// starts at the newest row's; the chart reads up to 1,000 rows of that key, newest first, and draws them
// oldest first.
import { html, useEffect, useRef, useState } from '/assets/vendor/htm-preact.mjs';
import uPlot from '/assets/vendor/uplot.mjs';
import { api, query } from './api.js';
import { Loading, useRefresher } from './ui.js';

const kPreviewRows = 20;
const kChartRows = 1000;
const kNumeric = new Set(['float64', 'int32', 'int64']);

function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function Chart({ xs, ys, label }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current) return undefined;
    const plot = new uPlot(
      {
        width: Math.max(box.current.clientWidth, 300),
        height: 260,
        scales: { x: { time: true } },
        axes: [
          { stroke: cssVar('--muted', '#68717d'), grid: { stroke: cssVar('--border', '#dde1e7') } },
          { stroke: cssVar('--muted', '#68717d'), grid: { stroke: cssVar('--border', '#dde1e7') } },
        ],
        series: [{}, { label, stroke: cssVar('--accent', '#2f6fde'), width: 1.5 }],
      },
      [xs, ys],
      box.current,
    );
    return () => plot.destroy();
  }, [xs, ys, label]);
  return html`<div class="chart" ref=${box} data-test="chart" data-points=${xs.length}></div>`;
}

function cellText(v) {
  return v === null || v === undefined ? '' : String(v);
}

export function Preview({ dataset }) {
  const [latest, setLatest] = useState(null);
  const [why, setWhy] = useState(null);
  const [key, setKey] = useState('');
  const [field, setField] = useState('');
  const [series, setSeries] = useState(null);
  const base = `/api/v1/datasets/${encodeURIComponent(dataset)}/rows`;

  useRefresher(async () => {
    try {
      const d = await api('GET', base + query({ limit: kPreviewRows }));
      setLatest(d);
      setWhy(null);
      const keyAt = d.columns.findIndex((c) => c.name === d.key_field);
      if (!key && keyAt >= 0 && d.rows.length > 0) setKey(cellText(d.rows[0][keyAt]));
      const numeric = d.columns.filter((c) => kNumeric.has(c.type) && c.name !== d.key_field);
      const preferred = numeric.find((c) => c.name === 'close') || numeric[0];
      if (!field && preferred) setField(preferred.name);
    } catch (e) {
      if (e.status === 400 || e.status === 404) setWhy(e.message);
      else throw e;
    }
  }, [dataset]);

  useEffect(() => {
    if (!latest || !field) return;
    let live = true;
    api('GET', base + query({ key, limit: kChartRows }))
      .then((d) => {
        if (!live) return;
        const at = d.columns.findIndex((c) => c.name === d.order_by);
        const yi = d.columns.findIndex((c) => c.name === field);
        const points = d.rows
          .map((r) => [Date.parse(r[at]) / 1000, r[yi]])
          .filter(([x, y]) => Number.isFinite(x) && y !== null)
          .reverse();
        setSeries({ xs: points.map((p) => p[0]), ys: points.map((p) => p[1]), label: `${field}${key ? ` of ${key}` : ''}` });
      })
      .catch((e) => live && setWhy(e.message));
    return () => {
      live = false;
    };
  }, [latest, key, field]);

  if (why) return html`<p class="muted" data-test="preview-unavailable">Preview: ${why}</p>`;
  if (!latest) return html`<${Loading} />`;
  const numeric = latest.columns.filter((c) => kNumeric.has(c.type) && c.name !== latest.key_field);
  return html`<div class="card" data-test="preview" data-storage=${latest.storage}>
    <div class="toolbar">
      ${latest.key_field &&
      html`<label>${latest.key_field}${' '}
        <input data-test="chart-key" value=${key} onChange=${(e) => setKey(e.target.value.trim())} />
      </label>`}
      <label>Field${' '}
        <select data-test="chart-field" value=${field} onChange=${(e) => setField(e.target.value)}>
          ${numeric.map((c) => html`<option key=${c.name} value=${c.name}>${c.name}</option>`)}
        </select>
      </label>
      <span class="muted">from storage ${latest.storage}, by ${latest.order_by}</span>
    </div>
    ${series && series.xs.length > 0
      ? html`<${Chart} xs=${series.xs} ys=${series.ys} label=${series.label} />`
      : html`<p class="muted">${series ? 'No rows for this key.' : ''}</p>`}
    <h3>Newest rows</h3>
    <div class="scroll-x">
      <table class="grid" data-test="preview-table">
        <thead><tr>${latest.columns.map((c) => html`<th key=${c.name}>${c.name}</th>`)}</tr></thead>
        <tbody>
          ${latest.rows.map(
            (r, i) => html`<tr key=${i} data-test="preview-row">
              ${r.map((v, j) => html`<td key=${j} class=${typeof v === 'number' ? 'num' : ''}>${cellText(v)}</td>`)}
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </div>`;
}
