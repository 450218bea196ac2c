// The run page (#/runs/ID): the run's summary and report, the operator's buttons, and its tasks.
//
// While the run is not final, progress and end events for its plan reload the summary (a plan runs one
// run at a time, so the plan's events are this run's). The tasks table is paginated, filtered and searched
// on the server; it reloads when the run ends, or on the Reload button, not on every progress event, so
// that it does not move under the reader's keyboard.
import { html, useEffect, useRef, useState } from '/assets/vendor/htm-preact.mjs';
import { api, onEvent, query } from './api.js';
import { canOperate, fmtBytes, fmtDuration, fmtNum, fmtParams, fmtTime, kFinalRunStatus } from './format.js';
import { Timeline } from './timeline.js';
import { Loading, Pager, rowKeys, showError, StatusBadge, useRefresher } from './ui.js';

const kTaskStates = ['pending', 'running', 'done', 'cooling', 'deferred', 'failed', 'skipped', 'split', 'cancelled'];
const kPageSize = 50;

function Summary({ run }) {
  const r = run.report;
  const status = run.status === 'running' && run.alive === false ? 'interrupted' : run.status;
  const items = [
    ['Status', html`<${StatusBadge} status=${status} test="run-status" />`],
    ['Plan', html`<span data-test="run-plan">${run.plan}</span>`],
    ['Dataset', r && r.dataset ? html`<a href=${`#/datasets/${encodeURIComponent(r.dataset)}`}>${r.dataset}</a>` : '—'],
    ['Trigger', run.trigger || '—'],
    ['Created', fmtTime(run.created_at_us)],
    ['Started', fmtTime(run.started_at_us)],
    // A paused or deferred execution has an end time too; it is the run's end only once the run is final.
    ['Finished', kFinalRunStatus.has(run.status) ? fmtTime(run.finished_at_us) : '—'],
    ...(run.resume_at_us > 0 ? [['Resumes at', fmtTime(run.resume_at_us)]] : []),
    kFinalRunStatus.has(run.status)
      ? ['Duration', r ? fmtDuration(r.duration_secs) : '—']
      : ['Elapsed', run.started_at_us > 0 ? fmtDuration(Date.now() / 1000 - run.started_at_us / 1e6) : '—'],
    [
      'Tasks',
      html`<span data-test="run-tasks">
        <span data-test="run-tasks-done" data-value=${run.tasks_done}>${fmtNum(run.tasks_done)}</span>
        ${' / '}${fmtNum(run.tasks_total)} done
        ${run.tasks_failed > 0 && html`, <span class="text-bad">${fmtNum(run.tasks_failed)} failed</span>`}
        ${run.tasks_skipped > 0 && html`, ${fmtNum(run.tasks_skipped)} skipped`}
      </span>`,
    ],
    ['Rows', html`<span data-test="run-rows">${fmtNum(run.rows)}</span>`],
    ['Bytes', fmtBytes(run.bytes)],
    ['Requests', fmtNum(run.requests)],
    ...(r && r.retries ? [['Retries', fmtNum(r.retries)]] : []),
    ...(r && r.rows_per_sec ? [['Rows/s', fmtNum(r.rows_per_sec)]] : []),
  ];
  return html`<div class="summary card">
    <dl class="facts">
      ${items.map(([k, v]) => html`<div key=${k}><dt>${k}</dt><dd>${v}</dd></div>`)}
    </dl>
    ${run.error && html`<p class="run-error text-bad" data-test="run-error">${run.error}</p>`}
  </div>`;
}

function Controls({ run, onDone }) {
  const [busy, setBusy] = useState('');
  const [result, setResult] = useState(null);
  const final = kFinalRunStatus.has(run.status);
  // A running run whose process is gone (`alive` false) is interrupted: it can be resumed, not paused.
  const interrupted = run.status === 'running' && run.alive === false;
  const enabled = {
    pause: (run.status === 'running' || run.status === 'pending') && !interrupted,
    resume: run.status === 'paused' || run.status === 'deferred' || interrupted,
    cancel: !final,
    retry: final,
  };

  async function act(action) {
    setBusy(action);
    setResult(null);
    try {
      const r = await api('POST', `/api/v1/runs/${encodeURIComponent(run.id)}/${action}`);
      setResult({ ok: true, message: (r && r.message) || `${action}: done` });
      onDone();
    } catch (e) {
      if (e.status !== 401) setResult({ ok: false, message: e.message });
    } finally {
      setBusy('');
    }
  }

  return html`<div class="controls" data-test="run-controls">
    ${['pause', 'resume', 'cancel', 'retry'].map(
      (a) => html`<button
        key=${a}
        class=${a === 'cancel' ? 'btn-danger' : ''}
        data-test=${`btn-${a}`}
        disabled=${!!busy || !enabled[a]}
        onClick=${() => act(a)}
      >
        ${busy === a ? '…' : a[0].toUpperCase() + a.slice(1)}
      </button>`,
    )}
    ${result &&
    html`<span class=${`action-message ${result.ok ? '' : 'text-bad'}`} data-test="action-message" role="status">
      ${result.message}
    </span>`}
  </div>`;
}

function ReportTables({ report }) {
  if (!report) return null;
  const errors = report.errors || [];
  const storages = report.storages || [];
  const warnings = report.warnings || [];
  return html`
    ${errors.length > 0 &&
    html`<section>
      <h2>Errors by class</h2>
      <table class="grid" data-test="run-errors">
        <thead><tr><th>Class</th><th class="num">Count</th><th>Examples</th></tr></thead>
        <tbody>
          ${errors.map(
            (e) => html`<tr key=${e.kind} data-test="error-class">
              <td class="mono">${e.kind}</td>
              <td class="num">${fmtNum(e.count)}</td>
              <td>
                <ul class="examples">
                  ${(e.examples || []).map((x, i) => html`<li key=${i} class="mono small">${x}</li>`)}
                </ul>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`}
    ${storages.length > 0 &&
    html`<section>
      <h2>Storages</h2>
      <table class="grid" data-test="run-storages">
        <thead>
          <tr><th>Storage</th><th>Kind</th><th class="num">Rows</th><th class="num">Bytes</th><th class="num">Commits</th></tr>
        </thead>
        <tbody>
          ${storages.map(
            (s) => html`<tr key=${s.storage}>
              <td class="strong">${s.storage}</td>
              <td>${s.kind}</td>
              <td class="num">${fmtNum(s.rows)}</td>
              <td class="num">${fmtBytes(s.bytes)}</td>
              <td class="num">${fmtNum(s.commits)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`}
    ${warnings.length > 0 &&
    html`<section>
      <h2>Warnings</h2>
      <ul class="warnings">
        ${warnings.map((w, i) => html`<li key=${i}>${w}</li>`)}
      </ul>
    </section>`}
  `;
}

function TaskDetail({ task }) {
  return html`<tr class="detail" data-test="task-detail">
    <td colspan="6">
      <dl class="facts facts-wide">
        <div><dt>Key</dt><dd class="mono">${task.key || '—'}</dd></div>
        <div><dt>Parent</dt><dd>${task.parent_id ?? '—'}</dd></div>
        <div><dt>Bytes</dt><dd>${fmtBytes(task.bytes)}</dd></div>
        <div><dt>Updated</dt><dd>${fmtTime(task.updated_at_us)}</dd></div>
      </dl>
      <pre class="params-full">${JSON.stringify(task.params || {}, null, 2)}</pre>
      ${task.error &&
      html`<pre class="error-full text-bad">${task.error_kind ? `[${task.error_kind}] ` : ''}${task.error}</pre>`}
    </td>
  </tr>`;
}

function Tasks({ runId, reloadSignal }) {
  const [state, setState] = useState('');
  const [qInput, setQInput] = useState('');
  const [q, setQ] = useState('');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState(null);
  const [expanded, setExpanded] = useState({});

  // The search goes to the server 300 ms after the last key stroke.
  useEffect(() => {
    const next = qInput.trim();
    if (next === q) return undefined;
    const t = setTimeout(() => {
      setQ(next);
      setOffset(0);
    }, 300);
    return () => clearTimeout(t);
  }, [qInput]);

  const [reload] = useRefresher(async () => {
    const p = await api(
      'GET',
      `/api/v1/runs/${encodeURIComponent(runId)}/tasks${query({ limit: kPageSize, offset, state, q })}`,
    );
    setPage({ ...p, state, q });  // with the filters it answers, for data-state and data-q
  }, [runId, state, q, offset]);

  useEffect(() => {
    if (reloadSignal > 0) reload();
  }, [reloadSignal]);

  const toggle = (id) => setExpanded((x) => ({ ...x, [id]: !x[id] }));

  return html`<section data-test="tasks">
    <div class="section-head">
      <h2>Tasks ${page && html`<span class="count">${fmtNum(page.total)}</span>`}</h2>
      <div class="filters">
        <label>
          State
          <select
            data-test="task-state-filter"
            value=${state}
            onChange=${(e) => {
              setState(e.currentTarget.value);
              setOffset(0);
            }}
          >
            <option value="">all</option>
            ${kTaskStates.map((s) => html`<option key=${s} value=${s}>${s}</option>`)}
          </select>
        </label>
        <input
          type="search"
          placeholder="Search parameters…"
          aria-label="Search the tasks' parameters"
          data-test="task-search"
          value=${qInput}
          onInput=${(e) => setQInput(e.currentTarget.value)}
        />
        <button class="btn-small" data-test="tasks-reload" onClick=${() => reload()}>Reload</button>
      </div>
    </div>
    ${!page
      ? html`<${Loading} />`
      : html`<table class="grid tasks" data-test="tasks-table" data-q=${page.q} data-state=${page.state} data-offset=${page.offset}>
            <thead>
              <tr>
                <th class="num">Id</th>
                <th>State</th>
                <th class="num">Attempts</th>
                <th class="num">Rows</th>
                <th>Parameters</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody onKeyDown=${rowKeys((key) => toggle(key))}>
              ${page.items.length === 0 &&
              html`<tr><td colspan="6" class="muted" data-test="tasks-empty">No task matches.</td></tr>`}
              ${page.items.map((t) => {
                const params = fmtParams(t.params);
                const open = !!expanded[t.id];
                return [
                  html`<tr
                    key=${t.id}
                    class=${`row ${open ? 'open' : ''}`}
                    tabindex="0"
                    aria-expanded=${open}
                    data-key=${t.id}
                    data-test="task-row"
                    data-task-id=${t.id}
                    data-state=${t.state}
                    onClick=${() => toggle(t.id)}
                  >
                    <td class="num">${t.id}</td>
                    <td><${StatusBadge} status=${t.state} test="task-state" /></td>
                    <td class="num">${t.attempts}</td>
                    <td class="num">${fmtNum(t.rows)}</td>
                    <td class="mono clip" title=${params} data-test="task-params">${params}</td>
                    <td class="clip text-bad" title=${t.error || ''}>
                      ${t.error_kind && html`<span class="mono">${t.error_kind}</span> `}${t.error}
                    </td>
                  </tr>`,
                  open && html`<${TaskDetail} key=${`d${t.id}`} task=${t} />`,
                ];
              })}
            </tbody>
          </table>
          <${Pager} offset=${page.offset} limit=${page.limit} total=${page.total} onChange=${setOffset} />`}
  </section>`;
}

export function RunPage({ id, session }) {
  const [run, setRun] = useState(null);
  const [missing, setMissing] = useState(null);
  const [tasksSignal, setTasksSignal] = useState(0);
  const runRef = useRef(null);

  const [reload] = useRefresher(async () => {
    try {
      const r = await api('GET', `/api/v1/runs/${encodeURIComponent(id)}`);
      const before = runRef.current;
      runRef.current = r;
      setRun(r);
      // Whichever reload first sees the run final reloads the tasks and timeline: a progress event's reload
      // may see it before the run_ended event arrives, and that event is then no longer this page's.
      if (before && !kFinalRunStatus.has(before.status) && kFinalRunStatus.has(r.status)) {
        setTasksSignal((n) => n + 1);
      }
    } catch (e) {
      if (e.status === 404) setMissing(e.message);
      else throw e;
    }
  }, [id]);

  useEffect(() => {
    const mine = (e) => runRef.current && e.plan === runRef.current.plan && !kFinalRunStatus.has(runRef.current.status);
    const offs = [
      onEvent('run_progress', (e) => {
        if (mine(e)) reload();
      }),
      onEvent('run_ended', (e) => {
        if (mine(e)) reload();
      }),
      onEvent('resync', () => {
        reload();
        setTasksSignal((n) => n + 1);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [id]);

  if (missing) return html`<div class="page"><h1>Run ${id}</h1><p class="text-bad" data-test="not-found">${missing}</p></div>`;
  if (!run) return html`<${Loading} />`;
  return html`<div class="page" data-test="run-page" data-run-id=${run.id}>
    <div class="page-head">
      <h1>Run #${run.id} <span class="muted">· ${run.plan}</span></h1>
      ${canOperate(session.role) &&
      html`<${Controls}
        run=${run}
        onDone=${() => {
          reload();
          setTasksSignal((n) => n + 1);
        }}
      />`}
    </div>
    <${Summary} run=${run} />
    <${Timeline} runId=${run.id} reloadSignal=${tasksSignal} />
    <${ReportTables} report=${run.report} />
    <${Tasks} runId=${run.id} reloadSignal=${tasksSignal} />
  </div>`;
}
