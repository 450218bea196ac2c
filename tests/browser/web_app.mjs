// Browser test of the datasync web app: drives Debian's headless Chromium (puppeteer-core, which never
// downloads a browser) against a running `datasync serve` and asserts on what the pages show.
//
// Environment:
//   DATASYNC_URL    the server, e.g. http://127.0.0.1:9470 (required)
//   OPERATOR_TOKEN  a token with the operator role (required)
//   VIEWER_TOKEN    a token with the viewer role (required)
//   PLAN            a plan whose run takes about 20–40 s; the test starts it (required)
//   ARTIFACTS       folder for the screenshots NN-scenario.png (default ./artifacts)
//   TASK_QUERY      a substring of some of PLAN's task parameters, not all (default 2024)
//   CHROMIUM        the browser (default /usr/bin/chromium)
//   COLOR_SCHEME    light or dark: the prefers-color-scheme the page sees (default light)
//
// Prints one line per scenario, `ok NAME` or `FAIL NAME: reason` (and `# …` notes), then
// `N passed, N failed`; exits 1 when any scenario failed. Waits are bounded polls, never fixed sleeps.
//
// The page elements it relies on (data-test attributes of web/src):
//   sign-in-form, token-input, sign-in-submit, sign-in-error      the sign-in form
//   whoami, user, role, sign-out, live-status, error-banner, notice the header and banners
//   overview, last-updated                                          the overview page
//   plan-row (data-plan), plan-name, dataset-link, run-now, last-run-link
//   active-run (data-plan, data-run-id), active-run-link, tasks-done (data-value), tasks-total
//   run-page (data-run-id), run-status (data-value), run-tasks-done (data-value), run-controls,
//   btn-pause, btn-resume, btn-cancel, btn-retry, action-message
//   tasks-table (data-state, data-q, data-offset), task-row (data-task-id, data-state), task-params,
//   task-detail, task-state-filter, task-search, page-prev, page-next, page-info
//   dataset-page, dataset-name, field-row, field-name, field-type
//   coverage (data-present, data-missing), coverage-year (data-year), coverage-missing-range
//   dataset-storage (data-storage), pending, check-migration, apply-migration, version-row
//   preview, preview-row, chart (data-points), chart-key, chart-field, timeline (data-started, data-done)
//   manage-page, manage-section (data-section), object-row (data-name), origin (data-value), new-KIND,
//   object-page (data-kind, data-name), object-note, object-yaml, object-form, field-KEY (field-KEY-VALUE
//   for a checkbox of a list of names), save, delete, object-run, test-template, template-count,
//   template-set, issues, issue
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const env = process.env;
const BASE = (env.DATASYNC_URL || '').replace(/\/+$/, '');
const OPERATOR_TOKEN = env.OPERATOR_TOKEN || '';
const VIEWER_TOKEN = env.VIEWER_TOKEN || '';
const PLAN = env.PLAN || '';
const ARTIFACTS = env.ARTIFACTS || 'artifacts';
const TASK_QUERY = env.TASK_QUERY || '2024';
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
const COLOR_SCHEME = env.COLOR_SCHEME === 'dark' ? 'dark' : 'light';

const missing = ['DATASYNC_URL', 'OPERATOR_TOKEN', 'VIEWER_TOKEN', 'PLAN'].filter((k) => !env[k]);
if (missing.length) {
  console.error(`web_app.mjs: set ${missing.join(', ')} (see the top of this file)`);
  process.exit(2);
}
fs.mkdirSync(ARTIFACTS, { recursive: true });

const kWaitMs = 15000;
const kLongWaitMs = 30000;
const kOperatorButtons = ['run-now', 'btn-pause', 'btn-resume', 'btn-cancel', 'btn-retry', 'new-plan', 'new-storage',
  'object-form', 'save', 'delete', 'object-run'];

let page;
let pageErrors = [];
// Carried from one scenario to the next.
const state = { runId: null };

function note(text) {
  console.log(`# ${text}`);
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// page.waitForFunction with a message that says what was awaited.
async function waitFor(what, fn, arg, timeout = kWaitMs) {
  try {
    const handle = await page.waitForFunction(fn, { timeout, polling: 100 }, arg);
    return await handle.jsonValue();
  } catch (e) {
    if (e.name === 'TimeoutError') throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}`);
    throw e;
  }
}

// The plan's row on the overview, found in the page (plan names may hold any character).
function planRowValue(plan, what) {
  return page.evaluate(
    (p, w) => {
      const row = [...document.querySelectorAll('[data-test="plan-row"]')].find((r) => r.dataset.plan === p);
      if (!row) return null;
      if (w === 'text') return row.textContent;
      return row.querySelector(`[data-test="${w}"]`) ? row.querySelector(`[data-test="${w}"]`).textContent : null;
    },
    plan,
    what,
  );
}

async function clickIn(rowTest, rowAttr, rowValue, target) {
  const ok = await page.evaluate(
    (rt, ra, rv, t) => {
      const row = [...document.querySelectorAll(`[data-test="${rt}"]`)].find((r) => r.dataset[ra] === rv);
      const el = row && row.querySelector(`[data-test="${t}"]`);
      if (!el || el.disabled) return false;
      el.click();
      return true;
    },
    rowTest,
    rowAttr,
    rowValue,
    target,
  );
  assert(ok, `no enabled [data-test=${target}] in the ${rowTest} of ${rowValue}`);
}

async function bannerText() {
  return page.evaluate(() => {
    const b = document.querySelector('[data-test="error-banner"] span');
    return b ? b.textContent.trim() : '';
  });
}

async function signIn(token) {
  await waitFor('the sign-in form', () => !!document.querySelector('[data-test="token-input"]'));
  await page.click('[data-test="token-input"]', { count: 3 });
  await page.type('[data-test="token-input"]', token);
  await page.click('[data-test="sign-in-submit"]');
  await waitFor(
    'the signed-in header (or a sign-in error)',
    () => !!document.querySelector('[data-test="whoami"]') || !!document.querySelector('[data-test="sign-in-error"]'),
  );
  const error = await page.evaluate(() => {
    const e = document.querySelector('[data-test="sign-in-error"]');
    return e ? e.textContent.trim() : '';
  });
  assert(!error, `sign-in refused: ${error}`);
}

async function waitForPlanRow(plan) {
  await waitFor(
    `the plan ${plan} in the plans table`,
    (p) => [...document.querySelectorAll('[data-test="plan-row"]')].some((r) => r.dataset.plan === p),
    plan,
  );
}

async function operatorButtons() {
  return page.evaluate((tests) => {
    const found = [];
    for (const t of tests) if (document.querySelector(`[data-test="${t}"]`)) found.push(t);
    for (const b of document.querySelectorAll('button')) {
      if (/^\s*(run now|pause|resume|cancel|retry|save|create|delete)\s*$/i.test(b.textContent)) found.push(`button "${b.textContent.trim()}"`);
    }
    return found;
  }, kOperatorButtons);
}

async function tasksTable() {
  return page.evaluate(() => {
    const t = document.querySelector('[data-test="tasks-table"]');
    if (!t) return null;
    const rows = [...t.querySelectorAll('[data-test="task-row"]')];
    const info = document.querySelector('[data-test="page-info"]');
    const m = info ? info.textContent.match(/of\s+([\d,]+)/) : null;
    return {
      state: t.dataset.state,
      q: t.dataset.q,
      offset: Number(t.dataset.offset),
      ids: rows.map((r) => r.dataset.taskId),
      states: rows.map((r) => r.dataset.state),
      params: rows.map((r) => r.querySelector('[data-test="task-params"]').textContent),
      info: info ? info.textContent.trim() : '',
      total: m ? Number(m[1].replace(/,/g, '')) : null,
    };
  });
}

// --- scenarios -----------------------------------------------------------------------------------------

async function noCredentials() {
  await page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' });
  await waitFor('the sign-in form', () => !!document.querySelector('[data-test="sign-in-form"]'));
  const shown = await page.evaluate(
    (plan) => ({
      overview: !!document.querySelector('[data-test="overview"]'),
      planRows: document.querySelectorAll('[data-test="plan-row"]').length,
      planNamed: document.body.innerText.includes(plan),
      passwordInput: document.querySelector('[data-test="token-input"]').type,
    }),
    PLAN,
  );
  assert(!shown.overview && shown.planRows === 0, 'the overview is shown without credentials');
  assert(!shown.planNamed, `the plan name ${PLAN} is on the page without credentials`);
  assert(shown.passwordInput === 'password', `the token input is type=${shown.passwordInput}, not password`);
  const answer = await page.evaluate(async () => {
    const r = await fetch('/api/v1/overview', { credentials: 'same-origin' });
    let body = null;
    try {
      body = await r.json();
    } catch {
      body = null;
    }
    return { status: r.status, body };
  });
  assert(answer.status === 401, `GET /api/v1/overview without credentials answered ${answer.status}, not 401`);
  assert(
    answer.body && answer.body.error && answer.body.error.status === 401,
    `the 401 body is not {"error": {"status": 401, …}}: ${JSON.stringify(answer.body)}`,
  );
}

async function signInOperator() {
  await signIn(OPERATOR_TOKEN);
  await waitForPlanRow(PLAN);
  const role = await page.$eval('[data-test="role"]', (e) => e.textContent.trim());
  assert(role !== 'viewer', `signed in with OPERATOR_TOKEN but the role shown is ${role}`);
  const name = await planRowValue(PLAN, 'plan-name');
  assert(name === PLAN, `the plan row's name cell says ${JSON.stringify(name)}, not ${PLAN}`);
  assert((await planRowValue(PLAN, 'run-now')) !== null, `no Run now button in the row of ${PLAN} for an operator`);
}

async function startAndWatch() {
  // A value that a reload of the page would wipe out.
  await page.evaluate(() => {
    window.__datasyncNoReload = true;
  });
  const before = await page.evaluate(
    (p) => [...document.querySelectorAll('[data-test="active-run"]')].some((r) => r.dataset.plan === p),
    PLAN,
  );
  assert(!before, `${PLAN} already has a run in flight before Run now`);
  await clickIn('plan-row', 'plan', PLAN, 'run-now');
  await waitFor(
    `a run of ${PLAN} among the runs in flight (or an error banner)`,
    (p) =>
      [...document.querySelectorAll('[data-test="active-run"]')].some((r) => r.dataset.plan === p) ||
      !!document.querySelector('[data-test="error-banner"]'),
    PLAN,
    kLongWaitMs,
  );
  const banner = await bannerText();
  assert(!banner, `Run now failed: ${banner}`);
  const readDone = (p) => {
    const row = [...document.querySelectorAll('[data-test="active-run"]')].find((r) => r.dataset.plan === p);
    if (!row) return null;
    return {
      id: row.dataset.runId,
      done: Number(row.querySelector('[data-test="tasks-done"]').dataset.value),
      total: Number(row.querySelector('[data-test="tasks-total"]').dataset.value),
    };
  };
  const first = await page.evaluate(readDone, PLAN);
  state.runId = first.id;
  const seen = [first.done];
  for (let i = 0; i < 2; i++) {
    const last = seen[seen.length - 1];
    const next = await waitFor(
      `the tasks done of ${PLAN}'s run to grow past ${last} (seen so far: ${seen.join(', ')})`,
      ([p, v]) => {
        const row = [...document.querySelectorAll('[data-test="active-run"]')].find((r) => r.dataset.plan === p);
        if (!row) return { ended: true };
        const n = Number(row.querySelector('[data-test="tasks-done"]').dataset.value);
        return n > v ? { n } : false;
      },
      [PLAN, last],
      kLongWaitMs,
    );
    assert(!next.ended, `the run left the runs in flight after ${seen.join(', ')} tasks done: ${PLAN}'s run is too short to watch`);
    seen.push(next.n);
  }
  const noReload = await page.evaluate(() => window.__datasyncNoReload === true);
  assert(noReload, 'the page reloaded while the run progressed');
  const total = await page.evaluate(readDone, PLAN);
  assert(total && total.total > 0, `the run of ${PLAN} shows no task total`);
  note(`start_and_watch: run ${state.runId}, tasks done seen ${seen.join(' → ')} of ${total.total}, no reload`);
}

async function pauseResume() {
  assert(state.runId, 'no run was started (start_and_watch failed)');
  await clickIn('active-run', 'runId', state.runId, 'active-run-link');
  await waitFor(
    `the page of run ${state.runId}`,
    (id) => {
      const p = document.querySelector('[data-test="run-page"]');
      return !!p && p.dataset.runId === id && !!document.querySelector('[data-test="run-status"]');
    },
    state.runId,
  );
  const hash = await page.evaluate(() => location.hash);
  assert(hash === `#/runs/${state.runId}`, `the active run's link led to ${hash}`);
  await waitFor('an enabled Pause button', () => {
    const b = document.querySelector('[data-test="btn-pause"]');
    return !!b && !b.disabled;
  });
  await page.click('[data-test="btn-pause"]');
  await waitFor(
    'the run status to become paused',
    () => {
      const s = document.querySelector('[data-test="run-status"]');
      return !!s && s.dataset.value === 'paused';
    },
    undefined,
    kLongWaitMs,
  );
  const pausedMessage = await page.evaluate(() => {
    const m = document.querySelector('[data-test="action-message"]');
    return m ? m.textContent.trim() : '';
  });
  assert(pausedMessage, 'no message shown after Pause');
  note(`pause_resume: paused ("${pausedMessage}")`);
  await waitFor('an enabled Resume button', () => {
    const b = document.querySelector('[data-test="btn-resume"]');
    return !!b && !b.disabled;
  });
  await page.click('[data-test="btn-resume"]');
  const after = await waitFor(
    'the run status to become running or finished',
    () => {
      const s = document.querySelector('[data-test="run-status"]');
      return s && ['running', 'succeeded', 'done'].includes(s.dataset.value) ? s.dataset.value : false;
    },
    undefined,
    kLongWaitMs,
  );
  note(`pause_resume: after Resume the run is ${after}`);
}

async function runPageTasks() {
  assert(state.runId, 'no run was started (start_and_watch failed)');
  const onRunPage = await page.evaluate(
    (id) => !!document.querySelector(`[data-test="run-page"][data-run-id="${id}"]`),
    state.runId,
  );
  if (!onRunPage) await page.goto(`${BASE}/#/runs/${state.runId}`, { waitUntil: 'domcontentloaded' });
  await waitFor('rows in the tasks table', () => document.querySelectorAll('[data-test="task-row"]').length > 0);
  const all = await tasksTable();
  assert(all.total > 0, `the tasks pager shows no total: "${all.info}"`);
  // Keyboard: the rows take the focus, ArrowDown moves it, Enter opens the row's details.
  await page.focus('[data-test="task-row"]');
  if (all.ids.length > 1) {
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset.taskId);
    assert(focused === all.ids[1], `ArrowDown moved the focus to ${focused}, not to task ${all.ids[1]}`);
  }
  await page.keyboard.press('Enter');
  await waitFor('the focused task row to expand on Enter', () => !!document.querySelector('[data-test="task-detail"]'));

  // State filter.
  await page.select('[data-test="task-state-filter"]', 'done');
  const done = await waitFor('the tasks filtered by state done', () => {
    const t = document.querySelector('[data-test="tasks-table"]');
    if (!t || t.dataset.state !== 'done') return false;
    const rows = [...t.querySelectorAll('[data-test="task-row"]')];
    return { n: rows.length, states: [...new Set(rows.map((r) => r.dataset.state))] };
  });
  assert(done.n > 0, 'no done task listed under the filter done');
  assert(done.states.length === 1 && done.states[0] === 'done', `the filter done lists states ${done.states.join(', ')}`);
  const doneTable = await tasksTable();
  const otherStates = all.states.filter((s) => s !== 'done').length;
  assert(doneTable.total <= all.total, `the filter done grew the list: ${doneTable.total} > ${all.total}`);
  if (otherStates > 0) assert(doneTable.total < all.total, 'the filter done did not narrow the list');
  note(`run_page_tasks: ${all.total} tasks, ${doneTable.total} done`);

  await page.select('[data-test="task-state-filter"]', '');
  await waitFor('the unfiltered tasks again', () => {
    const t = document.querySelector('[data-test="tasks-table"]');
    return !!t && t.dataset.state === '';
  });
  const unfiltered = await tasksTable();

  // Server-side search.
  await page.type('[data-test="task-search"]', TASK_QUERY);
  await waitFor(
    `the tasks searched for ${TASK_QUERY}`,
    (q) => {
      const t = document.querySelector('[data-test="tasks-table"]');
      return !!t && t.dataset.q === q;
    },
    TASK_QUERY,
  );
  const found = await tasksTable();
  assert(found.total > 0, `searching ${TASK_QUERY} found no task (set TASK_QUERY to a substring of ${PLAN}'s parameters)`);
  assert(found.total < unfiltered.total, `searching ${TASK_QUERY} did not narrow the list (${found.total} of ${unfiltered.total})`);
  const stray = found.params.find((p) => !p.includes(TASK_QUERY));
  assert(!stray, `a task listed for the search ${TASK_QUERY} has parameters "${stray}"`);
  note(`run_page_tasks: search "${TASK_QUERY}" lists ${found.total} of ${unfiltered.total}`);
  await page.click('[data-test="task-search"]', { count: 3 });
  await page.keyboard.press('Backspace');
  await waitFor('the unsearched tasks again', () => {
    const t = document.querySelector('[data-test="tasks-table"]');
    return !!t && t.dataset.q === '';
  });

  // Pagination.
  const first = await tasksTable();
  if (first.total > first.ids.length) {
    await page.click('[data-test="page-next"]');
    const moved = await waitFor(
      'the next page of tasks',
      (firstId) => {
        const t = document.querySelector('[data-test="tasks-table"]');
        const row = t && t.querySelector('[data-test="task-row"]');
        return !!row && Number(t.dataset.offset) > 0 && row.dataset.taskId !== firstId
          ? { id: row.dataset.taskId, info: document.querySelector('[data-test="page-info"]').textContent.trim() }
          : false;
      },
      first.ids[0],
    );
    assert(/^\d+–\d+ of [\d,]+$/.test(moved.info), `the pager says "${moved.info}"`);
    note(`run_page_tasks: next page starts at task ${moved.id} (${moved.info})`);
  } else {
    note(`run_page_tasks: ${first.total} tasks fit on one page, pagination not exercised`);
  }

  // Once the run is over, the timeline has every task finished once, and started at least once (again after
  // the pause, for those it stopped).
  await waitFor(
    'the run to succeed',
    () => {
      const s = document.querySelector('[data-test="run-status"]');
      return !!s && s.dataset.value === 'succeeded';
    },
    undefined,
    kLongWaitMs,
  );
  const steps = await waitFor(
    'the run timeline with every task done',
    (total) => {
      const t = document.querySelector('[data-test="timeline"]');
      if (!t || !t.querySelector('canvas') || Number(t.dataset.done) !== total) return false;
      return { started: Number(t.dataset.started), done: Number(t.dataset.done) };
    },
    all.total,
    kLongWaitMs,
  );
  assert(steps.started >= steps.done, `the timeline has ${steps.started} tasks started but ${steps.done} done`);
  note(`run_page_tasks: the timeline has ${steps.started} tasks started and ${steps.done} done`);
}

// The Manage pages: the file's plan is read only; a storage and a plan made in forms generated from the option
// tables, a refusal shown with the server's problems, the plan run from its page; a template tested unsaved.
async function go(hash, what, fn, arg) {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  await waitFor(what, fn, arg);
}

async function typeInto(test, text) {
  await page.click(`[data-test="${test}"]`, { count: 3 });
  await page.type(`[data-test="${test}"]`, text);
}

async function issuesShown() {
  return page.evaluate(() => [...document.querySelectorAll('[data-test="issue"]')].map((i) => i.textContent.trim()));
}

async function manageCreateAndRun() {
  await go('#/manage', 'the Manage page', (p) => {
    const row = [...document.querySelectorAll('[data-test="object-row"]')].find((r) => r.dataset.name === p);
    return !!row;
  }, PLAN);
  const origin = await page.evaluate((p) => {
    const section = document.querySelector('[data-test="manage-section"][data-section="plans"]');
    const row = [...section.querySelectorAll('[data-test="object-row"]')].find((r) => r.dataset.name === p);
    return row.querySelector('[data-test="origin"]').dataset.value;
  }, PLAN);
  assert(origin === 'config', `plan ${PLAN} shows origin ${origin}, not config`);
  await go(`#/manage/plans/${PLAN}`, `the page of plan ${PLAN}`, () => !!document.querySelector('[data-test="object-yaml"]'));
  const readOnly = await page.evaluate(() => ({
    form: !!document.querySelector('[data-test="object-form"]'),
    note: (document.querySelector('[data-test="object-note"]') || { textContent: '' }).textContent,
    yaml: document.querySelector('[data-test="object-yaml"]').textContent,
  }));
  assert(!readOnly.form, `plan ${PLAN} of datasync.yaml has an edit form`);
  assert(/datasync\.yaml/.test(readOnly.note), `plan ${PLAN} does not say it is the file's: "${readOnly.note}"`);
  assert(readOnly.yaml.startsWith(`plans:\n  ${PLAN}:\n`), `the YAML shown is "${readOnly.yaml.slice(0, 60)}"`);
  const dataset = await page.evaluate(
    (p) => fetch(`/api/v1/objects/plans/${p}`, { credentials: 'same-origin' }).then((r) => r.json()).then((o) => o.body.dataset),
    PLAN,
  );

  // A storage: the kind chooses the sink, whose option table adds its fields (path for csv).
  await go('#/manage/storages/new', 'the new storage form', () => !!document.querySelector('[data-test="field-kind"]'));
  await typeInto('field-name', 'web_csv');
  await page.select('[data-test="field-kind"]', 'csv');
  await waitFor('the csv options in the form', () => !!document.querySelector('[data-test="field-path"]'));
  const csvFields = await page.evaluate(() => [...document.querySelectorAll('[data-test="form-row"]')].map((r) => r.dataset.key));
  assert(csvFields.includes('partition_by'), `the csv form has no partition_by: ${csvFields.join(' ')}`);
  await typeInto('field-path', 'data/web_csv');
  await page.click('[data-test="save"]');
  await waitFor('the page of storage web_csv', () => !!document.querySelector('[data-test="object-page"][data-name="web_csv"]'));

  // A plan: saved first without a storage, which the server refuses with its problem; then with one.
  await go('#/manage/plans/new', 'the new plan form', () => !!document.querySelector('[data-test="field-dataset"]'));
  await typeInto('field-name', 'web_plan');
  await page.select('[data-test="field-dataset"]', dataset);
  await typeInto('field-params', 'trade_date: ["20240102", "20240103", "20240104"]');
  await page.click('[data-test="save"]');
  await waitFor('the problems of the refused plan', () => document.querySelectorAll('[data-test="issue"]').length > 0);
  const problems = await issuesShown();
  assert(problems.some((t) => /storages/.test(t)), `the refusal does not name storages: ${problems.join(' | ')}`);
  await page.click('[data-test="field-storages-web_csv"]');
  await page.click('[data-test="save"]');
  await waitFor('the page of plan web_plan', () => !!document.querySelector('[data-test="object-page"][data-name="web_plan"]'));
  await waitFor('the plan form', () => !!document.querySelector('[data-test="object-run"]'));
  await page.click('[data-test="object-run"]');
  await waitForPlanRow('web_plan');
  const run = await waitFor(
    'a finished run of web_plan',
    () =>
      fetch('/api/v1/runs?plan=web_plan', { credentials: 'same-origin' })
        .then((r) => r.json())
        .then((d) => (d.items[0] && ['succeeded', 'failed', 'cancelled'].includes(d.items[0].status) ? d.items[0] : null)),
    undefined,
    kLongWaitMs * 2,
  );
  assert(run.status === 'succeeded', `the run of web_plan ${run.status}`);
  assert(run.tasks_done === 3 && run.rows > 0, `the run of web_plan did ${run.tasks_done} tasks, ${run.rows} rows`);
  await waitFor('the overview to show the run of web_plan', () => {
    const row = [...document.querySelectorAll('[data-test="plan-row"]')].find((r) => r.dataset.plan === 'web_plan');
    return row && row.querySelector('[data-test="last-run-link"]');
  });
  note(`manage: storage web_csv and plan web_plan made in forms; run ${run.id}: ${run.rows} rows`);

  // A template tested before it is saved: the count and the first argument sets.
  await go('#/manage/templates/new', 'the new template form', () => !!document.querySelector('[data-test="field-params"]'));
  await typeInto('field-name', 'january');
  await typeInto('field-params', 'trade_date: {dates: {start: 2024-01-01, end: 2024-01-31}}');
  await page.click('[data-test="test-template"]');
  await waitFor('the template test', () => !!document.querySelector('[data-test="template-count"]'));
  const test = await page.evaluate(() => ({
    count: document.querySelector('[data-test="template-count"]').textContent,
    sets: [...document.querySelectorAll('[data-test="template-set"]')].map((r) => r.textContent.trim()),
  }));
  assert(test.count === '31', `the template test counts ${test.count}, not 31`);
  assert(test.sets.length === 10 && /^trade_date=\S+/.test(test.sets[0]), `the first sets: ${test.sets.join(' | ')}`);
}

async function viewerReadOnly() {
  await page.click('[data-test="sign-out"]');
  await waitFor('the sign-in form after signing out', () => !!document.querySelector('[data-test="sign-in-form"]'));
  const leftover = await page.evaluate(() => document.querySelectorAll('[data-test="plan-row"], [data-test="task-row"]').length);
  assert(leftover === 0, 'data is still on the page after signing out');
  const status = await page.evaluate(() => fetch('/api/v1/overview', { credentials: 'same-origin' }).then((r) => r.status));
  assert(status === 401, `after signing out GET /api/v1/overview answered ${status}, not 401`);

  await page.goto(`${BASE}/#/`, { waitUntil: 'domcontentloaded' });
  await signIn(VIEWER_TOKEN);
  await waitForPlanRow(PLAN);
  const role = await page.$eval('[data-test="role"]', (e) => e.textContent.trim());
  assert(role === 'viewer', `signed in with VIEWER_TOKEN but the role shown is ${role}`);
  let buttons = await operatorButtons();
  assert(buttons.length === 0, `a viewer sees on the overview: ${buttons.join(', ')}`);

  let runId = state.runId;
  if (!runId) {
    runId = await page.evaluate((p) => {
      const row = [...document.querySelectorAll('[data-test="plan-row"]')].find((r) => r.dataset.plan === p);
      const a = row && row.querySelector('[data-test="last-run-link"]');
      return a ? a.getAttribute('href').replace('#/runs/', '') : null;
    }, PLAN);
  }
  assert(runId, `no run of ${PLAN} to open`);
  await page.evaluate((id) => {
    location.hash = `#/runs/${id}`;
  }, runId);
  await waitFor(
    `the page of run ${runId} with its tasks`,
    (id) =>
      !!document.querySelector(`[data-test="run-page"][data-run-id="${id}"]`) &&
      document.querySelectorAll('[data-test="task-row"]').length > 0,
    runId,
  );
  buttons = await operatorButtons();
  assert(buttons.length === 0, `a viewer sees on the run page: ${buttons.join(', ')}`);

  // Manage: no "New" buttons, and a plan made in the app is shown read only.
  await go('#/manage', 'the Manage page', () => document.querySelectorAll('[data-test="object-row"]').length > 0);
  buttons = await operatorButtons();
  assert(buttons.length === 0, `a viewer sees on the Manage page: ${buttons.join(', ')}`);
  await go('#/manage/plans/web_plan', 'the page of plan web_plan', () => !!document.querySelector('[data-test="object-yaml"]'));
  buttons = await operatorButtons();
  assert(buttons.length === 0, `a viewer sees on a plan made in the app: ${buttons.join(', ')}`);
}

async function datasetPage() {
  await page.evaluate(() => {
    location.hash = '#/';
  });
  await waitForPlanRow(PLAN);
  const dataset = await planRowValue(PLAN, 'dataset-link');
  assert(dataset, `no dataset link in the row of ${PLAN}`);
  await clickIn('plan-row', 'plan', PLAN, 'dataset-link');
  await waitFor(`the page of dataset ${dataset}`, () => document.querySelectorAll('[data-test="field-row"]').length > 0);
  const shown = await page.evaluate(() => ({
    name: document.querySelector('[data-test="dataset-name"]').textContent.trim(),
    fields: [...document.querySelectorAll('[data-test="field-row"]')].map((r) => ({
      name: r.querySelector('[data-test="field-name"]').firstChild.textContent.trim(),
      type: r.querySelector('[data-test="field-type"]').textContent.trim(),
    })),
  }));
  assert(shown.name === dataset, `the dataset page is titled ${shown.name}, not ${dataset}`);
  const bad = shown.fields.find((f) => !f.name || !f.type);
  assert(!bad, `a field row lacks a name or a type: ${JSON.stringify(bad)}`);
  const fromApi = await page.evaluate(
    (name) => fetch(`/api/v1/datasets/${encodeURIComponent(name)}`, { credentials: 'same-origin' }).then((r) => r.json()),
    dataset,
  );
  const expected = fromApi.fields.map((f) => `${f.name}:${f.type}`).join(' ');
  const got = shown.fields.map((f) => `${f.name}:${f.type}`).join(' ');
  assert(got === expected, `the fields table shows "${got}", the API says "${expected}"`);
  note(`dataset_page: ${dataset} with ${shown.fields.length} fields (${got.slice(0, 120)})`);

  // Where it is stored and its schema versions; the viewer gets no migration buttons.
  const schema = await page.evaluate(() => ({
    storages: [...document.querySelectorAll('[data-test="dataset-storage"]')].map((r) => r.dataset.storage),
    versions: document.querySelectorAll('[data-test="version-row"]').length,
    buttons: document.querySelectorAll('[data-test="check-migration"], [data-test="apply-migration"]').length,
  }));
  assert(schema.storages.includes('db'), `the storages listed are ${schema.storages.join(', ')}`);
  assert(schema.versions >= 1, 'no schema version is listed');
  assert(schema.buttons === 0, 'a viewer is offered migration buttons');


  // The coverage view: a heat strip per year whose held days match the API's count.
  await waitFor('the coverage strips', () => document.querySelectorAll('[data-test="coverage-year"]').length > 0);
  const cov = await page.evaluate(() => {
    const card = document.querySelector('[data-test="coverage"]');
    return {
      present: Number(card.dataset.present),
      years: [...document.querySelectorAll('[data-test="coverage-year"]')].map((r) => r.dataset.year),
      held: document.querySelectorAll('[data-test="coverage"] rect.cov-present').length,
      missing: document.querySelectorAll('[data-test="coverage"] rect.cov-missing').length,
    };
  });
  // The run may still be adding days, so the strips are checked against the answer they were drawn from.
  const drawnFrom = await page.evaluate(() => Number(document.querySelector('[data-test="coverage"]').dataset.missing));
  assert(cov.present > 0, 'the coverage view shows no day held');
  assert(cov.held === cov.present, `the strips mark ${cov.held} days held, the report they show says ${cov.present}`);
  assert(cov.missing === drawnFrom, `the strips mark ${cov.missing} days missing, the report says ${drawnFrom}`);
  note(`dataset_page: coverage ${cov.held} held, ${cov.missing} missing, years ${cov.years.join(' ')}`);

  // The data preview: the newest rows, and a uPlot chart of one field of the newest row's key.
  await waitFor('the preview chart', () => {
    const chart = document.querySelector('[data-test="chart"]');
    return chart && Number(chart.dataset.points) > 0 && chart.querySelector('canvas');
  });
  const preview = await page.evaluate(() => ({
    rows: document.querySelectorAll('[data-test="preview-row"]').length,
    points: Number(document.querySelector('[data-test="chart"]').dataset.points),
    key: document.querySelector('[data-test="chart-key"]') && document.querySelector('[data-test="chart-key"]').value,
    field: document.querySelector('[data-test="chart-field"]').value,
  }));
  assert(preview.rows > 0, 'the preview lists no rows');
  const series = await page.evaluate(
    (name, key) =>
      fetch(`/api/v1/datasets/${encodeURIComponent(name)}/rows?limit=1000&key=${encodeURIComponent(key)}`, {
        credentials: 'same-origin',
      }).then((r) => r.json()),
    dataset,
    preview.key || '',
  );
  // Rows only grow while the run goes on: the chart drew at most what the key has now.
  assert(
    preview.points > 0 && preview.points <= series.rows.length,
    `the chart draws ${preview.points} points, the key has ${series.rows.length} rows`,
  );
  note(`dataset_page: chart of ${preview.field} for ${preview.key}: ${preview.points} points; ${preview.rows} newest rows`);
}

const scenarios = [
  ['no_credentials', noCredentials],
  ['sign_in_operator', signInOperator],
  ['start_and_watch', startAndWatch],
  ['pause_resume', pauseResume],
  ['run_page_tasks', runPageTasks],
  ['manage_create_and_run', manageCreateAndRun],
  ['viewer_read_only', viewerReadOnly],
  ['dataset_page', datasetPage],
];

// --- main ------------------------------------------------------------------------------------------------

const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking'],
});
let passed = 0;
let failed = 0;
try {
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: COLOR_SCHEME }]);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(m.text());
  });
  for (const [i, [name, fn]] of scenarios.entries()) {
    pageErrors = [];
    try {
      await fn();
      assert(pageErrors.length === 0, `error in the page: ${pageErrors[0]}`);
      console.log(`ok ${name}`);
      passed++;
    } catch (e) {
      console.log(`FAIL ${name}: ${String(e.message).replace(/\s+/g, ' ')}`);
      failed++;
    }
    const shot = path.join(ARTIFACTS, `${String(i + 1).padStart(2, '0')}-${name}.png`);
    // From the top: a full-page capture of a scrolled page draws the sticky header mid-page.
    await page.evaluate(() => window.scrollTo(0, 0)).catch(() => {});
    await page.screenshot({ path: shot, fullPage: true }).catch((e) => note(`no screenshot ${shot}: ${e.message}`));
  }
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
