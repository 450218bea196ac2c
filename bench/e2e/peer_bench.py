#!/usr/bin/env python3
"""datasync against the script a user writes today (issue 19's baseline): the same backfill, one call of
Tushare's `daily` per weekday by `trade_date` over --years (default 2: 522 calls, about 277 rows each), from the
project's simulator without a rate limit, done by `datasync run` into each storage and by
bench/e2e/peer_loop.py (requests + json.loads + pandas DataFrame, then to_csv / to_sql) into CSV and SQLite.

For each run it prints wall time, CPU seconds (user + sys of that process alone, from os.wait4), CPU per
stored row, peak RSS (GNU time), the rows stored (counted in the storage, and checked equal for every run: a benchmark
that compares different work is worthless), the most calls the simulator saw in flight at once, and the
ratios datasync / peer (below 1: datasync is better). datasync runs at its default concurrency and at each of
--concurrency. Server modes (--modes):
  plain      the simulator answers as fast as it renders
  latency    every call waits 10 ms, whatever the concurrency: a server that scales
  contended  10 ms, plus 25 ms per call in flight beyond 2 (tools/vendor-sim/README.md, Load): like the
             server of issue 19, faster at 2 calls than at 1, slower at 4 and 8

Usage: bench/e2e/peer_bench.py [--build build/release] [--modes plain,latency,contended]
           [--storages sqlite,csv,parquet,postgres] [--concurrency default,1,2,4,8] [--years 2]
Build first: bash scripts/build.sh release datasync vendor_sim. The peer needs /usr/bin/python3 with pandas and
requests (scripts/install-deps.sh bench). `parquet` counts rows with DuckDB (tests/oracles, installed by
scripts/test-setup.d/20-oracles.sh start); `postgres` needs --pg-url (or DATASYNC_TEST_PG_URL), e.g. a server
from `BASE=/tmp/ds-bench-pg bash scripts/services/services.sh start pg` and `... env pg`.
Pin everything to one core with `taskset -c 1 bench/e2e/peer_bench.py ...` to keep other load out."""

import argparse
import datetime
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import benchlib

MODES = {
    "plain": [],
    "latency": ["--latency-ms", "10"],
    "contended": ["--latency-ms", "10", "--contention-ms", "25", "--scale-limit", "2"],
}
PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer_loop.py")
PEER_STORAGE = {"csv": "csv", "sqlite": "sqlite", "parquet": "csv", "postgres": "sqlite"}
STORAGES = {
    "sqlite": "{kind: sqlite, path: data/warehouse.db}",
    "csv": "{kind: csv, path: data/csv}",
    "parquet": "{kind: parquet, path: data/parquet}",
    "postgres": "{kind: postgres, url: \"${BENCH_PG_URL}\", schema: %s}",
}


class Result:
    def __init__(self, tool, storage, concurrency, measured, rows, calls, peak_in_flight):
        self.tool, self.storage, self.concurrency = tool, storage, concurrency
        self.m, self.rows, self.calls, self.peak = measured, rows, calls, peak_in_flight


def count_csv_rows(paths):
    """Data rows of CSV files with a header line each (no field of `daily` holds a line break)."""
    rows = 0
    for path in paths:
        with open(path, "rb") as f:
            lines = sum(1 for line in f if line.strip())
        rows += max(lines - 1, 0)
    return rows


def count_sqlite_rows(path, table="daily"):
    con = sqlite3.connect(path)
    try:
        return con.execute('SELECT count(*) FROM "%s"' % table).fetchone()[0]
    finally:
        con.close()


# Counts with DuckDB in its own process: reading 145,000 rows as JSON into this one would cost seconds and
# memory for one number.
COUNT_PARQUET = """
const { DuckDBInstance } = await import('@duckdb/node-api');
const files = JSON.parse(process.argv[1]).map(f => "'" + f.replaceAll("'", "''") + "'").join(', ');
const conn = await (await DuckDBInstance.create(':memory:')).connect();
const rows = (await conn.runAndReadAll(`SELECT count(*) FROM read_parquet([${files}], union_by_name = true)`)).getRows();
console.log(String(rows[0][0]));
"""


def count_parquet_rows(folder):
    return count_parquet_files([f for f in glob.glob(os.path.join(folder, "**", "*.parquet"), recursive=True)
                                if not os.path.basename(f).startswith(("_", "."))])


def count_parquet_files(files):
    oracles = os.path.join(benchlib.ROOT, "tests", "oracles")
    if not os.path.isdir(os.path.join(oracles, "node_modules")):
        sys.exit("counting Parquet rows needs DuckDB: run `bash scripts/test-setup.d/20-oracles.sh start`")
    if not files:
        return 0
    out = subprocess.run(["node", "--input-type=module", "-e", COUNT_PARQUET, json.dumps(files)], cwd=oracles,
                         check=True, capture_output=True, text=True).stdout
    return int(out)


def psql(url, sql):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def storage_project(sim, storage, schema, plan_keys, pg_url=None):
    """A fresh project syncing the simulator's `daily` into `storage` of STORAGES (PostgreSQL: into `schema` of
    the server at pg_url); plan_keys as for benchlib.daily_project."""
    storage_yaml = STORAGES[storage] % schema if storage == "postgres" else STORAGES[storage]
    if pg_url:
        os.environ["BENCH_PG_URL"] = pg_url
    return benchlib.daily_project(sim.url, storage_yaml, plan_keys)


def count_stored_rows(storage, data, pg_url=None, schema=None):
    """The rows of `daily` in a project's storage as STORAGES configures it (`data`: the project's data folder;
    PostgreSQL: the table in `schema`)."""
    if storage == "sqlite":
        return count_sqlite_rows(os.path.join(data, "warehouse.db"))
    if storage == "csv":
        return count_csv_rows(glob.glob(os.path.join(data, "csv", "daily", "**", "*.csv"), recursive=True))
    if storage == "parquet":
        return count_parquet_rows(os.path.join(data, "parquet", "daily"))
    return int(psql(pg_url, 'SELECT count(*) FROM "%s".daily' % schema))


def run_peer(sim, storage, args, start, end):
    work = tempfile.mkdtemp(prefix="ds-bench-peer-")
    try:
        target = os.path.join(work, "daily.csv" if storage == "csv" else "daily.db")
        cmd = [args.python, PEER, "--url", sim.url + "/", "--token", benchlib.TOKEN, "--start", start, "--end", end,
               "--" + storage, target] + (["--session"] if args.peer_session else [])
        sim.admin("POST", "/_sim/load/reset")
        m = benchlib.run_measured(cmd, what="peer_loop.py")
        load = sim.admin("GET", "/_sim/load")
        said = json.loads(m.stdout)
        rows = count_csv_rows([target]) if storage == "csv" else count_sqlite_rows(target)
        if rows != said["rows"]:
            sys.exit("peer_loop.py says it stored %d rows, the %s holds %d" % (said["rows"], storage, rows))
        return Result("peer", storage, 1, m, rows, load["calls"], load["peak_in_flight"])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_datasync(ds, sim, storage, concurrency, args, start, end):
    schema = "bench_%d_%s" % (os.getpid(), concurrency)
    project = storage_project(sim, storage, schema, """%s    params:
      trade_date: {dates: {start: "%s", end: "%s", weekdays_only: true}}
""" % ("" if concurrency == "default" else "    concurrency: %s\n" % concurrency, start, end), args.pg_url)
    try:
        benchlib.datasync_apply(ds, project)
        sim.admin("POST", "/_sim/load/reset")
        m, report = benchlib.datasync_run(ds, project, "backfill")
        load = sim.admin("GET", "/_sim/load")
        rows = count_stored_rows(storage, os.path.join(project, "data"), args.pg_url, schema)
        if storage == "postgres":
            psql(args.pg_url, 'DROP SCHEMA "%s" CASCADE' % schema)
        if rows != report["rows"]:
            sys.exit("datasync reports %d rows, the %s storage holds %d" % (report["rows"], storage, rows))
        return Result("datasync", storage, concurrency, m, rows, load["calls"], load["peak_in_flight"])
    finally:
        shutil.rmtree(project, ignore_errors=True)


def ratio(a, b):
    return "%.2f" % (a / b) if b > 0 else "-"


def print_table(mode, results):
    peers = {r.storage: r for r in results if r.tool == "peer"}
    print("\n## server mode: %s (%s)" % (mode, " ".join(MODES[mode]) or "no delay"))
    print("| tool | storage | concurrency | calls | rows | wall s | CPU s (user+sys) | CPU us/row | peak RSS MiB | "
          "peak in flight | wall / peer | CPU / peer |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        peer = peers.get(PEER_STORAGE[r.storage]) if r.tool == "datasync" else None
        vs = "" if peer is None else " (%s)" % peer.storage if peer.storage != r.storage else ""
        print("| %s | %s | %s | %d | %s | %.2f | %.2f (%.2f+%.2f) | %.1f | %.1f | %d | %s | %s |" % (
            r.tool, r.storage, r.concurrency, r.calls, format(r.rows, ","), r.m.wall, r.m.cpu, r.m.user, r.m.sys,
            r.m.cpu * 1e6 / max(r.rows, 1), r.m.rss_mib, r.peak,
            ratio(r.m.wall, peer.m.wall) + vs if peer else "", ratio(r.m.cpu, peer.m.cpu) + vs if peer else ""))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD)
    ap.add_argument("--modes", default="plain,latency,contended")
    ap.add_argument("--storages", default="sqlite,csv,parquet")
    ap.add_argument("--peers", default="csv,sqlite", help="storages of peer_loop.py")
    ap.add_argument("--concurrency", default="default,1,2,4,8",
                    help="datasync's plan concurrency for each run; default = no setting (datasync's default)")
    ap.add_argument("--years", type=int, default=2)
    ap.add_argument("--end-year", type=int, default=2024)
    ap.add_argument("--stocks", type=int, default=335,
                    help="the simulator's universe (335: 145,311 rows in 2023-2024, 278 per weekday, as in issue 19)")
    ap.add_argument("--python", default="/usr/bin/python3", help="the interpreter of peer_loop.py")
    ap.add_argument("--peer-session", action="store_true", help="peer_loop.py --session (keep-alive)")
    ap.add_argument("--pg-url", default=os.environ.get("DATASYNC_TEST_PG_URL"))
    args = ap.parse_args()
    ds, sim_path = benchlib.binaries(args.build)
    storages = args.storages.split(",")
    for name in storages + args.peers.split(","):
        if name not in STORAGES:
            sys.exit("unknown storage '%s' (allowed: %s)" % (name, ", ".join(STORAGES)))
    if "postgres" in storages and not args.pg_url:
        sys.exit("--storages postgres needs --pg-url (or DATASYNC_TEST_PG_URL)")
    for mode in args.modes.split(","):
        if mode not in MODES:
            sys.exit("unknown mode '%s' (allowed: %s)" % (mode, ", ".join(MODES)))
    start = "%d0101" % (args.end_year - args.years + 1)
    end = "%d1231" % args.end_year
    first = datetime.date(args.end_year - args.years + 1, 1, 1)
    days = (datetime.date(args.end_year, 12, 31) - first).days + 1
    weekdays = sum(1 for i in range(days) if (first + datetime.timedelta(days=i)).weekday() < 5)
    print("backfill: daily by trade_date, every weekday %s..%s (%d calls), %d simulated stocks; datasync %s" %
          (start, end, weekdays, args.stocks, ds))

    failed = False
    for mode in args.modes.split(","):
        # Threads: the largest concurrency, plus the admin calls and a spare connection or two.
        sim = benchlib.Simulator(sim_path, args.stocks, MODES[mode], threads=16)
        try:
            results = [run_peer(sim, s, args, start, end) for s in args.peers.split(",")]
            for storage in storages:
                for c in args.concurrency.split(","):
                    results.append(run_datasync(ds, sim, storage, c, args, start, end))
        finally:
            sim.stop()
        print_table(mode, results)
        expected = results[0]
        for r in results:
            if (r.rows, r.calls) != (expected.rows, expected.calls):
                failed = True
                print("MISMATCH: %s %s at %s stored %d rows in %d calls; %s %s stored %d rows in %d calls" % (
                    r.tool, r.storage, r.concurrency, r.rows, r.calls, expected.tool, expected.storage,
                    expected.rows, expected.calls))
    if failed:
        sys.exit("the runs did not do the same work (see MISMATCH above)")


if __name__ == "__main__":
    main()
