// The datasync web app: sign-in, the header, and hash routing between the pages.
//
// Routes: #/ (overview), #/runs/ID, #/datasets/NAME, #/manage, #/manage/SECTION/NAME (or new), #/audit.
// Until GET /api/v1/me says who is signed in, nothing but the sign-in form is shown; any 401 later brings
// it back (api.js setUnauthorizedHandler).
import { html, render, useEffect, useState } from '/assets/vendor/htm-preact.mjs';
import { api, eventStatus, onEvent, setCsrf, setUnauthorizedHandler, startEvents, stopEvents } from './api.js';
import { canOperate } from './format.js';
import { Overview } from './overview.js';
import { ManagePage, ObjectPage } from './manage.js';
import { AuditPage, DatasetPage } from './pages.js';
import { RunPage } from './run.js';
import { Banners, clearBanners, Loading, showError } from './ui.js';

function parseRoute(hash) {
  const path = (hash || '').replace(/^#/, '') || '/';
  let m;
  if (path === '/' || path === '') return { page: 'overview', path: '/' };
  if ((m = path.match(/^\/runs\/(\d+)$/))) return { page: 'run', id: m[1], path };
  if ((m = path.match(/^\/datasets\/([^/]+)$/))) {
    let name = m[1];
    try {
      name = decodeURIComponent(name);
    } catch {
      // keep it as typed
    }
    return { page: 'dataset', name, path };
  }
  if (path === '/audit') return { page: 'audit', path };
  if (path === '/manage') return { page: 'manage', path };
  if ((m = path.match(/^\/manage\/([a-z]+)\/([^/]+)$/))) {
    let name = m[2];
    try {
      name = decodeURIComponent(name);
    } catch {
      // keep it as typed
    }
    return { page: 'object', section: m[1], name: name === 'new' ? null : name, path };
  }
  return { page: 'missing', path };
}

function useRoute() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => {
      setRoute(parseRoute(location.hash));
      clearBanners();
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onSignedIn }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e) {
    e.preventDefault();
    if (!token.trim()) {
      setError('Enter a token.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      const s = await api('POST', '/api/v1/session', { token: token.trim() });
      onSignedIn(s);
    } catch (err) {
      setError(err.status === 401 ? 'That token is not valid.' : err.message);
      setBusy(false);
    }
  }

  return html`<div class="signin-wrap">
    <form class="signin card" data-test="sign-in-form" onSubmit=${submit}>
      <div class="brand brand-large">datasync</div>
      <label for="token">Access token</label>
      <input
        id="token"
        type="password"
        autocomplete="current-password"
        placeholder="dst_…"
        data-test="token-input"
        value=${token}
        onInput=${(e) => setToken(e.currentTarget.value)}
        autofocus
      />
      ${error && html`<p class="text-bad" role="alert" data-test="sign-in-error">${error}</p>`}
      <button type="submit" class="btn-primary" data-test="sign-in-submit" disabled=${busy}>
        ${busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p class="muted small">
        A token comes from <code>datasync token create NAME --role viewer|operator</code>, or is printed once by
        the first <code>datasync serve</code>.
      </p>
    </form>
  </div>`;
}

function LiveStatus() {
  const [s, setS] = useState(eventStatus());
  useEffect(() => onEvent('status', setS), []);
  const label = { live: 'live', connecting: 'connecting…', down: 'offline', off: 'off' }[s] || s;
  return html`<span class=${`live live-${s}`} data-test="live-status" data-value=${s} title="Live updates (Server-Sent Events)">
    <span class="dot"></span>${label}
  </span>`;
}

function Header({ session, route, onSignOut }) {
  const nav = [
    ['#/', 'Overview', route.page === 'overview' || route.page === 'run' || route.page === 'dataset'],
    ['#/manage', 'Manage', route.page === 'manage' || route.page === 'object'],
    ['#/audit', 'Audit', route.page === 'audit'],
  ];
  return html`<header class="top">
    <a class="brand" href="#/">datasync</a>
    <nav>
      ${nav.map(([href, label, on]) => html`<a key=${href} href=${href} class=${on ? 'on' : ''} aria-current=${on ? 'page' : undefined}>${label}</a>`)}
    </nav>
    <div class="spacer"></div>
    <${LiveStatus} />
    <span class="who" data-test="whoami">
      <span data-test="user">${session.user}</span>
      <span class=${`role role-${canOperate(session.role) ? 'operator' : 'viewer'}`} data-test="role">${session.role}</span>
    </span>
    <button class="btn-small" data-test="sign-out" onClick=${onSignOut}>Sign out</button>
  </header>`;
}

function Page({ route, session }) {
  switch (route.page) {
    case 'overview':
      return html`<${Overview} session=${session} />`;
    case 'run':
      return html`<${RunPage} key=${route.id} id=${route.id} session=${session} />`;
    case 'dataset':
      return html`<${DatasetPage} key=${route.name} name=${route.name} session=${session} />`;
    case 'manage':
      return html`<${ManagePage} session=${session} />`;
    case 'object':
      return html`<${ObjectPage} key=${route.path} section=${route.section} name=${route.name} session=${session} />`;
    case 'audit':
      return html`<${AuditPage} />`;
    default:
      return html`<div class="page"><h1>Not found</h1><p>No page at <code>${route.path}</code>. <a href="#/">Overview</a></p></div>`;
  }
}

function App() {
  // undefined: asking the server who is signed in; null: nobody.
  const [session, setSession] = useState(undefined);
  const route = useRoute();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrf(null);
      stopEvents();
      setSession(null);
    });
    api('GET', '/api/v1/me').then(
      (me) => {
        setCsrf(me.csrf);
        setSession(me);
      },
      (e) => {
        if (e.status !== 401) showError(e);
        setSession(null);
      },
    );
  }, []);

  useEffect(() => {
    if (session) startEvents();
    else stopEvents();
  }, [session]);

  async function signOut() {
    try {
      await api('DELETE', '/api/v1/session');
    } catch (e) {
      if (e.status !== 401) showError(e);
    }
    setCsrf(null);
    stopEvents();
    clearBanners();
    setSession(null);
  }

  if (session === undefined) return html`<${Loading} />`;
  if (session === null) {
    return html`<${Banners} /><${SignIn}
        onSignedIn=${(s) => {
          setCsrf(s.csrf);
          clearBanners();
          setSession(s);
        }}
      />`;
  }
  return html`<${Header} session=${session} route=${route} onSignOut=${signOut} />
    <main>
      <${Banners} />
      <${Page} route=${route} session=${session} />
    </main>`;
}

render(html`<${App} />`, document.getElementById('app'));
