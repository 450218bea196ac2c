// The overview page (#/): runs in flight with live progress, the plans, and quota use.
//
// GET /api/v1/overview gives the state; the event stream keeps the runs in flight current between
// reloads. The page reloads the overview only when an event says the set of runs changed: a run ended,
// progress came for a plan with no run listed, or the stream dropped events or reconnected.
import { html, useEffect, useRef, useState } from '/assets/vendor/htm-preact.mjs';
import { api, onEvent } from './api.js';
import { canOperate, fmtClock, fmtDuration, fmtNum, fmtRate, fmtTime } from './format.js';
import { Bar, Loading, showError, showNotice, StatusBadge, useRefresher } from './ui.js';

function Sparkline({ values }) {
  const w = 96;
  const h = 22;
  if (!values || values.length === 0) return html`<span class="muted">—</span>`;
  // Scaled between the smallest and the largest run, so that a drop shows; equal runs draw a flat line.
  const lo = Math.min(...values);
  const span = Math.max(...values) - lo;
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  const y = (v) => (span > 0 ? h - 3 - ((h - 6) * (v - lo)) / span : h / 2);
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`);
  const last = pts[pts.length - 1].split(',');
  return html`<svg
    class="spark"
    width=${w}
    height=${h}
    viewBox=${`-2 0 ${w + 4} ${h}`}
    role="img"
    aria-label=${`rows per run: ${values.join(', ')}`}
    data-test="sparkline"
  >
    <title>rows per run (oldest first): ${values.map(fmtNum).join(', ')}</title>
    ${values.length > 1 && html`<polyline points=${pts.join(' ')} />`}
    <circle cx=${last[0]} cy=${last[1]} r="2" />
  </svg>`;
}

function ActiveRuns({ active, progress, messages }) {
  if (active.length === 0) return html`<p class="muted" data-test="no-active">No run in flight.</p>`;
  return html`<table class="grid" data-test="active-runs">
    <thead>
      <tr>
        <th>Run</th>
        <th>Plan</th>
        <th>Status</th>
        <th class="w-progress">Tasks</th>
        <th class="num">Failed</th>
        <th class="num">Rows</th>
        <th class="num">Rows/s</th>
        <th class="num">ETA</th>
        <th>Note</th>
      </tr>
    </thead>
    <tbody>
      ${active.map((a) => {
        const p = progress[a.plan];
        const done = p ? p.tasks_done : a.tasks_done;
        const total = p ? p.tasks_total : a.tasks_total;
        const failed = p ? p.tasks_failed : a.tasks_failed;
        const rows = p ? p.rows : a.rows;
        const eta = p ? p.eta_secs : a.eta_secs;
        const status = a.status === 'running' && !a.alive ? 'interrupted' : a.status;
        const note = (p && p.note) || messages[a.plan] || (a.owner ? `on ${a.owner}` : '');
        return html`<tr key=${a.run_id} data-test="active-run" data-plan=${a.plan} data-run-id=${a.run_id}>
          <td><a href=${`#/runs/${a.run_id}`} data-test="active-run-link">#${a.run_id}</a></td>
          <td>${a.plan}</td>
          <td><${StatusBadge} status=${status} test="active-status" /></td>
          <td class="w-progress">
            <div class="progress">
              <${Bar} value=${done} max=${total} kind=${failed > 0 ? 'bar-warn' : ''} />
              <span class="progress-text">
                <span data-test="tasks-done" data-value=${done}>${fmtNum(done)}</span>
                ${' / '}<span data-test="tasks-total" data-value=${total}>${fmtNum(total)}</span>
              </span>
            </div>
          </td>
          <td class=${`num ${failed > 0 ? 'text-bad' : ''}`}>${fmtNum(failed)}</td>
          <td class="num" data-test="active-rows">${fmtNum(rows)}</td>
          <td class="num">${p ? fmtRate(p.rows_per_sec) : '—'}</td>
          <td class="num">${fmtDuration(eta)}</td>
          <td class="note" title=${note}>${note}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function PlanRow({ plan, operator, onRun, starting }) {
  const last = plan.last_run;
  return html`<tr data-test="plan-row" data-plan=${plan.name}>
    <td class="strong" data-test="plan-name">${plan.name}</td>
    <td><a href=${`#/datasets/${encodeURIComponent(plan.dataset)}`} data-test="dataset-link">${plan.dataset}</a></td>
    <td class="mono">${plan.schedule || html`<span class="muted">manual</span>`}</td>
    <td><${StatusBadge} status=${plan.state} test="plan-state" /></td>
    <td>
      ${last
        ? html`<a href=${`#/runs/${last.id}`} data-test="last-run-link" class="nowrap">
            <${StatusBadge} status=${last.status} /> #${last.id}
          </a>
          <span class="muted small"> ${fmtTime(last.finished_at_us || last.started_at_us)}</span>`
        : html`<span class="muted">never</span>`}
    </td>
    <td class="nowrap" title=${plan.next_fire ? plan.next_fire.local : ''}>
      ${plan.next_fire ? fmtTime(plan.next_fire.at_us) : html`<span class="muted">—</span>`}
    </td>
    <td><${Sparkline} values=${plan.rows_per_run} /></td>
    ${operator &&
    html`<td class="actions">
      <button class="btn-small" data-test="run-now" disabled=${starting || plan.state === 'running'}
        title=${plan.state === 'running' ? 'A run of this plan is in flight' : `Start a run of ${plan.name} now`}
        onClick=${() => onRun(plan.name)}>
        ${starting ? 'Starting…' : 'Run now'}
      </button>
    </td>`}
  </tr>`;
}

// "in 42 s", "in 12 min", "at 2024-06-03 00:00:00" from the server's clock (`now` in µs).
function fmtUntil(at_us, now_us) {
  const secs = Math.max(0, Math.round((at_us - now_us) / 1e6));
  if (secs < 120) return `in ${secs} s`;
  if (secs < 2 * 3600) return `in ${Math.round(secs / 60)} min`;
  return `at ${fmtTime(at_us)}`;
}

function Quotas({ quotas, now }) {
  if (!quotas || quotas.length === 0) return html`<p class="muted">No quota in use.</p>`;
  return html`<div class="quota-grid" data-test="quotas">
    ${quotas.map(
      (q) => html`<div class="card quota" key=${q.label} data-test="quota" data-label=${q.label}>
        <div class="quota-label">${q.label}</div>
        ${q.windows.map(
          (w) => html`<div class="quota-window" key=${w.window}>
            <span class="quota-name">${w.window}</span>
            ${w.limit > 0
              ? html`<${Bar}
                    value=${w.used}
                    max=${w.limit}
                    kind=${w.used >= w.limit ? 'bar-bad' : w.used >= 0.8 * w.limit ? 'bar-warn' : ''}
                  />
                  <span class="num small">${fmtNum(w.used)} / ${fmtNum(w.limit)}</span>`
              : html`<span class="bar bar-none"></span>
                  <span class="num small">${fmtNum(w.used)} / unlimited</span>`}
            ${w.reset_at_us > 0
              ? html`<span class="quota-reset muted small" data-test="quota-reset" data-window=${w.window}
                  title=${`${w.window === 'day' ? "the vendor's day ends" : 'the oldest counted call leaves the window'} at ${fmtTime(w.reset_at_us)}`}>
                  resets ${fmtUntil(w.reset_at_us, now)}</span>`
              : html`<span class="quota-reset"></span>`}
          </div>`,
        )}
      </div>`,
    )}
  </div>`;
}

function Alerts({ alerts }) {
  if (!alerts || alerts.items.length === 0) return html`<p class="muted" data-test="no-alerts">No alert was sent today.</p>`;
  return html`<table class="grid" data-test="alerts">
    <thead><tr><th>At</th><th>Channel</th><th>Alert</th><th>Events</th><th>Plans</th><th></th></tr></thead>
    <tbody>
      ${alerts.items.map(
        (a) => html`<tr key=${a.id} data-test="alert-row" data-outcome=${a.outcome}>
          <td class="nowrap">${fmtTime(a.at_us)}</td>
          <td class="mono">${a.channel}</td>
          <td>${a.title}${a.alerts > 1 ? html` <span class="muted small">(${a.alerts} alerts)</span>` : ''}</td>
          <td class="mono small">${a.events.join(', ')}</td>
          <td class="mono small">${a.plans.join(', ')}</td>
          <td>${a.outcome === 'sent' ? html`<span class="muted small">sent</span>` : html`<span class="text-bad small" title=${a.error}>not delivered</span>`}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

export function Overview({ session }) {
  const [data, setData] = useState(null);
  const [progress, setProgress] = useState({});
  const [messages, setMessages] = useState({});
  const [starting, setStarting] = useState({});
  const [eventAt, setEventAt] = useState(null);
  const [alerts, setAlerts] = useState(null);
  const dataRef = useRef(null);
  const lastUnknownReload = useRef(0);

  const [reload, loadedAt] = useRefresher(async () => {
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const [d, a] = await Promise.all([
      api('GET', '/api/v1/overview'),
      api('GET', `/api/v1/alerts?since_us=${midnight.getTime() * 1000}&limit=20`),
    ]);
    dataRef.current = d;
    setData(d);
    setAlerts(a);
    const live = new Set(d.active.map((a) => a.plan));
    setProgress((p) => Object.fromEntries(Object.entries(p).filter(([plan]) => live.has(plan))));
  }, []);

  useEffect(() => {
    const offs = [
      onEvent('run_progress', (e) => {
        setEventAt(new Date());
        setProgress((p) => ({ ...p, [e.plan]: e }));
        const d = dataRef.current;
        // Progress for a plan with no run listed: a run started. Its id comes with the overview.
        if (d && !d.active.some((a) => a.plan === e.plan) && Date.now() - lastUnknownReload.current > 2000) {
          lastUnknownReload.current = Date.now();
          reload();
        }
      }),
      onEvent('run_message', (e) => {
        setEventAt(new Date());
        setMessages((m) => ({ ...m, [e.plan]: e.message }));
      }),
      onEvent('run_ended', (e) => {
        setEventAt(new Date());
        setProgress((p) => {
          const { [e.plan]: _, ...rest } = p;
          return rest;
        });
        reload();
      }),
      onEvent('alert_sent', () => reload()),
      onEvent('resync', () => reload()),
    ];
    return () => offs.forEach((off) => off());
  }, []);

  const operator = canOperate(session.role);

  async function runNow(name) {
    setStarting((s) => ({ ...s, [name]: true }));
    try {
      const r = await api('POST', `/api/v1/plans/${encodeURIComponent(name)}/run`);
      showNotice((r && r.message) || `Started ${name}.`);
      reload();
    } catch (e) {
      if (e.status !== 401) showError(e);
    } finally {
      setStarting((s) => ({ ...s, [name]: false }));
    }
  }

  if (!data) return html`<${Loading} />`;
  const updated = eventAt && loadedAt && eventAt > loadedAt ? eventAt : loadedAt;
  return html`<div class="page" data-test="overview">
    <div class="page-head">
      <h1>Overview</h1>
      <span class="muted small" data-test="last-updated">
        last updated ${updated ? fmtClock(updated) : '—'}
      </span>
    </div>
    <section>
      <h2>Runs in flight <span class="count">${data.active.length}</span></h2>
      <${ActiveRuns} active=${data.active} progress=${progress} messages=${messages} />
    </section>
    <section>
      <h2>Plans <span class="count">${data.plans.length}</span></h2>
      ${data.plans.length === 0
        ? html`<p class="muted">No plan is configured.</p>`
        : html`<table class="grid" data-test="plans">
            <thead>
              <tr>
                <th>Plan</th>
                <th>Dataset</th>
                <th>Schedule</th>
                <th>State</th>
                <th>Last run</th>
                <th>Next fire</th>
                <th>Rows per run</th>
                ${operator && html`<th></th>`}
              </tr>
            </thead>
            <tbody>
              ${data.plans.map(
                (p) =>
                  html`<${PlanRow}
                    key=${p.name}
                    plan=${p}
                    operator=${operator}
                    onRun=${runNow}
                    starting=${!!starting[p.name]}
                  />`,
              )}
            </tbody>
          </table>`}
    </section>
    <section>
      <h2>Quotas</h2>
      <${Quotas} quotas=${data.quotas} now=${data.now_us} />
    </section>
    <section>
      <h2>Alerts today <span class="count" data-test="alerts-count">${alerts ? alerts.total : 0}</span></h2>
      <${Alerts} alerts=${alerts} />
    </section>
  </div>`;
}
