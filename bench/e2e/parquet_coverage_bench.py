#!/usr/bin/env python3
"""Reading a Parquet storage back (issue 18's coverage benchmark, Parquet row): a whole-market backfill of
Tushare's `daily` by `trade_date` (--stocks simulated stocks, --years of weekdays) into a parquet storage
partitioned by year, then `datasync coverage daily --storage pq` by date and by key, timed as whole processes
(wall, CPU, peak RSS), before and after `datasync compact`. The same coverage from a SQLite copy written by the
same run is printed beside it, and the answers must agree.

Usage: bench/e2e/parquet_coverage_bench.py [--build build/release] [--stocks 5000] [--years 2] [--end-year 2024]
Build first: bash scripts/build.sh release datasync vendor_sim. Two years of 5,000 stocks is 2.2 M rows (ten: 9.2 M, about 2 minutes in all)."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import benchlib

CONFIG = """version: 1
sources:
  tushare:
    provider: tushare
    endpoint: %s
    token: ${BENCH_TOKEN}
datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  local: {kind: sqlite, path: data/warehouse.db}
  pq: {kind: parquet, path: data/parquet, partition_by: trade_date, partition_granularity: year}
plans:
  cal:
    dataset: trade_cal
    storages: [local]
    params: {exchange: SSE, start_date: "%s", end_date: "%s"}
  backfill:
    dataset: daily
    storages: [local, pq]
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "%s", end: "%s"}}
"""


def timed(ds, project, args):
    # coverage exits 1 when something is missing, which is an answer here, not a failure.
    cmd = ["sh", "-c", '"$@"; [ $? -le 1 ]', "sh", ds, "--project", project] + args
    m = benchlib.run_measured(cmd, benchlib.datasync_env(), "datasync " + args[0])
    return m.wall, m.cpu, m.rss_mib, m.stdout


def coverage(ds, project, storage, by_key):
    extra = ["--by", "key", "--max-keys", "50"] if by_key else []
    wall, cpu, rss, out = timed(ds, project, ["coverage", "daily", "--storage", storage, "--json"] + extra)
    r = json.loads(out)
    return wall, cpu, rss, (r["expected"], r["missing"], r["by_key"]["missing"] if by_key else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD)
    ap.add_argument("--stocks", type=int, default=5000)
    ap.add_argument("--years", type=int, default=2)
    ap.add_argument("--end-year", type=int, default=2024)
    args = ap.parse_args()
    ds, sim_path = benchlib.binaries(args.build)
    start, end = "%d0101" % (args.end_year - args.years + 1), "%d1231" % args.end_year
    sim = benchlib.Simulator(sim_path, args.stocks)
    project = benchlib.datasync_project(CONFIG % (sim.url, "%d1201" % (args.end_year - args.years), end, start, end))
    try:
        benchlib.datasync_apply(ds, project)
        t0 = time.monotonic()
        benchlib.datasync_run(ds, project, "cal")
        _, report = benchlib.datasync_run(ds, project, "backfill")
        print("backfill: %s rows of daily, %d simulated stocks, %s .. %s, into sqlite and parquet (%.0f s)" % (
            format(report["rows"], ","), args.stocks, start, end, time.monotonic() - t0))
        parts = sum(len(files) for _, _, files in os.walk(os.path.join(project, "data", "parquet", "daily")))
        print("| storage | files | coverage | wall s | CPU s | peak RSS MiB | expected days | missing days | "
              "missing (key, day) |")
        print("|---|---|---|---|---|---|---|---|---|")
        answers = {}
        for label, storage in (("sqlite", "local"), ("parquet, as the run left it", "pq"), ("parquet, compacted", "pq")):
            if label == "parquet, compacted":
                timed(ds, project, ["compact", "pq", "daily"])
                parts = sum(len(files) for _, _, files in os.walk(os.path.join(project, "data", "parquet", "daily")))
            for by_key in (False, True):
                wall, cpu, rss, answer = coverage(ds, project, storage, by_key)
                answers.setdefault(by_key, set()).add(answer)
                print("| %s | %s | %s | %.2f | %.2f | %.0f | %d | %d | %s |" % (
                    label, parts if storage == "pq" else "-", "by key" if by_key else "by date", wall, cpu, rss,
                    answer[0], answer[1], "" if answer[2] is None else answer[2]))
                sys.stdout.flush()
        for by_key, seen in answers.items():
            if len(seen) != 1:
                sys.exit("the storages disagree (%s): %s" % ("by key" if by_key else "by date", sorted(seen)))
        print("\nevery storage gave the same answer")
    finally:
        sim.stop()
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
