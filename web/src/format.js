// Formatting of the API's values for display. Times in the API are microseconds since the epoch (`…_us`);
// the page shows them in the browser's local time zone.

const pad = (n) => String(n).padStart(2, '0');

// "2024-06-03 17:30:05" in local time; a dash for 0 or missing.
export function fmtTime(us) {
  if (!us || us <= 0) return '—';
  const d = new Date(us / 1000);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

export function fmtClock(date) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

const grouped = new Intl.NumberFormat('en-US');

export function fmtNum(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  return grouped.format(Math.round(Number(n)));
}

export function fmtRate(n) {
  if (!n || n < 0) return '—';
  return n >= 100 ? fmtNum(n) : Number(n).toFixed(1);
}

// "1h 02m", "3m 05s", "42s"; a dash when unknown (the API says -1).
export function fmtDuration(secs) {
  if (secs === null || secs === undefined || secs < 0) return '—';
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function fmtBytes(n) {
  if (!n || n < 0) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

// A task's parameters as "k=v k=v" (objects and arrays as JSON).
export function fmtParams(params) {
  if (!params || typeof params !== 'object') return '';
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v !== null && typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');
}

export const kFinalRunStatus = new Set(['succeeded', 'failed', 'cancelled']);

// Roles that may start and steer runs; a viewer only reads.
export function canOperate(role) {
  return role === 'operator' || role === 'admin';
}
