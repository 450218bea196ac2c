// The dataset page (#/datasets/NAME) and the audit log (#/audit).
import { html, useState } from '/assets/vendor/htm-preact.mjs';
import { api, query } from './api.js';
import { Coverage } from './coverage.js';
import { Preview } from './preview.js';
import { fmtTime } from './format.js';
import { Loading, Pager, rowKeys, useRefresher } from './ui.js';

export function DatasetPage({ name }) {
  const [ds, setDs] = useState(null);
  const [missing, setMissing] = useState(null);
  useRefresher(async () => {
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
