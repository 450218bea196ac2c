#!/usr/bin/env python3
"""Whole-process benchmark: `datasync run` of ten years of daily bars for 300 stocks from the project's
simulator into CSV and into SQLite. Prints rows/s, CPU seconds and peak RSS of the datasync process.

Usage: bench/e2e/backfill_bench.py [--build build/release] [--stocks 300] [--years 10] [--concurrency 4]
The simulator and datasync must be built (scripts/build.sh release datasync vendor_sim)."""

import argparse
import shutil

import benchlib


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD)
    ap.add_argument("--stocks", type=int, default=300)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--sinks", default="csv,sqlite")
    args = ap.parse_args()
    ds, sim_path = benchlib.binaries(args.build)

    # A few simulated stocks are delisted: ask for some extra so that `stocks` listed ones exist.
    sim = benchlib.Simulator(sim_path, args.stocks + args.stocks // 10)
    try:
        codes = sim.stock_codes(args.stocks)
        for sink in args.sinks.split(","):
            measure(ds, sim, codes, sink, args)
    finally:
        sim.stop()


def measure(ds, sim, codes, sink, args):
    end_year = 2024
    start = "%d0101" % (end_year - args.years + 1)
    storage = {"csv": "{kind: csv, path: data/csv}", "sqlite": "{kind: sqlite, path: data/warehouse.db}"}[sink]
    project = benchlib.daily_project(sim.url, storage, """    params:
      ts_code: [%s]
      start_date: "%s"
      end_date: "%d1231"
""" % (", ".join(codes), start, end_year), limits="{concurrency: %d}" % args.concurrency)
    try:
        benchlib.datasync_apply(ds, project)
        m, report = benchlib.datasync_run(ds, project, "backfill")
        rows = report["rows"]
        print("%-6s %d stocks x %d years: %d tasks, %s rows, %.1f MB from the vendor | wall %.2f s, %s rows/s | "
              "datasync CPU %.2f s (%.2f us/row) | peak RSS %.1f MiB" %
              (sink, len(codes), args.years, report["tasks"]["done"], format(rows, ","), report["bytes"] / 1e6,
               m.wall, format(int(rows / m.wall), ","), m.cpu, m.cpu * 1e6 / rows, m.rss_mib))
    finally:
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
