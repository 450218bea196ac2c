#!/usr/bin/env python3
"""Whole-process benchmark of `datasync coverage`: a synthetic SQLite warehouse as the sqlite storage writes
it (typed columns recorded in _datasync_columns, ISO days, primary key (ts_code, trade_date)) holding N codes
x Y years of daily bars with a few bars dropped at random, and an SSE calendar beside it. Prints the wall
and CPU time and peak RSS of `coverage daily` (by date) and `coverage daily --by key`, and checks the
(key, day) pairs reported missing against the rows actually dropped. With --reconcile it also copies the
warehouse to a second SQLite storage, changes one close and deletes one bar there, and times `reconcile daily
--storages warehouse,mirror` (every row of both read and hashed), checking it names exactly those two days.

Usage: bench/e2e/coverage_bench.py [--build build/release] [--codes 5000] [--years 10] [--drop 0.0005] [--reconcile]
datasync must be built (scripts/build.sh release datasync). Runs with the system's python3 (stdlib only)."""

import argparse
import datetime
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CONFIG = """version: 1
sources:
  tushare:
    provider: tushare
    token: ${TUSHARE_TOKEN}
datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  warehouse: {kind: sqlite, path: data/warehouse.db}
  mirror: {kind: sqlite, path: data/mirror.db}
plans:
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20150101", end_date: "20241231"}
  bars:
    dataset: daily
    storages: [warehouse]
    params: {trade_date: "20240102"}
"""


def build_warehouse(path, codes, years, drop, seed=7):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE TABLE _datasync_columns (table_name TEXT, column_name TEXT, logical_type TEXT, "
                "PRIMARY KEY (table_name, column_name))")
    con.executemany("INSERT INTO _datasync_columns VALUES (?, ?, ?)",
                    [("daily", "ts_code", "string"), ("daily", "trade_date", "date"), ("daily", "close", "float64"),
                     ("trade_cal", "exchange", "string"), ("trade_cal", "cal_date", "date"),
                     ("trade_cal", "is_open", "int32")])
    con.execute("CREATE TABLE trade_cal (exchange TEXT, cal_date TEXT, is_open INTEGER, pretrade_date TEXT, "
                "PRIMARY KEY (exchange, cal_date))")
    con.execute("CREATE TABLE daily (ts_code TEXT, trade_date TEXT, close REAL, PRIMARY KEY (ts_code, trade_date))")
    first = datetime.date(2025 - years, 1, 1)
    d, days = first, []
    while d <= datetime.date(2024, 12, 31):
        is_open = d.weekday() < 5
        con.execute("INSERT INTO trade_cal VALUES ('SSE', ?, ?, NULL)", (d.isoformat(), int(is_open)))
        if is_open:
            days.append(d.isoformat())
        d += datetime.timedelta(days=1)
    rnd = random.Random(seed)
    dropped_inside = 0  # dropped bars between a code's first and last bar: what --by key can see
    for i in range(codes):
        kept = [x for x in days if rnd.random() >= drop]
        if kept:
            dropped_inside += days.index(kept[-1]) - days.index(kept[0]) + 1 - len(kept)
        con.executemany("INSERT INTO daily VALUES (?, ?, 1.0)", (("%06d.SZ" % i, x) for x in kept))
    con.commit()
    rows = con.execute("SELECT count(*) FROM daily").fetchone()[0]
    con.close()
    return len(days), rows, dropped_inside


def timed(cmd, env, cwd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode not in (0, 1):
        sys.exit("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr))
    return wall, cpu, after.ru_maxrss / 1024.0, json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--codes", type=int, default=5000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--drop", type=float, default=0.0005)
    ap.add_argument("--reconcile", action="store_true", help="also time reconcile against a changed copy")
    args = ap.parse_args()
    exe = os.path.join(args.build, "src", "cli", "datasync")
    if not os.access(exe, os.X_OK):
        sys.exit("no %s: run scripts/build.sh release datasync" % exe)
    d = tempfile.mkdtemp(prefix="ds-bench-coverage-")
    try:
        os.makedirs(os.path.join(d, "data"))
        with open(os.path.join(d, "datasync.yaml"), "w") as f:
            f.write(CONFIG)
        t0 = time.monotonic()
        open_days, rows, dropped = build_warehouse(os.path.join(d, "data", "warehouse.db"), args.codes, args.years,
                                                   args.drop)
        print("warehouse: %d codes x %d open days, %d rows, %d bars dropped inside the codes' histories (%.0f s)"
              % (args.codes, open_days, rows, dropped, time.monotonic() - t0))
        env = dict(os.environ, TUSHARE_TOKEN="bench")
        subprocess.run([exe, "apply"], env=env, cwd=d, check=True, capture_output=True)
        for label, extra in (("by date", []), ("by key", ["--by", "key", "--max-keys", "50"])):
            wall, cpu, rss, r = timed([exe, "coverage", "daily", "--json"] + extra, env, d)
            found = r["by_key"]["missing"] if extra else r["missing"]
            print("coverage %-7s %6.2f s wall  %6.2f s cpu  %6.1f MB peak  expected %d open days, missing %d%s"
                  % (label, wall, cpu, rss, r["expected"], found,
                     "" if not extra else " (key, day) pairs, dropped %d: %s" % (
                         dropped, "exact" if found == dropped else "MISMATCH")))
        if args.reconcile:
            mirror = os.path.join(d, "data", "mirror.db")
            shutil.copyfile(os.path.join(d, "data", "warehouse.db"), mirror)
            con = sqlite3.connect(mirror)
            changed = con.execute("SELECT ts_code, trade_date FROM daily ORDER BY trade_date DESC, ts_code "
                                  "LIMIT 1").fetchone()
            con.execute("UPDATE daily SET close = 2.5 WHERE ts_code = ? AND trade_date = ?", changed)
            gone = con.execute("SELECT ts_code, trade_date FROM daily ORDER BY trade_date, ts_code LIMIT 1").fetchone()
            con.execute("DELETE FROM daily WHERE ts_code = ? AND trade_date = ?", gone)
            con.commit()
            con.close()
            wall, cpu, rss, r = timed([exe, "reconcile", "daily", "--storages", "warehouse,mirror", "--json"], env, d)
            days = sorted(dd["day"] for p in r["partitions"] for dd in p["days"])
            ok = days == sorted([gone[1], changed[1]]) and r["left_rows"] == rows and r["right_rows"] == rows - 1
            print("reconcile      %6.2f s wall  %6.2f s cpu  %6.1f MB peak  %d + %d rows compared in %d partitions, "
                  "%d days differ: %s" % (wall, cpu, rss, r["left_rows"], r["right_rows"], len(r["partitions"]),
                                          r["days_differ"], "exact" if ok else "MISMATCH %r" % days))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
