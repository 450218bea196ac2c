#!/usr/bin/env python3
"""The storages at the process level (issue 19's sink benchmark): `datasync run` of --tasks calls of `daily` by
`trade_date` (one task per weekday, ending 2024-12-31) against the project's simulator with 50, 300 and 5,000
stocks (--rows: about that many rows per task), into each storage. For each it prints rows/s (wall), CPU per
row and per task without the process's start-up (a run of one task subtracted), and the fsyncs per 1,000 tasks: fsync and fdatasync calls of the datasync process (its storages and its
system database), counted by strace in a second, identical run (strace slows a process, so the first run
gives the times). For PostgreSQL the server's WAL syncs (pg_stat_wal.wal_sync) are added: its commits are
synced there, not in datasync.

Usage: bench/e2e/sink_process_bench.py [--build build/release] [--tasks 400] [--rows 50,300,5000]
           [--storages sqlite,csv,jsonl,parquet,postgres]
Build first: bash scripts/build.sh release datasync vendor_sim. `postgres` needs --pg-url (or
DATASYNC_TEST_PG_URL), e.g. a server from `BASE=/tmp/ds-bench-pg bash scripts/services/services.sh start pg`
and `... env pg`, used by nothing else while this runs."""

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile

import benchlib
import peer_bench

STORAGES = dict(peer_bench.STORAGES, jsonl="{kind: jsonl, path: data/jsonl}")


def weekdays(n, end=datetime.date(2024, 12, 31)):
    out, d = [], end
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d.strftime("%Y%m%d"))
        d -= datetime.timedelta(days=1)
    return sorted(out)


def strace_syncs(path):
    """fsync + fdatasync calls from an `strace -c` summary."""
    calls = 0
    with open(path) as f:
        for line in f:
            fields = line.split()
            if fields and fields[-1] in ("fsync", "fdatasync") and len(fields) >= 5:
                calls += int(fields[3])
    return calls


def pg_wal_syncs(url):
    return int(peer_bench.psql(url, "SELECT wal_sync FROM pg_stat_wal"))


def run(ds, sim, storage, days, args, traced):
    schema = "sinkproc_%d" % os.getpid()
    storage_yaml = STORAGES[storage] % schema if storage == "postgres" else STORAGES[storage]
    project = benchlib.daily_project(sim.url, storage_yaml, """    params:
      trade_date: [%s]
""" % ", ".join('"%s"' % d for d in days))
    if args.pg_url:
        os.environ["BENCH_PG_URL"] = args.pg_url
    trace = tempfile.NamedTemporaryFile(prefix="ds-bench-strace-", delete=False).name
    try:
        benchlib.datasync_apply(ds, project)
        cmd = [ds, "--project", project, "run", "backfill", "--json"]
        if traced:
            cmd = ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", trace] + cmd
        wal_before = pg_wal_syncs(args.pg_url) if storage == "postgres" else 0
        m = benchlib.run_measured(cmd, benchlib.datasync_env(), "datasync run")
        wal = pg_wal_syncs(args.pg_url) - wal_before if storage == "postgres" else 0
        report = json.loads(m.stdout)[0]["report"]
        if report["status"] != "succeeded" or report["tasks"]["done"] != len(days):
            sys.exit("the run did not do its %d tasks: %s" % (len(days), report["tasks"]))
        return m, report["rows"], (strace_syncs(trace) if traced else 0), wal
    finally:
        os.unlink(trace)
        if storage == "postgres":
            peer_bench.psql(args.pg_url, 'DROP SCHEMA IF EXISTS "%s" CASCADE' % schema)
        shutil.rmtree(project, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD)
    ap.add_argument("--tasks", type=int, default=400)
    ap.add_argument("--rows", default="50,300,5000")
    ap.add_argument("--storages", default="sqlite,csv,jsonl,parquet")
    ap.add_argument("--pg-url", default=os.environ.get("DATASYNC_TEST_PG_URL"))
    args = ap.parse_args()
    ds, sim_path = benchlib.binaries(args.build)
    if not shutil.which("strace"):
        sys.exit("strace is missing: bash scripts/install-deps.sh bench")
    storages = args.storages.split(",")
    for name in storages:
        if name not in STORAGES:
            sys.exit("unknown storage '%s' (allowed: %s)" % (name, ", ".join(STORAGES)))
    if "postgres" in storages and not args.pg_url:
        sys.exit("--storages postgres needs --pg-url (or DATASYNC_TEST_PG_URL)")
    days = weekdays(args.tasks)
    print("%d tasks of daily by trade_date (%s..%s) per run; datasync %s" % (len(days), days[0], days[-1], ds))
    print("| storage | stocks | rows/task | rows/s | CPU us/row | CPU us/task | fsyncs per 1,000 tasks |")
    print("|---|---|---|---|---|---|---|")
    for stocks in (int(r) for r in args.rows.split(",")):
        sim = benchlib.Simulator(sim_path, stocks)
        try:
            for storage in storages:
                m, rows, _, _ = run(ds, sim, storage, days, args, traced=False)
                one, one_rows, _, _ = run(ds, sim, storage, days[-1:], args, traced=False)
                _, _, syncs, wal = run(ds, sim, storage, days, args, traced=True)
                # Without the process's start-up: the run of one task subtracted, as task_overhead_bench does.
                task_cpu = (m.cpu - one.cpu) / (len(days) - 1)
                row_cpu = (m.cpu - one.cpu) / max(rows - one_rows, 1)
                syncs_text = "%.0f" % (syncs * 1000 / len(days))
                if storage == "postgres":
                    syncs_text += " + %.0f in the server" % (wal * 1000 / len(days))
                print("| %s | %d | %.0f | %s | %.2f | %.0f | %s |" % (
                    storage, stocks, rows / len(days), format(int(rows / m.wall), ","), row_cpu * 1e6,
                    task_cpu * 1e6, syncs_text))
                sys.stdout.flush()
        finally:
            sim.stop()


if __name__ == "__main__":
    main()
