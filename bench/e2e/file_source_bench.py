#!/usr/bin/env python3
"""The http_file source against the loop a user writes today (issue 16's file sources): Binance's daily
kline archives (one zip of 1440 one-minute rows per symbol and day, each with its .CHECKSUM) from the
project's simulator, loaded by `datasync run` and by bench/e2e/file_peer_loop.py (requests + hashlib +
zipfile + pandas.read_csv, then to_csv / to_sql) into CSV and SQLite.

For each run it prints wall time, CPU seconds (user + sys of that process alone), CPU per stored row, peak
RSS, the rows stored (checked equal for every run) and the archives downloaded. Then datasync runs the plan
again: every checksum is the one stored, so it downloads the checksums only (the peer has no such memory and
would load everything again).

Usage: bench/e2e/file_source_bench.py [--build build/release] [--symbols 4] [--days 30] [--storages sqlite,csv]
Build first: bash scripts/build.sh release datasync vendor_sim. The peer needs /usr/bin/python3 with pandas and
requests (scripts/install-deps.sh bench)."""

import argparse
import datetime
import glob
import json
import os
import shutil
import sqlite3
import sys

import benchlib

PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "file_peer_loop.py")
SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "DOGEUSDT"]
STORAGES = {"sqlite": "{kind: sqlite, path: data/warehouse.db}", "csv": "{kind: csv, path: data/csv}"}
COLUMNS = ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades",
           "taker_buy_base", "taker_buy_quote"]


def config(url, storage, symbols, first, last):
    fields = "      - {name: symbol, type: string}\n"
    for c in COLUMNS:
        t = "timestamp" if c.endswith("_time") else "int64" if c == "trades" else '"decimal(28,8)"'
        fields += "      - {name: %s, type: %s}\n" % (c, t)
    return """version: 1
sources:
  binance:
    provider: http_file
    endpoint: %s
storages:
  out: %s
datasets:
  klines_1m:
    source: binance
    path: /data/spot/daily/klines/{symbol}/1m/{symbol}-1m-{day}.zip
    checksum: sha256
    columns: [%s, _]
    fields:
%s    primary_key: [symbol, open_time]
plans:
  backfill:
    dataset: klines_1m
    storages: [out]
    params:
      symbol: [%s]
      day: {dates: {start: "%s", end: "%s", format: YYYY-MM-DD}}
""" % (url, STORAGES[storage], ", ".join(COLUMNS), fields, ", ".join(symbols), first, last)


def stored_rows(project, storage):
    if storage == "sqlite":
        con = sqlite3.connect(os.path.join(project, "data", "warehouse.db"))
        try:
            return con.execute("SELECT count(*) FROM klines_1m").fetchone()[0]
        finally:
            con.close()
    total = 0
    for f in glob.glob(os.path.join(project, "data", "csv", "klines_1m", "**", "*.csv"), recursive=True):
        with open(f) as fh:
            total += sum(1 for _ in fh) - 1
    return total


def zips(sim):
    return sum(sim.admin("GET", "/_sim/binance/stats")["zip_downloads"].values())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD)
    ap.add_argument("--symbols", type=int, default=4)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--storages", default="sqlite,csv")
    args = ap.parse_args()
    ds, sim_bin = benchlib.binaries(args.build)
    symbols = SYMBOLS[:args.symbols]
    first = datetime.date(2024, 6, 1)
    days = [(first + datetime.timedelta(days=i)).isoformat() for i in range(args.days)]
    sim = benchlib.Simulator(sim_bin, 10)
    print("load: %d symbols x %d days of 1m klines (%d files of 1440 rows); datasync %s" %
          (len(symbols), len(days), len(symbols) * len(days), ds))
    print("| tool | storage | run | files downloaded | rows stored | wall s | CPU s (user+sys) | CPU us/row | "
          "peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    try:
        for storage in args.storages.split(","):
            project = benchlib.datasync_project(config(sim.url, storage, symbols, days[0], days[-1]))
            results = []
            for label in ("first", "again"):
                before = zips(sim)
                m = benchlib.run_measured([ds, "--project", project, "run", "backfill"], what="datasync run")
                results.append((label, zips(sim) - before, m))
            rows = stored_rows(project, storage)
            for label, downloaded, m in results:
                per_row = m.cpu / rows * 1e6 if label == "first" else float("nan")
                print("| datasync | %s | %s | %d | %d | %.2f | %.2f (%.2f+%.2f) | %.1f | %.1f |" % (
                    storage, label, downloaded, rows, m.wall, m.cpu, m.user, m.sys, per_row, m.rss_mib))
            shutil.rmtree(project, ignore_errors=True)

            out = benchlib.datasync_project("")
            target = ["--sqlite", os.path.join(out, "peer.db")] if storage == "sqlite" else \
                ["--csv", os.path.join(out, "peer.csv")]
            before = zips(sim)
            m = benchlib.run_measured(["/usr/bin/python3", PEER, "--url", sim.url, "--interval", "1m", "--symbols",
                                       ",".join(symbols), "--days", ",".join(days), *target], what="peer loop")
            peer_rows = json.loads(m.stdout)["rows"]
            if peer_rows != rows:
                print("MISMATCH: datasync stored %d rows, the peer %d" % (rows, peer_rows))
            print("| peer loop | %s | first | %d | %d | %.2f | %.2f (%.2f+%.2f) | %.1f | %.1f |" % (
                storage, zips(sim) - before, peer_rows, m.wall, m.cpu, m.user, m.sys, m.cpu / peer_rows * 1e6,
                m.rss_mib))
            shutil.rmtree(out, ignore_errors=True)
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
