// Small pieces every page uses: the error banner and notices, status badges, the pager, keyboard moves
// on table rows, and a refresher that coalesces reloads triggered by bursts of events.
import { html, useEffect, useRef, useState } from '/assets/vendor/htm-preact.mjs';

// --- banners -----------------------------------------------------------------------------------------

let banner = { error: '', notice: '' };
const bannerListeners = new Set();

function setBanner(next) {
  banner = { ...banner, ...next };
  for (const fn of bannerListeners) fn(banner);
}

export function showError(e) {
  setBanner({ error: typeof e === 'string' ? e : e.message });
}

export function showNotice(message) {
  setBanner({ notice: message, error: '' });
}

export function clearBanners() {
  setBanner({ error: '', notice: '' });
}

export function Banners() {
  const [b, setB] = useState(banner);
  useEffect(() => {
    bannerListeners.add(setB);
    return () => bannerListeners.delete(setB);
  }, []);
  return html`
    ${b.error &&
    html`<div class="banner banner-error" role="alert" data-test="error-banner">
      <span>${b.error}</span>
      <button class="link" onClick=${() => setBanner({ error: '' })} aria-label="Dismiss">✕</button>
    </div>`}
    ${b.notice &&
    html`<div class="banner banner-notice" role="status" data-test="notice">
      <span>${b.notice}</span>
      <button class="link" onClick=${() => setBanner({ notice: '' })} aria-label="Dismiss">✕</button>
    </div>`}
  `;
}

// --- badges, bars --------------------------------------------------------------------------------------

export function StatusBadge({ status, test }) {
  const s = status || 'unknown';
  return html`<span class=${`badge badge-${s.replace(/[^a-z_]/g, '')}`} data-test=${test} data-value=${s}>${s}</span>`;
}

export function Bar({ value, max, kind }) {
  const pct = max > 0 ? Math.min(100, Math.max(0, (100 * value) / max)) : 0;
  return html`<span class=${`bar ${kind || ''}`}><span class="bar-fill" style=${{ width: `${pct}%` }}></span></span>`;
}

// --- pager ---------------------------------------------------------------------------------------------

export function Pager({ offset, limit, total, onChange, test = 'page' }) {
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, total);
  return html`<div class="pager">
    <button
      data-test=${`${test}-prev`}
      disabled=${offset <= 0}
      onClick=${() => onChange(Math.max(0, offset - limit))}
    >
      ‹ Prev
    </button>
    <span class="pager-info" data-test=${`${test}-info`}>${first}–${last} of ${total.toLocaleString('en-US')}</span>
    <button data-test=${`${test}-next`} disabled=${offset + limit >= total} onClick=${() => onChange(offset + limit)}>
      Next ›
    </button>
  </div>`;
}

// --- keyboard moves on table rows ----------------------------------------------------------------------

// onKeyDown for a <tbody> whose rows carry tabindex and class "row": ArrowUp/ArrowDown/Home/End move the
// focus between rows; Enter (and Space) calls onActivate with the focused row's data-key.
export function rowKeys(onActivate) {
  return (e) => {
    const row = e.target.closest && e.target.closest('tr.row');
    if (!row) return;
    const rows = [...e.currentTarget.querySelectorAll('tr.row')];
    const i = rows.indexOf(row);
    let next = null;
    if (e.key === 'ArrowDown') next = rows[Math.min(rows.length - 1, i + 1)];
    else if (e.key === 'ArrowUp') next = rows[Math.max(0, i - 1)];
    else if (e.key === 'Home') next = rows[0];
    else if (e.key === 'End') next = rows[rows.length - 1];
    else if ((e.key === 'Enter' || e.key === ' ') && e.target === row && onActivate) {
      e.preventDefault();
      onActivate(row.dataset.key);
      return;
    } else return;
    e.preventDefault();
    if (next) next.focus();
  };
}

// --- refresher -----------------------------------------------------------------------------------------

// Runs `load` now and again each time trigger() is called, at most one call in flight: triggers that come
// while one runs fold into a single follow-up call. Returns [trigger, lastLoadedDate].
export function useRefresher(load, deps) {
  const state = useRef({ running: false, again: false, alive: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const [loadedAt, setLoadedAt] = useState(null);
  const trigger = useRef(null);
  if (!trigger.current) {
    trigger.current = async () => {
      const s = state.current;
      if (s.running) {
        s.again = true;
        return;
      }
      s.running = true;
      try {
        do {
          s.again = false;
          try {
            await loadRef.current();
            if (s.alive) setLoadedAt(new Date());
          } catch (e) {
            if (s.alive && e.status !== 401) showError(e);
          }
        } while (s.again && s.alive);
      } finally {
        s.running = false;
      }
    };
  }
  useEffect(() => {
    state.current.alive = true;
    trigger.current();
    return () => {
      state.current.alive = false;
    };
  }, deps);
  return [trigger.current, loadedAt];
}

export function Loading() {
  return html`<p class="muted" data-test="loading">Loading…</p>`;
}
