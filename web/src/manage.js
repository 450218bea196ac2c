// The Manage pages: every configuration object with where it comes from (#/manage), one object (#/manage/
// SECTION/NAME) and the form that makes or edits an object made in the app (#/manage/SECTION/new).
//
// The forms are generated from GET /api/v1/forms/SECTION: the section's own keys and the option table of the
// chosen plugin (a source's provider, a storage's kind, a dataset's source's provider), the same tables that
// validate datasync.yaml. Nested blocks are edited as YAML. The form sends the object as YAML text; the
// server reads it with the whole configuration and answers 422 with every problem, shown next to the form.
// Objects of datasync.yaml and imported datasets are read only here and say so.
import { html, useEffect, useState } from '/assets/vendor/htm-preact.mjs';
import { api } from './api.js';
import { canOperate, fmtTime } from './format.js';
import { Loading, rowKeys, showError, showNotice, useRefresher } from './ui.js';

export const kSections = [
  ['sources', 'source', 'Sources'],
  ['datasets', 'dataset', 'Datasets'],
  ['storages', 'storage', 'Storages'],
  ['templates', 'template', 'Templates'],
  ['plans', 'plan', 'Plans'],
];
const kindOf = Object.fromEntries(kSections.map(([section, kind]) => [section, kind]));
const sectionOf = Object.fromEntries(kSections.map(([section, kind]) => [kind, section]));

function objectHref(section, name) {
  return `#/manage/${section}/${encodeURIComponent(name)}`;
}

function OriginBadge({ origin }) {
  const label = { config: 'datasync.yaml', import: 'imported', api: 'made in the app' }[origin] || origin;
  return html`<span class=${`tag origin-${origin}`} data-test="origin" data-value=${origin}>${label}</span>`;
}

// --- the list --------------------------------------------------------------------------------------------

export function ManagePage({ session }) {
  const [items, setItems] = useState(null);
  useRefresher(async () => {
    setItems((await api('GET', '/api/v1/objects')).items);
  }, []);
  if (!items) return html`<${Loading} />`;
  const operator = canOperate(session.role);
  return html`<div class="page" data-test="manage-page">
    <div class="page-head"><h1>Manage</h1></div>
    <p class="muted">
      Objects of <code>datasync.yaml</code> are read only here: edit the file. Objects made in the app live in the
      system database; <code>datasync export KIND NAME</code> prints one as YAML to paste into the file.
    </p>
    ${kSections.map(([section, kind, title]) => {
      const rows = items.filter((o) => o.kind === kind);
      return html`<section key=${section} data-test="manage-section" data-section=${section}>
        <div class="section-head">
          <h2>${title}</h2>
          ${operator &&
          html`<a class="btn btn-small" href=${`#/manage/${section}/new`} data-test=${`new-${kind}`}>New ${kind}</a>`}
        </div>
        <table class="grid">
          <thead><tr><th>Name</th><th>Origin</th><th>Changed</th><th>Note</th></tr></thead>
          <tbody onKeyDown=${rowKeys((k) => (location.hash = objectHref(section, k)))}>
            ${rows.length === 0 && html`<tr><td colspan="4" class="muted">None.</td></tr>`}
            ${rows.map(
              (o) => html`<tr key=${o.name} class="row" tabindex="0" data-key=${o.name} data-test="object-row"
                  data-name=${o.name} onClick=${() => (location.hash = objectHref(section, o.name))}>
                <td class="strong mono"><a href=${objectHref(section, o.name)}>${o.name}</a></td>
                <td><${OriginBadge} origin=${o.origin} /></td>
                <td class="nowrap small">${o.updated_at_us ? `${fmtTime(o.updated_at_us)} ${o.updated_by}` : ''}</td>
                <td class="muted small">${o.note}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </section>`;
    })}
  </div>`;
}

// --- one object ------------------------------------------------------------------------------------------

export function ObjectPage({ section, name, session }) {
  const [object, setObject] = useState(null);
  const [missing, setMissing] = useState('');
  const isNew = name === null;
  useRefresher(async () => {
    if (isNew) return;
    try {
      setObject(await api('GET', `/api/v1/objects/${section}/${encodeURIComponent(name)}`));
    } catch (e) {
      if (e.status === 404) setMissing(e.message);
      else throw e;
    }
  }, [section, name]);
  const kind = kindOf[section];
  if (!kind) return html`<div class="page"><h1>Not found</h1></div>`;
  if (missing) return html`<div class="page"><h1>${kind} ${name}</h1><p class="text-bad" data-test="not-found">${missing}</p></div>`;
  if (!isNew && !object) return html`<${Loading} />`;
  const operator = canOperate(session.role);
  const editable = isNew || object.editable;
  return html`<div class="page" data-test="object-page" data-kind=${kind} data-name=${name || ''}>
    <div class="page-head">
      <h1>${isNew ? `New ${kind}` : html`${kind} <span class="mono" data-test="object-name">${name}</span>`}</h1>
      ${!isNew && html`<${OriginBadge} origin=${object.origin} />`}
      <div class="spacer"></div>
      <a href="#/manage" class="small">All objects</a>
    </div>
    ${object && object.note && html`<p class="muted" data-test="object-note">${object.note}</p>`}
    ${operator && editable
      ? html`<${ObjectForm} key=${`${section}/${name}`} section=${section} name=${name} object=${object} />`
      : html`<${ReadOnly} object=${object} operator=${operator} />`}
  </div>`;
}

function ReadOnly({ object, operator }) {
  return html`<div class="card">
    ${!operator && object.editable && html`<p class="muted">Viewers cannot change objects.</p>`}
    <p class="small muted">As YAML, ready to paste into <code>datasync.yaml</code>:</p>
    <pre class="yaml" data-test="object-yaml">${object.yaml}</pre>
  </div>`;
}

// --- the form ------------------------------------------------------------------------------------------------

// A field's value as the form holds it (text), from the stored body.
function initialValue(field, object) {
  if (!object) return field.type === 'refs' ? [] : '';
  const v = object.body[field.key];
  if (v === undefined || v === null) return field.type === 'refs' ? [] : '';
  if (field.type === 'refs') return Array.isArray(v) ? v.map(String) : [String(v)];
  if (field.type === 'list') return Array.isArray(v) ? v.join(', ') : String(v);
  if (typeof v === 'object') return object.body_yaml[field.key] || '';
  return String(v);
}

function indent(text) {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

// The object as YAML text: each filled field as its key, scalars as JSON (which YAML reads as is).
export function toYaml(fields, values) {
  const lines = [];
  for (const f of fields) {
    const v = values[f.key];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    switch (f.type) {
      case 'integer':
      case 'number':
        lines.push(`${f.key}: ${/^-?\d+(\.\d+)?$/.test(v.trim()) ? v.trim() : JSON.stringify(v)}`);
        break;
      case 'boolean':
        lines.push(`${f.key}: ${v === 'true' ? 'true' : 'false'}`);
        break;
      case 'list':
        lines.push(`${f.key}: ${JSON.stringify(v.split(',').map((s) => s.trim()).filter(Boolean))}`);
        break;
      case 'refs':
        lines.push(`${f.key}: ${JSON.stringify(v)}`);
        break;
      case 'yaml':
        if (v.trim()) lines.push(`${f.key}:\n${indent(v)}`);
        break;
      default:
        lines.push(`${f.key}: ${JSON.stringify(v)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function Input({ field, value, onChange, names }) {
  const id = `f-${field.key}`;
  const common = { id, 'data-test': `field-${field.key}`, name: field.key };
  const set = (e) => onChange(e.currentTarget.value);
  switch (field.type) {
    case 'boolean':
      return html`<select ...${common} value=${value} onChange=${set}>
        <option value="">${field.default ? `default (${field.default})` : 'default'}</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>`;
    case 'choice':
    case 'plugin':
    case 'ref': {
      const choices = field.type === 'ref' ? names[field.ref] || [] : field.choices || [];
      return html`<select ...${common} value=${value} onChange=${set}>
        <option value="">${field.required ? 'choose…' : field.default ? `default (${field.default})` : '—'}</option>
        ${choices.map((c) => html`<option key=${c} value=${c}>${c}</option>`)}
      </select>`;
    }
    case 'refs': {
      const choices = names[field.ref] || [];
      if (choices.length === 0) return html`<span class="muted small">none defined yet</span>`;
      return html`<div class="checks" ...${common} role="group">
        ${choices.map(
          (c) => html`<label key=${c} class="check">
            <input type="checkbox" value=${c} data-test=${`field-${field.key}-${c}`} checked=${value.includes(c)}
              onChange=${(e) => onChange(e.currentTarget.checked ? [...value, c] : value.filter((x) => x !== c))} />
            <span class="mono">${c}</span>
          </label>`,
        )}
      </div>`;
    }
    case 'yaml':
      return html`<textarea ...${common} rows=${Math.max(3, (value.match(/\n/g) || []).length + 2)} spellcheck="false"
        class="mono" placeholder=${field.example || ''} value=${value} onInput=${set}></textarea>`;
    case 'secret':
      return html`<input ...${common} type="password" autocomplete="off" value=${value} onInput=${set}
        placeholder=${field.example || 'the secret, or a ${ENV} reference'} />`;
    default:
      return html`<input ...${common} type="text" inputmode=${field.type === 'integer' || field.type === 'number' ? 'numeric' : undefined}
        value=${value} onInput=${set} placeholder=${field.default || field.example || ''} />`;
  }
}

function FieldRow({ field, value, onChange, names }) {
  const hint = [field.description, field.unit && `(${field.unit})`, field.min !== undefined && `min ${field.min}`,
    field.max !== undefined && `max ${field.max}`].filter(Boolean).join(' ');
  return html`<div class="form-row" data-test="form-row" data-key=${field.key}>
    <label for=${`f-${field.key}`}>
      <span class="mono">${field.key}</span>${field.required && html`<span class="req" title="required">*</span>`}
    </label>
    <div class="form-input">
      <${Input} field=${field} value=${value} onChange=${onChange} names=${names} />
      ${hint && html`<div class="hint">${hint}</div>`}
    </div>
  </div>`;
}

function Issues({ issues }) {
  if (!issues || issues.length === 0) return null;
  return html`<ul class="issues" data-test="issues" role="alert">
    ${issues.map(
      (i, n) => html`<li key=${n} class=${i.severity === 'error' ? 'text-bad' : 'muted'} data-test="issue">
        <span class="mono small">${i.file}${i.line ? `:${i.line}:${i.column}` : ''}</span> ${i.message}
      </li>`,
    )}
  </ul>`;
}

function ObjectForm({ section, name, object }) {
  const kind = kindOf[section];
  const isNew = name === null;
  const [form, setForm] = useState(null);
  const [names, setNames] = useState({});
  const [values, setValues] = useState(null);
  const [newName, setNewName] = useState('');
  const [variantProvider, setVariantProvider] = useState('');
  const [issues, setIssues] = useState([]);
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState(null);

  useEffect(() => {
    Promise.all([api('GET', `/api/v1/forms/${section}`), api('GET', '/api/v1/objects')]).then(([f, list]) => {
      const byKind = {};
      for (const o of list.items) (byKind[sectionOf[o.kind]] = byKind[sectionOf[o.kind]] || []).push(o.name);
      setNames(byKind);
      setForm(f);
      const v = {};
      for (const field of f.fields) v[field.key] = initialValue(field, object);
      for (const variant of Object.values(f.variants || {})) {
        for (const field of variant.fields) if (!(field.key in v)) v[field.key] = initialValue(field, object);
      }
      setValues(v);
    }, showError);
  }, [section]);

  // A dataset's options are its source's provider's: learn the provider of the chosen source.
  const sourceName = values && form && form.variant_of === 'source' ? values.source : '';
  useEffect(() => {
    if (!sourceName) {
      setVariantProvider('');
      return;
    }
    api('GET', `/api/v1/objects/sources/${encodeURIComponent(sourceName)}`).then(
      (s) => setVariantProvider((s.body && s.body.provider) || ''),
      () => setVariantProvider(''),
    );
  }, [sourceName]);

  if (!form || !values) return html`<${Loading} />`;
  const variantId = form.variant_of === 'source' ? variantProvider : form.plugin_key ? values[form.plugin_key] : '';
  const variant = (form.variants || {})[variantId];
  const baseFields = form.fields.map((f) => (f.type === 'plugin' ? { ...f, choices: Object.keys(form.variants || {}) } : f));
  const fields = [...baseFields, ...(variant ? variant.fields.filter((f) => !baseFields.some((b) => b.key === f.key)) : [])];
  const objectName = isNew ? newName.trim() : name;
  const yaml = toYaml(fields, values);
  const set = (key) => (v) => setValues((old) => ({ ...old, [key]: v }));

  async function save(e) {
    e.preventDefault();
    if (!objectName) {
      setIssues([{ severity: 'error', file: '', message: 'Give the object a name.' }]);
      return;
    }
    setBusy(true);
    setIssues([]);
    try {
      const r = isNew
        ? await api('POST', `/api/v1/objects/${section}`, { name: objectName, yaml })
        : await api('PUT', `/api/v1/objects/${section}/${encodeURIComponent(name)}`, { yaml });
      const changed = r.changes.filter((c) => c.change !== 'unchanged').length;
      showNotice(`${kind} ${objectName} saved: ${changed} catalog change(s).`);
      setIssues(r.issues);
      if (isNew) location.hash = objectHref(section, objectName);
    } catch (err) {
      if (err.data && err.data.issues && err.data.issues.length) setIssues(err.data.issues);
      else setIssues([{ severity: 'error', file: '', message: err.message }]);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!window.confirm(`Delete ${kind} ${name}?`)) return;
    setBusy(true);
    try {
      await api('DELETE', `/api/v1/objects/${section}/${encodeURIComponent(name)}`);
      showNotice(`${kind} ${name} deleted.`);
      location.hash = '#/manage';
    } catch (err) {
      if (err.data && err.data.issues && err.data.issues.length) setIssues(err.data.issues);
      else setIssues([{ severity: 'error', file: '', message: err.message }]);
      setBusy(false);
    }
  }

  async function testTemplate() {
    setTest(null);
    setIssues([]);
    try {
      setTest(await api('POST', '/api/v1/templates/test', { name: objectName || 'unsaved', yaml, limit: 10 }));
    } catch (err) {
      if (err.data && err.data.issues && err.data.issues.length) setIssues(err.data.issues);
      else setIssues([{ severity: 'error', file: '', message: err.message }]);
    }
  }

  async function runNow() {
    try {
      const r = await api('POST', `/api/v1/plans/${encodeURIComponent(name)}/run`);
      showNotice(r.message || `Started plan ${name}.`);
      location.hash = '#/';
    } catch (err) {
      showError(err);
    }
  }

  return html`<form class="card object-form" data-test="object-form" onSubmit=${save}>
    ${isNew &&
    html`<div class="form-row" data-test="form-row" data-key="name">
      <label for="f-name"><span class="mono">name</span><span class="req">*</span></label>
      <div class="form-input">
        <input id="f-name" data-test="field-name" type="text" value=${newName} onInput=${(e) => setNewName(e.currentTarget.value)}
          placeholder="letters, digits, _ . -" autofocus />
      </div>
    </div>`}
    ${fields.map(
      (f) => html`<${FieldRow} key=${f.key} field=${f} value=${values[f.key] === undefined ? '' : values[f.key]}
        onChange=${set(f.key)} names=${names} />`,
    )}
    <details class="yaml-preview">
      <summary class="small">As YAML</summary>
      <pre class="yaml" data-test="form-yaml">${yaml}</pre>
    </details>
    <${Issues} issues=${issues} />
    ${test &&
    html`<div class="template-test" data-test="template-test">
      <p><strong data-test="template-count">${test.count.toLocaleString('en-US')}</strong> argument set(s); the first:</p>
      <table class="grid small">
        <tbody>
          ${test.first.map(
            (set, n) => html`<tr key=${n} data-test="template-set">
              <td class="mono">${Object.entries(set).map(([k, v]) => `${k}=${v}`).join(' ')}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`}
    <div class="form-actions">
      <button type="submit" class="btn-primary" data-test="save" disabled=${busy}>${busy ? 'Saving…' : isNew ? 'Create' : 'Save'}</button>
      ${kind === 'template' && html`<button type="button" data-test="test-template" onClick=${testTemplate}>Test</button>`}
      ${kind === 'plan' && !isNew && html`<button type="button" data-test="object-run" onClick=${runNow}>Run now</button>`}
      <div class="spacer"></div>
      ${!isNew && html`<button type="button" class="btn-danger" data-test="delete" disabled=${busy} onClick=${remove}>Delete</button>`}
    </div>
  </form>`;
}
