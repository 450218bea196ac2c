// The app's one door to the server: JSON calls under /api/v1 and the live event stream.
//
// - api(method, path, body) sends the session cookie and, for every state-changing method, the CSRF token
//   that signing in returned (docs/web.md "Signing in"). A 401 from any call except signing in hands
//   control to onUnauthorized (the app shows the sign-in form); every other failure throws an ApiError
//   carrying the server's message, for a visible banner.
// - Events: one EventSource on /api/v1/events while signed in. Pages subscribe by event name; a "resync"
//   is emitted when the stream reports dropped events or reconnects, because the page may have missed
//   something and must reload its state. Nothing here polls: every reload follows an event or a click.

let csrf = null;
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data || null;  // the answer's body (a refused change carries its "issues")
  }
}

export function setCsrf(token) {
  csrf = token || null;
}

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

const kChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (kChanging.has(method) && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, `${method} ${path}: the server did not answer (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (res.ok) return data;
  const message =
    (data && data.error && data.error.message) || `${method} ${path}: HTTP ${res.status} ${res.statusText}`;
  if (res.status === 401 && path !== '/api/v1/session') onUnauthorized();
  throw new ApiError(res.status, message, data);
}

export function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

// --- live events -------------------------------------------------------------------------------------

const kEventNames = ['hello', 'run_progress', 'run_ended', 'run_message', 'alert_sent', 'job_ended'];
const listeners = new Map();  // name -> Set of callbacks
let source = null;
let reconnectTimer = null;
let helloSeen = false;
let droppedSeen = 0;
let status = 'off';  // off | connecting | live | down

function emit(name, data) {
  for (const fn of listeners.get(name) || []) fn(data);
}

function setStatus(s) {
  status = s;
  emit('status', s);
}

export function eventStatus() {
  return status;
}

export function onEvent(name, fn) {
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name).add(fn);
  return () => listeners.get(name).delete(fn);
}

function handle(name, raw) {
  let data;
  try {
    data = JSON.parse(raw);
  } catch {
    return;
  }
  if (!data || typeof data !== 'object') return;
  setStatus('live');
  const dropped = Number(data.dropped) || 0;
  if (name === 'hello') {
    // A hello after the first one means the stream reconnected: whatever happened meanwhile was missed.
    if (helloSeen) emit('resync', data);
    helloSeen = true;
    droppedSeen = dropped;
    return;
  }
  if (dropped > droppedSeen) {
    droppedSeen = dropped;
    emit('resync', data);
  }
  emit(name, data);
  emit('any', data);
}

export function startEvents() {
  if (source) return;
  clearTimeout(reconnectTimer);
  setStatus('connecting');
  source = new EventSource('/api/v1/events', { withCredentials: true });
  for (const name of kEventNames) source.addEventListener(name, (e) => handle(name, e.data));
  source.onerror = () => {
    if (!source || source.readyState !== EventSource.CLOSED) {
      setStatus('connecting');  // the browser reconnects by itself
      return;
    }
    // The browser gave up (a non-200 answer such as 401): find out whether the session ended, else try
    // again later.
    source = null;
    setStatus('down');
    api('GET', '/api/v1/me').then(
      () => {
        reconnectTimer = setTimeout(startEvents, 5000);
      },
      (e) => {
        if (e.status !== 401) reconnectTimer = setTimeout(startEvents, 5000);
      },
    );
  };
}

export function stopEvents() {
  clearTimeout(reconnectTimer);
  if (source) source.close();
  source = null;
  helloSeen = false;
  droppedSeen = 0;
  setStatus('off');
}

// A job the server queued (202 with {id}, docs/web.md "Jobs"): resolves with the job once it ended (its
// job_ended event, or a read after a resync, since the event may have been missed), rejects with an
// ApiError when it failed.
export function awaitJob(job) {
  return new Promise((resolve, reject) => {
    let done = false;
    const offs = [];
    const check = async () => {
      if (done) return;
      try {
        const j = await api('GET', `/api/v1/jobs/${encodeURIComponent(job.id)}`);
        if (done || (j.state !== 'succeeded' && j.state !== 'failed')) return;
        done = true;
        offs.forEach((off) => off());
        if (j.state === 'failed') reject(new ApiError(0, j.error || `${j.kind} failed`, j));
        else resolve(j);
      } catch (e) {
        done = true;
        offs.forEach((off) => off());
        reject(e);
      }
    };
    offs.push(onEvent('job_ended', (e) => e.id === job.id && check()));
    offs.push(onEvent('resync', () => check()));
    check();  // it may have ended before this listened
  });
}
