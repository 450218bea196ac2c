#!/usr/bin/env python3
"""How fast a reader reads what datasync wrote (issue 19, item 4): a backfill of `daily` by `trade_date`
(one task, so one part file, per trading day) into a Parquet, CSV or JSON Lines storage (--format)
partitioned by year, read by DuckDB as a researcher would (`read_parquet('…/**/*.parquet', hive_partitioning
= true)`, `read_csv`, `read_json`), as the run leaves it with `compact_at_parts: 0` (one file per task), then
after `datasync compact` (one file per partition), and as a run with the default `compact_at_parts` (64)
leaves it by itself.

For each layout: files, bytes, and DuckDB's time for a full scan (count and sum of `close` by year) and for
one stock's history (`WHERE ts_code = …`), each the best of --repeat fresh DuckDB instances in one Node
process (the OS page cache is warm for every layout alike), and the time of a pandas loop that reads every
file and concatenates them (--python, when it has pandas). Rows are checked equal across layouts.

Usage: bench/e2e/read_layout_bench.py [--build build/release] [--format parquet|csv|jsonl] [--years 2]
           [--stocks 335] [--repeat 5]
Needs DuckDB from tests/oracles (bash scripts/test-setup.d/20-oracles.sh start)."""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

import benchlib

READ = """
const { DuckDBInstance } = await import('@duckdb/node-api');
const [root, repeat, code, format] = [process.argv[1], Number(process.argv[2]), process.argv[3], process.argv[4]];
const path = root.replaceAll("'", "''") + '/**/*.' + format;
const from = {
  parquet: `read_parquet('${path}', hive_partitioning = true)`,
  csv: `read_csv('${path}', hive_partitioning = true)`,
  jsonl: `read_json('${path}', format = 'newline_delimited', hive_partitioning = true)`,
}[format];
const queries = {
  scan: `SELECT trade_date_year, count(*), round(sum(close), 2) FROM ${from} GROUP BY 1 ORDER BY 1`,
  one_stock: `SELECT count(*), max(close) FROM ${from} WHERE ts_code = '${code}'`,
};
const out = {};
for (const [name, sql] of Object.entries(queries)) {
  let best = Infinity, rows = null;
  for (let i = 0; i < repeat; i++) {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const t0 = performance.now();
    rows = (await conn.runAndReadAll(sql)).getRows();
    best = Math.min(best, performance.now() - t0);
  }
  out[name] = { ms: best, rows: JSON.parse(JSON.stringify(rows, (k, v) => typeof v === 'bigint' ? String(v) : v)) };
}
console.log(JSON.stringify(out));
"""


def duckdb_read(folder, repeat, code, fmt):
    oracles = os.path.join(benchlib.ROOT, "tests", "oracles")
    if not os.path.isdir(os.path.join(oracles, "node_modules")):
        sys.exit("DuckDB is missing: run `bash scripts/test-setup.d/20-oracles.sh start`")
    out = subprocess.run(["node", "--input-type=module", "-e", READ, folder, str(repeat), code, fmt], cwd=oracles,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


PANDAS = """
import glob, sys, time
import pandas as pd
root, fmt, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
read = {"csv": pd.read_csv, "jsonl": lambda f: pd.read_json(f, lines=True), "parquet": pd.read_parquet}[fmt]
best, rows = float("inf"), 0
for _ in range(repeat):
    t0 = time.perf_counter()
    files = sorted(glob.glob(root + "/**/*." + fmt, recursive=True))
    rows = len(pd.concat([read(f) for f in files], ignore_index=True))
    best = min(best, time.perf_counter() - t0)
print(best * 1000, rows)
"""


def pandas_read(folder, fmt, repeat, python):
    """ms of a pandas loop over the files (read each, concat), best of `repeat`; None without pandas (or, for
    Parquet, without pyarrow)."""
    proc = subprocess.run([python, "-c", PANDAS, folder, fmt, str(repeat)], capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    ms, rows = proc.stdout.split()
    return float(ms), int(rows)


def layout(folder, fmt):
    files = glob.glob(os.path.join(folder, "**", "*." + fmt), recursive=True)
    return len(files), sum(os.path.getsize(f) for f in files)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD)
    ap.add_argument("--years", type=int, default=2)
    ap.add_argument("--end-year", type=int, default=2024)
    ap.add_argument("--stocks", type=int, default=335)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--format", choices=["parquet", "csv", "jsonl"], default="parquet")
    ap.add_argument("--python", default="/usr/bin/python3", help="an interpreter with pandas, for the pandas loop")
    args = ap.parse_args()
    ds, sim_path = benchlib.binaries(args.build)
    start, end = "%d0101" % (args.end_year - args.years + 1), "%d1231" % args.end_year
    sim = benchlib.Simulator(sim_path, args.stocks, threads=8)
    code = sim.stock_codes(1)[0]
    projects = []
    try:
        def project(compact_at):
            p = benchlib.daily_project(
                sim.url, "{kind: %s, path: data/lake, partition_by: trade_date, partition_granularity: year%s}" %
                (args.format, "" if compact_at is None else ", compact_at_parts: %d" % compact_at),
                """    params:
      trade_date: {dates: {start: "%s", end: "%s", weekdays_only: true}}
""" % (start, end))
            projects.append(p)
            benchlib.datasync_apply(ds, p)
            benchlib.datasync_run(ds, p, "backfill")
            return p

        results = []
        per_task = project(0)
        folder = os.path.join(per_task, "data", "lake", "daily")
        results.append(("one file per task (compact_at_parts: 0)",) + layout(folder, args.format) +
                       (duckdb_read(folder, args.repeat, code, args.format),
                        pandas_read(folder, args.format, args.repeat, args.python)))
        m = benchlib.run_measured([ds, "--project", per_task, "compact", "out", "daily"], benchlib.datasync_env(),
                                  "datasync compact")
        results.append(("after `datasync compact` (%.2f s)" % m.wall,) + layout(folder, args.format) +
                       (duckdb_read(folder, args.repeat, code, args.format),
                        pandas_read(folder, args.format, args.repeat, args.python)))
        auto = project(None)
        folder = os.path.join(auto, "data", "lake", "daily")
        results.append(("as a run leaves it (compact_at_parts: 64)",) + layout(folder, args.format) +
                       (duckdb_read(folder, args.repeat, code, args.format),
                        pandas_read(folder, args.format, args.repeat, args.python)))
    finally:
        sim.stop()
        for p in projects:
            shutil.rmtree(p, ignore_errors=True)

    print("%d years of daily by trade_date, %d simulated stocks, %s partitioned by year; DuckDB best of %d" %
          (args.years, args.stocks, args.format, args.repeat))
    print("| layout | files | MiB | DuckDB full scan ms | DuckDB one stock ms | pandas loop ms |")
    print("|---|---|---|---|---|---|")
    for name, files, size, r, pd in results:
        print("| %s | %d | %.1f | %.1f | %.1f | %s |" % (name, files, size / 2**20, r["scan"]["ms"], r["one_stock"]["ms"],
                                                       "%.0f" % pd[0] if pd else "-"))
    first, first_pd = results[0][3], results[0][4]
    for name, _, _, r, pd in results[1:]:
        if r["scan"]["rows"] != first["scan"]["rows"] or r["one_stock"]["rows"] != first["one_stock"]["rows"]:
            sys.exit("MISMATCH: %s read %s, the per-task layout %s" % (name, r, first))
        if pd and first_pd and pd[1] != first_pd[1]:
            sys.exit("MISMATCH: pandas read %d rows from %s, %d from the per-task layout" % (pd[1], name, first_pd[1]))


if __name__ == "__main__":
    main()
