// The dataset page's coverage view: which trading days a storage holds (GET /api/v1/datasets/NAME/coverage),
// as one heat strip per year (a 2-px mark per calendar day: held, missing, closed, rows on a closed day,
// beyond the calendar) with the missing days listed as ranges. A dataset without a date key or a calendar
// says why instead.
import { html, useState } from '/assets/vendor/htm-preact.mjs';
import { api } from './api.js';
import { fmtNum } from './format.js';
import { Loading, useRefresher } from './ui.js';

const kDayMs = 86400000;
const kCellWidth = 2;
const kStripHeight = 16;
const kMarkClass = { p: 'cov-present', m: 'cov-missing', '-': 'cov-closed', x: 'cov-closed-rows', '?': 'cov-unknown' };
const kShownRanges = 20;

function parseDay(iso) {
  return Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10));
}

// marks[i] is the mark of day from + i; the strips, one per year, place each day at its day of the year.
function yearStrips(from, marks) {
  const first = parseDay(from);
  const years = new Map();
  for (let i = 0; i < marks.length; i++) {
    const d = new Date(first + i * kDayMs);
    const y = d.getUTCFullYear();
    const dayOfYear = Math.round((d - Date.UTC(y, 0, 1)) / kDayMs);
    if (!years.has(y)) years.set(y, []);
    years.get(y).push([dayOfYear, marks[i]]);
  }
  return years;
}

function Strip({ days }) {
  return html`<svg class="cov-strip" width=${366 * kCellWidth} height=${kStripHeight} role="img">
    ${days.map(
      ([x, mark]) =>
        html`<rect x=${x * kCellWidth} y="0" width=${kCellWidth} height=${kStripHeight} class=${kMarkClass[mark] || ''} />`,
    )}
  </svg>`;
}

export function Coverage({ dataset }) {
  const [report, setReport] = useState(null);
  const [why, setWhy] = useState(null);
  useRefresher(async () => {
    try {
      setReport(await api('GET', `/api/v1/datasets/${encodeURIComponent(dataset)}/coverage`));
      setWhy(null);
    } catch (e) {
      if (e.status === 400 || e.status === 404) setWhy(e.message);
      else throw e;
    }
  }, [dataset]);

  if (why) return html`<p class="muted" data-test="coverage-unavailable">Coverage: ${why}</p>`;
  if (!report) return html`<${Loading} />`;
  const strips = yearStrips(report.from, report.day_marks || '');
  const byYear = new Map(report.years.map((y) => [y.year, y]));
  return html`<div class="card" data-test="coverage" data-missing=${report.missing} data-present=${report.present}>
    <p class="cov-summary">
      ${`Storage `}<strong>${report.storage}</strong>${` by `}<span class="mono">${report.date_key}</span>
      ${`, ${report.from} .. ${report.to}, against the open days of ${report.exchange} in ${report.calendar}: `}
      <strong data-test="coverage-present">${fmtNum(report.present)}</strong>${` of ${fmtNum(report.expected)} held, `}
      <strong class=${report.missing ? 'text-bad' : ''} data-test="coverage-missing">${fmtNum(report.missing)}</strong>
      ${' missing'}${report.unknown > 0 ? `, ${fmtNum(report.unknown)} days beyond the calendar` : ''}
    </p>
    <table class="cov-years">
      <tbody>
        ${[...strips.entries()].map(([year, days]) => {
          const y = byYear.get(year) || { expected: 0, present: 0, missing: 0 };
          return html`<tr key=${year} data-test="coverage-year" data-year=${year} data-missing=${y.missing}>
            <th>${year}</th>
            <td><${Strip} days=${days} /></td>
            <td class="num">${fmtNum(y.present)} / ${fmtNum(y.expected)}</td>
            <td class=${'num ' + (y.missing ? 'text-bad' : 'muted')}>${y.missing ? `${fmtNum(y.missing)} missing` : 'complete'}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    <p class="cov-legend muted">
      <span class="cov-key cov-present"></span> held <span class="cov-key cov-missing"></span> missing
      <span class="cov-key cov-closed"></span> closed <span class="cov-key cov-closed-rows"></span> rows on a closed day
      <span class="cov-key cov-unknown"></span> beyond the calendar
    </p>
    ${report.missing_ranges.length > 0 &&
    html`<ul class="cov-ranges">
      ${report.missing_ranges.slice(0, kShownRanges).map(
        (r) => html`<li key=${r.first} data-test="coverage-missing-range" class="mono">
          ${r.first === r.last ? r.first : `${r.first} .. ${r.last}`} (${r.days} trading day${r.days === 1 ? '' : 's'})
        </li>`,
      )}
      ${report.missing_ranges.length > kShownRanges &&
      html`<li class="muted">and ${report.missing_ranges.length - kShownRanges} more ranges</li>`}
    </ul>`}
  </div>`;
}
