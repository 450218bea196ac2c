#!/usr/bin/env python3
"""Quota utilization: 4 plans sharing one token against a simulator limit of 200 calls/min (sliding 60 s,
real time). Reports accepted calls in the first 3 full minutes against the limit (target >= 98 %) and the
vendor's rejections (target 0).

Usage: bench/e2e/quota_bench.py [--build build/release] [--minutes 3] [--limit 200]"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "bench-token"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--minutes", type=int, default=3)
    ap.add_argument("--limit", type=int, default=200)
    args = ap.parse_args()
    ds = os.path.join(args.build, "src", "cli", "datasync")
    sim = os.path.join(args.build, "tools", "vendor-sim", "datasync-vendor-sim")
    work = tempfile.mkdtemp(prefix="ds-quota-bench-")
    port_file = os.path.join(work, "port")
    sim_proc = subprocess.Popen([sim, "--port", "0", "--port-file", port_file, "--stocks", "50", "--tokens", TOKEN,
                                 "--per-minute", str(args.limit)], stdout=subprocess.DEVNULL)
    for _ in range(400):
        if os.path.exists(port_file) and open(port_file).read().strip():
            break
        time.sleep(0.025)
    port = int(open(port_file).read().strip())
    url = "http://127.0.0.1:%d" % port

    def stats():
        with urllib.request.urlopen(url + "/_sim/stats") as r:
            return json.loads(r.read())["by_token"].get(TOKEN, {}).get("daily", {})

    # Enough work for the whole window: 4 plans x (limit x minutes) calls, each plan its own dates.
    per_plan = args.limit * (args.minutes + 1)
    plans = ""
    import datetime
    day = datetime.date(2010, 1, 4)
    for p in range(4):
        dates = []
        while len(dates) < per_plan:
            dates.append(day.strftime("%Y%m%d"))
            day += datetime.timedelta(days=1)
        plans += """  p%d:
    dataset: daily
    storages: [db]
    params:
      trade_date: [%s]
""" % (p, ", ".join('"%s"' % d for d in dates))
    project = os.path.join(work, "project")
    os.makedirs(project)
    with open(os.path.join(project, "datasync.yaml"), "w") as f:
        f.write("""version: 1
sources:
  tushare:
    provider: tushare
    endpoint: %s
    token: ${BENCH_TOKEN}
    limits: {per_minute: %d, concurrency: 8}
datasets:
  daily: {source: tushare}
storages:
  db: {kind: sqlite, path: data/w.db}
plans:
%s""" % (url, args.limit, plans))
    env = dict(os.environ, BENCH_TOKEN=TOKEN)
    subprocess.run([ds, "--project", project, "apply"], env=env, check=True, capture_output=True)

    timeline = []  # (monotonic seconds, accepted so far)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            timeline.append((time.monotonic(), stats().get("accepted", 0)))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    proc = subprocess.Popen([ds, "--project", project, "run", "p0", "p1", "p2", "p3"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait for the first accepted call, then for the window to pass.
    while not timeline or timeline[-1][1] == 0:
        time.sleep(0.01)
    t0 = next(t for t, a in timeline if a > 0)
    window = 60 * args.minutes
    while time.monotonic() < t0 + window + 1:
        time.sleep(0.2)
    stop.set()
    sampler.join()
    proc.send_signal(signal.SIGINT)
    proc.wait()
    # accepted at t0 is the first sample with calls: count from just before it
    before = max((a for t, a in timeline if t < t0), default=0)
    within = max(a for t, a in timeline if t <= t0 + window) - before
    st = stats()
    limit_total = args.limit * args.minutes
    print("4 plans, one token, limit %d/min: %d calls accepted in the first %d full minutes = %.1f %% of %d; "
          "vendor rejections %d; max accepted in any 60 s: %d" %
          (args.limit, within, args.minutes, 100.0 * within / limit_total, limit_total,
           st.get("rejected_rate", {}).get("total", 0), st.get("max_accepted_in_any_60s", 0)))
    sim_proc.send_signal(signal.SIGTERM)
    sim_proc.wait()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
