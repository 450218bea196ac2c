// The run page's timeline (GET /api/v1/runs/ID/timeline): how many tasks entered each state (started,
// finished, cooled down, deferred, split, failed, ...) in 60 equal buckets from the run's creation to its
// end (or now); one uPlot line per state that occurs. It reloads with the tasks table (after a control
// action or the run's end).
import { html, useEffect, useRef, useState } from '/assets/vendor/htm-preact.mjs';
import uPlot from '/assets/vendor/uplot.mjs';
import { api } from './api.js';

// Each state's colour, from the page's palette so that dark mode follows.
const kStateColour = {
  done: '--good',
  failed: '--bad',
  deferred: '--warn',
  cooling: '--warn',
  split: '--info',
  cancelled: '--muted',
  skipped: '--muted',
  running: '--accent',
  pending: '--border',
};

// What each state's line says: the step a task took.
const kStateLabel = {
  running: 'started',
  done: 'finished',
  cooling: 'cooled down',
  deferred: 'deferred',
  split: 'split',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

function colour(state) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(kStateColour[state] || '--muted');
  return v.trim() || '#888';
}

export function Timeline({ runId, reloadSignal }) {
  const [data, setData] = useState(null);
  const box = useRef(null);
  useEffect(() => {
    let live = true;
    api('GET', `/api/v1/runs/${encodeURIComponent(runId)}/timeline?buckets=60`)
      .then((d) => live && setData(d))
      .catch(() => live && setData(null));
    return () => {
      live = false;
    };
  }, [runId, reloadSignal]);
  useEffect(() => {
    if (!data || !box.current) return undefined;
    const states = Object.keys(data.tasks_by_state).filter((s) => s !== 'pending');
    const xs = [];
    for (let i = 0; i < data.buckets; i++) xs.push((data.from_us + i * data.width_us) / 1e6);
    const plot = new uPlot(
      {
        width: Math.max(box.current.clientWidth, 300),
        height: 180,
        scales: { x: { time: true } },
        axes: [{ stroke: colour('muted') }, { stroke: colour('muted') }],
        series: [
          {},
          ...states.map((s) => ({ label: kStateLabel[s] || s, stroke: colour(s), width: 1.5, points: { show: false } })),
        ],
      },
      [xs, ...states.map((s) => data.tasks_by_state[s])],
      box.current,
    );
    return () => plot.destroy();
  }, [data]);
  if (!data) return null;
  const sum = (state) => (data.tasks_by_state[state] || []).reduce((x, y) => x + y, 0);
  return html`<section>
    <h2>Timeline</h2>
    <div class="card">
      <p class="muted">
        Tasks that started, finished, cooled down, were deferred, split or failed, ${data.buckets} buckets of
        ${Math.round(data.width_us / 1e6)} s
      </p>
      <div class="chart" ref=${box} data-test="timeline" data-started=${sum('running')} data-done=${sum('done')}></div>
    </div>
  </section>`;
}
