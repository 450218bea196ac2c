#!/usr/bin/env python3
"""Whole-process benchmark: `datasync run` of ten years of daily bars for 300 stocks from the project's
simulator into CSV and into SQLite. Prints rows/s, CPU seconds and peak RSS of the datasync process.

Usage: bench/e2e/backfill_bench.py [--build build/release] [--stocks 300] [--years 10] [--concurrency 4]
The simulator and datasync must be built (scripts/build.sh release datasync vendor_sim)."""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_sim(sim, stocks):
    d = tempfile.mkdtemp(prefix="ds-bench-sim-")
    port_file = os.path.join(d, "port")
    proc = subprocess.Popen([sim, "--port", "0", "--port-file", port_file, "--stocks", str(stocks),
                             "--tokens", "bench-token", "--threads", "4"], stdout=subprocess.DEVNULL)
    for _ in range(400):
        if os.path.exists(port_file) and open(port_file).read().strip():
            break
        time.sleep(0.025)
    return proc, int(open(port_file).read().strip()), d


def stock_codes(port, n):
    body = json.dumps({"api_name": "stock_basic", "token": "bench-token", "params": {"list_status": "L"},
                       "fields": "ts_code,list_date"}).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/" % port, data=body)
    with urllib.request.urlopen(req) as r:
        items = json.loads(r.read())["data"]["items"]
    return [i[0] for i in items][:n]


def run_measured(cmd, env):
    """Runs cmd and returns (wall seconds, cpu seconds, peak RSS MiB, stdout) of that child alone."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit("datasync failed (%d):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far; datasync runs are measured in order of
    # growing size, and a fresh process per measurement keeps it honest (see main).
    return wall, cpu, after.ru_maxrss / 1024.0, proc.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--stocks", type=int, default=300)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--sinks", default="csv,sqlite")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one sink in a fresh process
    args = ap.parse_args()
    ds = os.path.join(args.build, "src", "cli", "datasync")
    sim = os.path.join(args.build, "tools", "vendor-sim", "datasync-vendor-sim")

    if not args.one:
        # One fresh Python process per sink so ru_maxrss (the peak of all children) is that sink's alone.
        for sink in args.sinks.split(","):
            subprocess.run([sys.executable, __file__, "--build", args.build, "--stocks", str(args.stocks),
                            "--years", str(args.years), "--concurrency", str(args.concurrency), "--one", sink],
                           check=True)
        return

    # A few simulated stocks are delisted: ask for some extra so that `stocks` listed ones exist.
    sim_proc, port, sim_dir = start_sim(sim, args.stocks + args.stocks // 10)
    project = tempfile.mkdtemp(prefix="ds-bench-")
    try:
        codes = stock_codes(port, args.stocks)
        end_year = 2024
        start = "%d0101" % (end_year - args.years + 1)
        storage = {"csv": "{kind: csv, path: data/csv}", "sqlite": "{kind: sqlite, path: data/warehouse.db}"}[args.one]
        config = """version: 1
sources:
  tushare:
    provider: tushare
    endpoint: http://127.0.0.1:%d
    token: ${BENCH_TOKEN}
    limits: {concurrency: %d}
datasets:
  daily: {source: tushare}
storages:
  out: %s
plans:
  backfill:
    dataset: daily
    storages: [out]
    params:
      ts_code: [%s]
      start_date: "%s"
      end_date: "%d1231"
""" % (port, args.concurrency, storage, ", ".join(codes), start, end_year)
        os.makedirs(project, exist_ok=True)
        with open(os.path.join(project, "datasync.yaml"), "w") as f:
            f.write(config)
        env = dict(os.environ, BENCH_TOKEN="bench-token")
        subprocess.run([ds, "--project", project, "apply"], env=env, check=True, capture_output=True)
        wall, cpu, rss, out = run_measured([ds, "--project", project, "run", "backfill", "--json"], env)
        report = json.loads(out)[0]["report"]
        rows = report["rows"]
        print("%-6s %d stocks x %d years: %d tasks, %s rows, %.1f MB from the vendor | wall %.2f s, %s rows/s | "
              "datasync CPU %.2f s (%.2f us/row) | peak RSS %.1f MiB" %
              (args.one, len(codes), args.years, report["tasks"]["done"], format(rows, ","), report["bytes"] / 1e6,
               wall, format(int(rows / wall), ","), cpu, cpu * 1e6 / rows, rss))
        if report["status"] != "succeeded":
            sys.exit("run did not succeed: " + report["status"])
    finally:
        sim_proc.send_signal(signal.SIGTERM)
        sim_proc.wait()
        shutil.rmtree(project, ignore_errors=True)
        shutil.rmtree(sim_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
