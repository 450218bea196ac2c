#!/usr/bin/env python3
"""What does `history: true` cost on the write path, against a plain upsert (issue 18, item 6)? A whole-market
backfill of Tushare's `daily` by `trade_date` (one call per weekday of --days, --stocks rows each) from the
project's simulator without a limit, into a fresh project per storage and mode. Three runs of the same plan:
the first load, an unchanged re-run (history compares every row with its current version and must add none),
and a re-run after the simulator revises `close` of --revised stocks on every day (history closes and adds
exactly those versions). Prints, per run: rows fetched, wall time, datasync's CPU (user + sys) per fetched row,
peak RSS, the versions in the table and its size; then history's CPU per row against upsert's. On Parquet the
plain mode is append (a task's file replaced) and history adds a version file per changed task; its rows are
counted with DuckDB (tests/oracles), the current ones by the query docs/configuration.md gives users.

Usage: bench/e2e/versioning_bench.py [--build build/release] [--days 60] [--stocks 5000] [--revised 50]
           [--storages sqlite,postgres,parquet] [--pg-url URL]
Build first: bash scripts/build.sh release datasync vendor_sim. `postgres` needs --pg-url (or
DATASYNC_TEST_PG_URL), e.g. a server from `BASE=/tmp/ds-bench-pg bash scripts/services/services.sh start pg`."""

import argparse
import datetime
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import benchlib
import peer_bench


def weekdays(n):
    day, out = datetime.date(2024, 1, 2), []
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day.strftime("%Y%m%d"))
        day += datetime.timedelta(days=1)
    return out


def table_stats(storage, project, pg_url, schema, history):
    """(rows in the table, of them current, bytes on disk)."""
    if storage == "parquet":
        folder = os.path.join(project, "data", "parquet", "daily")
        files = sorted(f for f in glob.glob(os.path.join(folder, "**", "*.parquet"), recursive=True)
                       if not os.path.basename(f).startswith(("_", ".")))
        total = peer_bench.count_parquet_rows(folder)
        current = total
        if history:
            # The documented DuckDB query (docs/configuration.md), also right after compaction merged versions.
            sql = ("SELECT count(*) AS n FROM (SELECT 1 FROM {files} "
                   "QUALIFY _valid_from = max(_valid_from) OVER (PARTITION BY _ds_unit))")
            out = subprocess.run(["node", os.path.join(benchlib.ROOT, "tests", "oracles", "read_parquet.mjs"),
                                  "--sql", sql, folder], check=True, capture_output=True, text=True).stdout
            current = int(json.loads(out)["rows"][0][0])
        return total, current, sum(os.path.getsize(f) for f in files)
    if storage == "sqlite":
        path = os.path.join(project, "data", "warehouse.db")
        con = sqlite3.connect(path)
        try:
            total = con.execute("SELECT count(*) FROM daily").fetchone()[0]
            current = con.execute("SELECT count(*) FROM daily WHERE _valid_to IS NULL").fetchone()[0] \
                if history else total
        finally:
            con.close()
        size = sum(os.path.getsize(os.path.join(project, "data", f)) for f in os.listdir(os.path.join(project, "data")))
        return total, current, size
    total = int(peer_bench.psql(pg_url, 'SELECT count(*) FROM "%s".daily' % schema))
    current = int(peer_bench.psql(pg_url, 'SELECT count(*) FROM "%s".daily WHERE _valid_to IS NULL' % schema)) \
        if history else total
    size = int(peer_bench.psql(pg_url, "SELECT pg_total_relation_size('\"%s\".daily')" % schema))
    return total, current, size


def bench(ds, sim, storage, history, args, days):
    schema = "versioning_%d_%s" % (os.getpid(), "h" if history else "u")
    keys = "    history: true\n" if history else ("    mode: append\n" if storage == "parquet" else "")
    keys += "    params:\n      trade_date: [%s]\n" % ", ".join('"%s"' % d for d in days)
    project = peer_bench.storage_project(sim, storage, schema, keys, args.pg_url)
    results = []
    try:
        benchlib.datasync_apply(ds, project)
        sim.admin("POST", "/_sim/config", {"revisions": []})
        for label in ("first load", "unchanged re-run", "re-run, %d stocks revised" % args.revised):
            if label.startswith("re-run,"):
                codes = sim.stock_codes(args.revised)
                sim.admin("POST", "/_sim/config", {"revisions": [{
                    "api": "daily", "start_date": days[0], "end_date": days[-1], "codes": codes,
                    "fields": ["close"], "scale": 1.01}]})
            m, report = benchlib.datasync_run(ds, project, "backfill")
            total, current, size = table_stats(storage, project, args.pg_url, schema, history)
            results.append((label, report["rows"], m, total, current, size))
        if storage == "postgres":
            peer_bench.psql(args.pg_url, 'DROP SCHEMA "%s" CASCADE' % schema)
        return results
    finally:
        sim.admin("POST", "/_sim/config", {"revisions": []})
        shutil.rmtree(project, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--stocks", type=int, default=5000)
    ap.add_argument("--revised", type=int, default=50)
    ap.add_argument("--storages", default="sqlite")
    ap.add_argument("--pg-url", default=os.environ.get("DATASYNC_TEST_PG_URL"))
    args = ap.parse_args()
    ds, sim_path = benchlib.binaries(args.build)
    storages = args.storages.split(",")
    for name in storages:
        if name not in ("sqlite", "postgres", "parquet"):
            sys.exit("unknown storage '%s' (allowed: sqlite, postgres, parquet)" % name)
    if "postgres" in storages and not args.pg_url:
        sys.exit("--storages postgres needs --pg-url (or DATASYNC_TEST_PG_URL)")
    days = weekdays(args.days)
    print("daily by trade_date, %d days x %d simulated stocks; datasync %s" % (args.days, args.stocks, ds))
    print("| storage | mode | run | rows fetched | wall s | CPU s | CPU us/row | peak RSS MiB | table rows | "
          "current | size MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    sim = benchlib.Simulator(sim_path, args.stocks)
    summary = []
    try:
        for storage in storages:
            per_row = {}
            for history in (False, True):
                mode = "history" if history else ("append" if storage == "parquet" else "upsert")
                for label, rows, m, total, current, size in bench(ds, sim, storage, history, args, days):
                    per_row[(mode, label)] = m.cpu * 1e6 / max(rows, 1)
                    print("| %s | %s | %s | %s | %.1f | %.2f | %.2f | %.0f | %s | %s | %.1f |" % (
                        storage, mode, label, format(rows, ","), m.wall, m.cpu, per_row[(mode, label)], m.rss_mib,
                        format(total, ","), format(current, ","), size / 1e6))
                    sys.stdout.flush()
            for (mode, label), us in per_row.items():
                if mode == "history":
                    plain = "append" if storage == "parquet" else "upsert"
                    base = per_row[(plain, label)]
                    summary.append("%s, %s: history %.2f us/row, %s %.2f: %+.0f %%" % (
                        storage, label, us, plain, base, (us / base - 1) * 100))
    finally:
        sim.stop()
    print()
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
