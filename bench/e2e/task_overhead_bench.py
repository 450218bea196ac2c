#!/usr/bin/env python3
"""Per-task overhead of the whole process (issue 19, item 6): CPU per task for tasks whose call returns no
rows, end to end (HTTP, decode, conform, the storages' commits, the system database's task bookkeeping,
thread hand-offs), so that nothing but the engine's own cost per task is measured.

`daily` by `trade_date` over weekend days only (the simulator answers those with no rows), done twice by
`datasync run`: once with --tasks tasks and once with one task; the difference divided by (tasks - 1) is the
cost of a task without the process's start-up, catalog and plan set-up. Printed per storage and concurrency:
wall, CPU (user + sys), CPU per task, and the system database's size. The bar (issue 19): under 100 us.

--compare OTHER_BUILD runs both builds --rounds times (default 4), alternating round by round, and prints each
one's median and best CPU per task: on a shared VM whose speed drifts by more than the difference between
two builds, only interleaved rounds compare them (for example a worktree's build of an earlier commit).

Usage: bench/e2e/task_overhead_bench.py [--build build/release] [--tasks 2000] [--storages sqlite,csv]
           [--concurrency default,1] [--compare OTHER_BUILD [--rounds 4]]
Build first: bash scripts/build.sh release datasync vendor_sim."""

import argparse
import datetime
import os
import shutil
import statistics
import sys

import benchlib

STORAGES = {
    "sqlite": "{kind: sqlite, path: data/warehouse.db}",
    "csv": "{kind: csv, path: data/csv}",
    "parquet": "{kind: parquet, path: data/parquet}",
}


def weekend_days(n, end=datetime.date(2024, 12, 29)):
    out, d = [], end
    while len(out) < n:
        if d.weekday() >= 5:
            out.append(d.strftime("%Y%m%d"))
        d -= datetime.timedelta(days=1)
    return sorted(out)


def run(ds, sim, storage, concurrency, days):
    project = benchlib.daily_project(sim.url, STORAGES[storage], """%s    params:
      trade_date: [%s]
""" % ("" if concurrency == "default" else "    concurrency: %s\n" % concurrency, ", ".join('"%s"' % d for d in days)))
    try:
        benchlib.datasync_apply(ds, project)
        m, report = benchlib.datasync_run(ds, project, "backfill")
        if report["tasks"]["done"] != len(days) or report["rows"] != 0:
            sys.exit("expected %d tasks done with no rows, the report says %s" % (len(days), report["tasks"]))
        sysdb = os.path.getsize(os.path.join(project, ".datasync", "datasync.db"))
        return m, sysdb
    finally:
        shutil.rmtree(project, ignore_errors=True)


def per_task(ds, sim, storage, c, days):
    """(Measured of the whole run, CPU s per task, wall s per task) beyond a one-task run."""
    one, _ = run(ds, sim, storage, c, days[:1])
    m, _ = run(ds, sim, storage, c, days)
    return m, one, (m.cpu - one.cpu) / (len(days) - 1), (m.wall - one.wall) / (len(days) - 1)


def compare(args, days, sim):
    builds = [args.build, args.compare]
    binaries = [benchlib.binaries(b)[0] for b in builds]
    cpu = {}  # (build index, storage, concurrency) -> CPU us per task of each round
    for r in range(args.rounds):
        for i, ds in enumerate(binaries):
            for storage in args.storages.split(","):
                for c in args.concurrency.split(","):
                    _, _, per, _ = per_task(ds, sim, storage, c, days)
                    cpu.setdefault((i, storage, c), []).append(per * 1e6)
        print("round %d of %d done" % (r + 1, args.rounds), file=sys.stderr)
    print("| storage | concurrency | %s: median / best CPU us/task | %s: median / best CPU us/task |" % tuple(builds))
    print("|---|---|---|---|")
    for storage in args.storages.split(","):
        for c in args.concurrency.split(","):
            cells = ["%.1f / %.1f" % (statistics.median(cpu[(i, storage, c)]), min(cpu[(i, storage, c)]))
                     for i in range(2)]
            print("| %s | %s | %s | %s |" % (storage, c, cells[0], cells[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD)
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--storages", default="sqlite,csv")
    ap.add_argument("--concurrency", default="default,1")
    ap.add_argument("--compare", help="a second build folder, run in alternating rounds with --build")
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    ds, sim_path = benchlib.binaries(args.build)
    days = weekend_days(args.tasks)
    sim = benchlib.Simulator(sim_path, 50, threads=16)
    try:
        if args.compare:
            print("%d tasks with no rows, %d alternating rounds of each build" % (len(days), args.rounds))
            compare(args, days, sim)
            return
        print("%d tasks with no rows (daily on weekend days) against the simulator; datasync %s" % (len(days), ds))
        print("| storage | concurrency | wall s | CPU s (user+sys) | CPU of 1 task run s | CPU us/task | "
              "wall us/task |")
        print("|---|---|---|---|---|---|---|")
        for storage in args.storages.split(","):
            for c in args.concurrency.split(","):
                m, one, per, wall = per_task(ds, sim, storage, c, days)
                print("| %s | %s | %.2f | %.2f (%.2f+%.2f) | %.3f | %.1f | %.1f |" % (
                    storage, c, m.wall, m.cpu, m.user, m.sys, one.cpu, per * 1e6, wall * 1e6))
                sys.stdout.flush()
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
