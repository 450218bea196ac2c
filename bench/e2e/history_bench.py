#!/usr/bin/env python3
"""Does the cost per row stay flat as history grows (issue 19, item 5)? A whole-market backfill of Tushare's
`daily` by `trade_date` (one call per weekday, --stocks rows each) from the project's simulator without a limit,
done by `datasync run` for each of --years (default 1 and 10) into each of --storages, each run into a fresh
project. For each it prints the calls, the rows (counted in the storage), wall time, datasync's CPU (user + sys)
per row, peak RSS and the storage's size on disk; then, per storage, the CPU per row of each longer history
against the shortest one (the bar: within 20 %).

Usage: bench/e2e/history_bench.py [--build build/release] [--years 1,10] [--stocks 5000]
           [--storages sqlite,csv,parquet,postgres] [--end-year 2024]
Build first: bash scripts/build.sh release datasync vendor_sim. `parquet` counts rows with DuckDB
(scripts/test-setup.d/20-oracles.sh start); `postgres` needs --pg-url (or DATASYNC_TEST_PG_URL), e.g. a
server from `BASE=/tmp/ds-bench-pg bash scripts/services/services.sh start pg` and `... env pg`.
Ten years of 5,000 stocks is 12.5 million rows: several minutes per storage."""

import argparse
import os
import shutil
import sys

import benchlib
import peer_bench


def folder_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def run(ds, sim, storage, years, args):
    schema = "history_%d_%d" % (os.getpid(), years)
    start = "%d0101" % (args.end_year - years + 1)
    end = "%d1231" % args.end_year
    project = peer_bench.storage_project(sim, storage, schema, """    params:
      trade_date: {dates: {start: "%s", end: "%s", weekdays_only: true}}
""" % (start, end), args.pg_url)
    try:
        benchlib.datasync_apply(ds, project)
        sim.admin("POST", "/_sim/load/reset")
        m, report = benchlib.datasync_run(ds, project, "backfill")
        calls = sim.admin("GET", "/_sim/load")["calls"]
        data = os.path.join(project, "data")
        rows = peer_bench.count_stored_rows(storage, data, args.pg_url, schema)
        size = (int(peer_bench.psql(args.pg_url, "SELECT pg_total_relation_size('\"%s\".daily')" % schema))
                if storage == "postgres" else folder_bytes(data))
        if storage == "postgres":
            peer_bench.psql(args.pg_url, 'DROP SCHEMA "%s" CASCADE' % schema)
        if rows != report["rows"]:
            sys.exit("datasync reports %d rows, the %s storage holds %d" % (report["rows"], storage, rows))
        return m, rows, calls, size
    finally:
        shutil.rmtree(project, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD)
    ap.add_argument("--years", default="1,10")
    ap.add_argument("--stocks", type=int, default=5000)
    ap.add_argument("--storages", default="sqlite,csv,parquet")
    ap.add_argument("--end-year", type=int, default=2024)
    ap.add_argument("--pg-url", default=os.environ.get("DATASYNC_TEST_PG_URL"))
    args = ap.parse_args()
    ds, sim_path = benchlib.binaries(args.build)
    years = sorted(int(y) for y in args.years.split(","))
    storages = args.storages.split(",")
    for name in storages:
        if name not in peer_bench.STORAGES:
            sys.exit("unknown storage '%s' (allowed: %s)" % (name, ", ".join(peer_bench.STORAGES)))
    if "postgres" in storages and not args.pg_url:
        sys.exit("--storages postgres needs --pg-url (or DATASYNC_TEST_PG_URL)")

    print("whole-market backfill of daily by trade_date, %d simulated stocks, years ending %d; datasync %s" %
          (args.stocks, args.end_year, ds))
    print("| storage | years | calls | rows | wall s | CPU s (user+sys) | CPU us/row | peak RSS MiB | stored MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    sim = benchlib.Simulator(sim_path, args.stocks)
    summary = []
    try:
        for storage in storages:
            per_row = {}
            for y in years:
                m, rows, calls, size = run(ds, sim, storage, y, args)
                per_row[y] = m.cpu * 1e6 / max(rows, 1)
                print("| %s | %d | %d | %s | %.1f | %.1f (%.1f+%.1f) | %.2f | %.0f | %.0f |" % (
                    storage, y, calls, format(rows, ","), m.wall, m.cpu, m.user, m.sys, per_row[y], m.rss_mib,
                    size / 1e6))
                sys.stdout.flush()
            for y in years[1:]:
                summary.append("%s: %d years cost %.2f us/row, %d year(s) %.2f: %+.0f %%" % (
                    storage, y, per_row[y], years[0], per_row[years[0]],
                    (per_row[y] / per_row[years[0]] - 1) * 100))
    finally:
        sim.stop()
    print()
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
