// The dataset page (#/datasets/NAME) and the audit log (#/audit).
import { html, useState } from '/assets/vendor/htm-preact.mjs';
import { api, awaitJob, query } from './api.js';
import { Coverage } from './coverage.js';
import { Preview } from './preview.js';
import { canOperate, fmtTime } from './format.js';
import { Loading, Pager, rowKeys, showError, showNotice, useRefresher } from './ui.js';

// The storages the dataset is written to, with their pending migrations on request, and apply for
// operators: each asks the storage in a job on the server (the request only queues it), awaited here; then the schema versions with their changes, and what was migrated.
function StoragesAndSchema({ ds, operator, onChanged }) {
  const [pending, setPending] = useState({});  // storage -> the answer of a dry run
  const [busy, setBusy] = useState('');

  async function migrate(storage, apply) {
    if (apply && !window.confirm(`Apply the pending migration of ${ds.name} in ${storage}, destructive steps included?`)) return;
    setBusy(storage);
    try {
      const job = await api('POST', `/api/v1/datasets/${encodeURIComponent(ds.name)}/migrations`, { storage, apply });
      const r = (await awaitJob(job)).result;
      setPending((p) => ({ ...p, [storage]: r.items[0] || { steps: [], scripted: false } }));
      if (apply) {
        showNotice(`${storage}: ${(r.items[0] && r.items[0].applied_steps) || 0} step(s) applied.`);
        onChanged();
      }
    } catch (e) {
      showError(e);
    } finally {
      setBusy('');
    }
  }

  return html`
    <section>
      <h2>Storages</h2>
      <table class="grid" data-test="dataset-storages">
        <thead><tr><th>Storage</th><th>Kind</th><th>Written by</th><th>Pending migration</th><th></th></tr></thead>
        <tbody>
          ${ds.storages.length === 0 && html`<tr><td colspan="5" class="muted">No plan writes this dataset.</td></tr>`}
          ${ds.storages.map((s) => {
            const p = pending[s.name];
            const held = p ? p.steps.filter((st) => st.held && !st.applied).length : 0;
            const open = p ? p.steps.filter((st) => !st.applied).length : 0;
            return html`<tr key=${s.name} data-test="dataset-storage" data-storage=${s.name}>
              <td class="mono strong">${s.name}</td>
              <td class="mono">${s.kind}</td>
              <td class="mono">${s.plan}</td>
              <td data-test="pending" data-steps=${p ? open : ''}>
                ${!p
                  ? html`<span class="muted small">${operator ? 'not checked' : '—'}</span>`
                  : p.error
                    ? html`<span class="text-bad small">${p.error}</span>`
                    : !p.scripted
                      ? html`<span class="muted small">evolves by itself (not scripted)</span>`
                      : open === 0
                        ? html`<span class="small">up to date</span>`
                        : html`<span class="small">${open} step(s)${held ? html`, <strong class="text-bad">${held} destructive</strong>` : ''}</span>
                            <ul class="steps small">${p.steps.map((st, i) => html`<li key=${i} class=${st.held ? 'text-bad' : ''}>${st.description}</li>`)}</ul>`}
              </td>
              <td class="actions">
                ${operator &&
                html`<button class="btn-small" data-test="check-migration" disabled=${busy === s.name}
                  onClick=${() => migrate(s.name, false)}>Check</button>`}
                ${operator && p && p.scripted && open > 0 &&
                html`<button class="btn-small btn-danger" data-test="apply-migration" disabled=${busy === s.name}
                  onClick=${() => migrate(s.name, true)}>Apply</button>`}
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </section>
    <section>
      <h2>Schema versions <span class="count">${ds.versions.length}</span></h2>
      <table class="grid" data-test="versions">
        <thead><tr><th>Version</th><th>At</th><th>Origin</th><th>Changes</th></tr></thead>
        <tbody>
          ${[...ds.versions].reverse().map(
            (v) => html`<tr key=${v.version} data-test="version-row" data-version=${v.version}>
              <td class="strong">${v.version}</td>
              <td class="nowrap">${fmtTime(v.updated_at_us)}</td>
              <td>${v.origin}</td>
              <td class="small">${v.changes.length === 0 ? html`<span class="muted">${v.version === 1 ? 'first version' : 'no field changed'}</span>` : html`<ul class="steps">${v.changes.map((c, i) => html`<li key=${i}>${c}</li>`)}</ul>`}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${ds.migrations.length > 0 &&
      html`<h3>Migrations applied</h3>
        <table class="grid" data-test="migrations">
          <thead><tr><th>At</th><th>Storage</th><th>Version</th><th>Change</th><th>By</th></tr></thead>
          <tbody>
            ${ds.migrations.map(
              (m) => html`<tr key=${m.id} data-test="migration-row">
                <td class="nowrap">${fmtTime(m.applied_at_us)}</td>
                <td class="mono">${m.storage}</td>
                <td>${m.dataset_version}</td>
                <td class=${m.destructive ? 'text-bad' : ''}>${m.description}</td>
                <td>${m.applied_by}${m.run_id ? ` (run ${m.run_id})` : ''}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
    </section>`;
}

export function DatasetPage({ name, session }) {
  const [ds, setDs] = useState(null);
  const [missing, setMissing] = useState(null);
  const [reload] = useRefresher(async () => {
    try {
      setDs(await api('GET', `/api/v1/datasets/${encodeURIComponent(name)}`));
    } catch (e) {
      if (e.status === 404) setMissing(e.message);
      else throw e;
    }
  }, [name]);

  if (missing) return html`<div class="page"><h1>Dataset ${name}</h1><p class="text-bad" data-test="not-found">${missing}</p></div>`;
  if (!ds) return html`<${Loading} />`;
  const keyFields = ds.primary_key || [];
  const key = new Set(keyFields);
  return html`<div class="page" data-test="dataset-page" data-dataset=${ds.name}>
    <div class="page-head"><h1>Dataset <span data-test="dataset-name">${ds.name}</span></h1></div>
    <div class="card">
      <dl class="facts">
        <div><dt>Source</dt><dd data-test="dataset-source">${ds.source}</dd></div>
        <div><dt>API</dt><dd class="mono">${ds.api}</dd></div>
        <div><dt>Key</dt><dd class="mono">${keyFields.join(', ') || '—'}</dd></div>
        <div><dt>Date field</dt><dd class="mono">${ds.date_key || '—'}</dd></div>
        <div><dt>Schema version</dt><dd>${ds.schema_version}</dd></div>
        <div><dt>Fields</dt><dd>${(ds.fields || []).length}</dd></div>
      </dl>
    </div>
    ${ds.date_key && html`<section>
      <h2>Coverage</h2>
      <${Coverage} dataset=${ds.name} />
    </section>`}
    <section>
      <h2>Data</h2>
      <${Preview} dataset=${ds.name} />
    </section>
    <${StoragesAndSchema} ds=${ds} operator=${session && canOperate(session.role)} onChanged=${reload} />
    <section>
      <h2>Fields</h2>
      <table class="grid" data-test="fields">
        <thead><tr><th>Name</th><th>Type</th><th>Nullable</th><th>Description</th></tr></thead>
        <tbody onKeyDown=${rowKeys(null)}>
          ${(ds.fields || []).map(
            (f) => html`<tr key=${f.name} class="row" tabindex="0" data-test="field-row" data-field=${f.name}>
              <td class="mono strong" data-test="field-name">
                ${f.name}${key.has(f.name) && html` <span class="tag" title="part of the key">key</span>`}
                ${f.name === ds.date_key && html` <span class="tag" title="the date field">date</span>`}
              </td>
              <td class="mono" data-test="field-type">${f.type}</td>
              <td>${f.nullable ? 'yes' : 'no'}</td>
              <td>${f.description}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>
  </div>`;
}

const kAuditPage = 50;

export function AuditPage() {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState(null);
  const [open, setOpen] = useState({});
  useRefresher(async () => {
    setPage(await api('GET', `/api/v1/audit${query({ limit: kAuditPage, offset })}`));
  }, [offset]);

  if (!page) return html`<${Loading} />`;
  return html`<div class="page" data-test="audit-page">
    <div class="page-head"><h1>Audit log</h1></div>
    <table class="grid" data-test="audit">
      <thead>
        <tr><th>At</th><th>Actor</th><th>Role</th><th>Action</th><th>Target</th><th>Detail</th><th>From</th></tr>
      </thead>
      <tbody onKeyDown=${rowKeys((k) => setOpen((o) => ({ ...o, [k]: !o[k] })))}>
        ${page.items.length === 0 && html`<tr><td colspan="7" class="muted">Nothing recorded yet.</td></tr>`}
        ${page.items.map(
          (a) => html`<tr
            key=${a.id}
            class=${`row ${open[a.id] ? 'open' : ''}`}
            tabindex="0"
            data-key=${a.id}
            data-test="audit-row"
            onClick=${() => setOpen((o) => ({ ...o, [a.id]: !o[a.id] }))}
          >
            <td class="nowrap">${fmtTime(a.at_us)}</td>
            <td class="strong">${a.actor}</td>
            <td>${a.role}</td>
            <td class="mono" data-test="audit-action">${a.action}</td>
            <td class="mono">${a.target}</td>
            <td class=${open[a.id] ? 'wrap' : 'clip'} title=${a.detail}>${a.detail}</td>
            <td class="mono small">${a.remote}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <${Pager} offset=${page.offset} limit=${page.limit} total=${page.total} onChange=${setOffset} />
  </div>`;
}
