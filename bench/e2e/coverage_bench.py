#!/usr/bin/env python3
"""Whole-process benchmark of `datasync coverage` (issue 18): N codes x Y years of daily bars (ts_code,
trade_date, close; key (ts_code, trade_date)) with a few bars dropped at random (the same ones for every kind:
one seed), loaded straight into a storage of each --kind, beside an SSE calendar (trade_cal) in a SQLite
warehouse. Prints the load time, then the wall and CPU time and peak RSS of the datasync process for
`coverage daily --storage S` by date and `--by key` (a server's own work shows in the wall time, not in the
CPU), and checks the answers: the open days expected and missing, the keys, the keys with a gap, the (key, day)
pairs reported missing against the bars dropped inside each code's history, and each listed gap's days.

- sqlite: the daily table is written with python's sqlite3 in the warehouse, as the sqlite storage writes it
  (typed columns recorded in _datasync_columns, ISO days, primary key (ts_code, trade_date)), code by code.
- postgres, clickhouse: `datasync migrate` creates the table exactly as the sink would (the full `daily`
  schema; in ClickHouse a ReplacingMergeTree by version, partitioned by month), in the schema / database
  ds_bench_coverage, which is dropped first and at the end. The bars go in day by day, as a backfill by
  trade_date writes them: PostgreSQL by `psql \\copy` (then VACUUM ANALYZE, as autovacuum would), ClickHouse
  by HTTP inserts of TabSeparated, 300,000 rows each (a few monthly partitions per insert), its parts left as
  the inserts made them (merges may follow). By key, the 50 keys listed (--max-keys) cost one more query each.
  The servers are the test ones: DATASYNC_TEST_PG_URL, DATASYNC_TEST_CLICKHOUSE_URL (user:password@host:port/db)
  as `export $(scripts/services/services.sh env pg clickhouse)` prints them after
  `scripts/services/services.sh start pg clickhouse` (packages: scripts/install-deps.sh test bench).

With --reconcile (sqlite) it also copies the warehouse to a second SQLite storage, changes one close and deletes
one bar there, and times `reconcile daily --storages warehouse,mirror` (every row of both read and hashed),
checking it names exactly those two days.

Usage: bench/e2e/coverage_bench.py [--build build/release] [--kind sqlite|postgres|clickhouse|all] [--codes 5000]
                                   [--years 10] [--drop 0.0005] [--reconcile] [--keep]
datasync must be built (scripts/build.sh release datasync). Runs with the system's python3 (stdlib only)."""

import argparse
import datetime
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import benchlib

KINDS = ("sqlite", "postgres", "clickhouse")
NAMESPACE = "ds_bench_coverage"  # the PostgreSQL schema and the ClickHouse database the bench owns
URL_ENV = {"postgres": "DATASYNC_TEST_PG_URL", "clickhouse": "DATASYNC_TEST_CLICKHOUSE_URL"}
PASSWORD_ENV = {"postgres": "BENCH_PG_PASSWORD", "clickhouse": "BENCH_CH_PASSWORD"}
STORAGE = {"sqlite": "warehouse", "postgres": "pg", "clickhouse": "ch"}
ROWS_PER_REQUEST = 300000  # a ClickHouse insert, a write to psql

CONFIG = """version: 1
sources:
  tushare:
    provider: tushare
    token: ${BENCH_TOKEN}
datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  warehouse: {kind: sqlite, path: data/warehouse.db}
  mirror: {kind: sqlite, path: data/mirror.db}
%splans:
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20150101", end_date: "20241231"}
  bars:
    dataset: daily
    storages: [%s]
    params: {trade_date: "20240102"}
"""


class Bars:
    """The synthetic history: every code trades every weekday of the years up to 2024, except for the bars
    dropped at random (one draw per code and day, code by code, from one seed)."""

    def __init__(self, codes, years, drop, seed=7):
        self.calendar, d = [], datetime.date(2025 - years, 1, 1)
        while d <= datetime.date(2024, 12, 31):
            self.calendar.append((d.isoformat(), d.weekday() < 5))
            d += datetime.timedelta(days=1)
        self.days = [day for day, is_open in self.calendar if is_open]
        self.codes = ["%06d.SZ" % i for i in range(codes)]
        rnd = random.Random(seed)
        self.dropped = {}  # code index -> the day indexes dropped
        for i in range(codes):
            gone = {j for j in range(len(self.days)) if rnd.random() < drop}
            if gone:
                self.dropped[i] = gone
        self.rows = codes * len(self.days) - sum(len(g) for g in self.dropped.values())
        # What --by key can see: the days dropped between a code's first and last bar.
        self.gaps = {}
        for i, gone in self.dropped.items():
            kept = [j for j in range(len(self.days)) if j not in gone]
            inside = sorted(j for j in gone if kept and kept[0] < j < kept[-1])
            if inside:
                self.gaps[self.codes[i]] = [self.days[j] for j in inside]
        # What by date can see: the days no code traded, within the first stored day and the calendar's end.
        traded = [codes] * len(self.days)
        for gone in self.dropped.values():
            for j in gone:
                traded[j] -= 1
        held = [j for j, n in enumerate(traded) if n > 0]
        self.expected_days = len(self.days) - held[0] if held else 0
        self.missing_days = self.expected_days - len(held)

    def by_code(self):
        """(ts_code, trade_date) of every bar kept, code by code."""
        for i, code in enumerate(self.codes):
            gone = self.dropped.get(i, ())
            for j, day in enumerate(self.days):
                if j not in gone:
                    yield code, day

    def by_day(self, tail):
        """Text lines "ts_code\\ttrade_date{tail}\\n" of every bar kept, day by day, joined into blocks of
        whole days, ROWS_PER_REQUEST rows or a little more each."""
        lines = []
        for j, day in enumerate(self.days):
            end = "\t" + day + tail + "\n"
            lines.extend(code + end for i, code in enumerate(self.codes) if j not in self.dropped.get(i, ()))
            if len(lines) >= ROWS_PER_REQUEST:
                yield "".join(lines)
                lines = []
        if lines:
            yield "".join(lines)


def build_warehouse(path, bars, with_daily):
    """The SQLite warehouse as the sqlite storage writes it: the calendar, and the bars when with_daily."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE TABLE _datasync_columns (table_name TEXT, column_name TEXT, logical_type TEXT, "
                "PRIMARY KEY (table_name, column_name))")
    con.executemany("INSERT INTO _datasync_columns VALUES (?, ?, ?)",
                    [("trade_cal", "exchange", "string"), ("trade_cal", "cal_date", "date"),
                     ("trade_cal", "is_open", "int32")])
    con.execute("CREATE TABLE trade_cal (exchange TEXT, cal_date TEXT, is_open INTEGER, pretrade_date TEXT, "
                "PRIMARY KEY (exchange, cal_date))")
    con.executemany("INSERT INTO trade_cal VALUES ('SSE', ?, ?, NULL)",
                    ((day, int(is_open)) for day, is_open in bars.calendar))
    if with_daily:
        con.executemany("INSERT INTO _datasync_columns VALUES (?, ?, ?)",
                        [("daily", "ts_code", "string"), ("daily", "trade_date", "date"),
                         ("daily", "close", "float64")])
        con.execute("CREATE TABLE daily (ts_code TEXT, trade_date TEXT, close REAL, PRIMARY KEY (ts_code, trade_date))")
        con.executemany("INSERT INTO daily VALUES (?, ?, 1.0)", bars.by_code())
    con.commit()
    rows = con.execute("SELECT count(*) FROM daily").fetchone()[0] if with_daily else None
    con.close()
    return rows


class Server:
    """A PostgreSQL or ClickHouse server of the tests, from its URL in the environment."""

    def __init__(self, kind):
        self.kind = kind
        self.url = os.environ.get(URL_ENV[kind], "")
        if not self.url:
            sys.exit("%s is not set: start the server with `BASE=/tmp/ds-bench bash scripts/services/services.sh "
                     "start pg clickhouse` and `export $(BASE=/tmp/ds-bench bash scripts/services/services.sh env pg "
                     "clickhouse)`" % URL_ENV[kind])
        self.parts = urllib.parse.urlsplit(self.url)

    def storage_yaml(self):
        """The storage for datasync: the URL without its password, which goes by reference."""
        p = self.parts
        url = "%s://%s@%s:%d" % (p.scheme, p.username, p.hostname, p.port)
        if self.kind == "postgres":
            return "{kind: postgres, url: %s, password: \"${%s}\", schema: %s}" % (
                json.dumps(url + p.path), PASSWORD_ENV["postgres"], NAMESPACE)
        return "{kind: clickhouse, url: %s, password: \"${%s}\"}" % (json.dumps(url + "/" + NAMESPACE),
                                                                    PASSWORD_ENV["clickhouse"])

    def password(self):
        return urllib.parse.unquote(self.parts.password or "")

    def sql(self, statement, data=None):
        """Runs one statement (psql, or ClickHouse over HTTP with `data` as the body after it); returns the
        answer's text."""
        if self.kind == "postgres":
            proc = subprocess.run(["psql", self.url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", statement],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit("psql failed: %s\n%s" % (proc.stderr, statement))
            return proc.stdout
        p = self.parts
        query = urllib.parse.urlencode({"query": statement}) if data is not None else ""
        req = urllib.request.Request("http://%s:%d/?%s" % (p.hostname, p.port, query),
                                     data=(data if data is not None else statement).encode(),
                                     headers={"X-ClickHouse-User": p.username, "X-ClickHouse-Key": self.password()})
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            sys.exit("clickhouse failed: %s\n%s" % (e.read().decode(errors="replace"), statement))

    def table(self):
        return '"%s"."daily"' % NAMESPACE if self.kind == "postgres" else "`%s`.`daily`" % NAMESPACE

    def drop(self):
        self.sql(("DROP SCHEMA IF EXISTS \"%s\" CASCADE" if self.kind == "postgres" else
                  "DROP DATABASE IF EXISTS `%s`") % NAMESPACE)

    def load(self, bars):
        """Bulk-loads the bars into the table `datasync migrate` created; returns the rows the server holds."""
        if self.kind == "postgres":
            # A synchronous commit: VACUUM marks a page all-visible (no heap fetch for an index-only scan) only
            # once the commit of its rows is flushed to the WAL, which the test server's synchronous_commit=off
            # leaves to the WAL writer, and the pages it met before that would stay unmarked until autovacuum.
            proc = subprocess.Popen(["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                                     "SET synchronous_commit = on", "-c",
                                     "\\copy %s (ts_code, trade_date, close) FROM pstdin" % self.table()],
                                    stdin=subprocess.PIPE, text=True)
            for text in bars.by_day("\t1"):
                proc.stdin.write(text)
            proc.stdin.close()
            if proc.wait() != 0:
                sys.exit("psql \\copy into %s failed" % self.table())
            self.sql("VACUUM ANALYZE " + self.table())
            return int(self.sql("SELECT count(*) FROM " + self.table()))
        insert = "INSERT INTO %s (ts_code, trade_date, close, _ds_version) FORMAT TabSeparated" % self.table()
        for text in bars.by_day("\t1\t1"):
            self.sql(insert, text)
        return int(self.sql("SELECT count() FROM %s FINAL" % self.table()))

    def describe(self):
        """What the layout of the loaded table is, in a few words."""
        if self.kind == "postgres":
            size, visible = self.sql("SELECT pg_size_pretty(pg_total_relation_size(c.oid)), "
                                     "100 * relallvisible / greatest(relpages, 1) FROM pg_class c WHERE c.oid = "
                                     "'%s'::regclass" % self.table().replace("'", "''")).strip().split("|")
            return "%s with its primary key index, %s %% of pages all-visible" % (size, visible)
        parts = self.sql("SELECT count(), sum(bytes) FROM system.parts WHERE database = '%s' AND table = 'daily' "
                         "AND active" % NAMESPACE).split()
        return "%s active parts, %.0f MB" % (parts[0], int(parts[1]) / 1e6)


def load(kind, bars, ds, project, env, server):
    """Puts the bars into the storage of `kind` (on `server` unless sqlite) and the calendar into the warehouse;
    returns the rows stored and a note on the layout."""
    warehouse = os.path.join(project, "data", "warehouse.db")
    if kind == "sqlite":
        return build_warehouse(warehouse, bars, True), "%.0f MB" % (os.path.getsize(warehouse) / 1e6)
    build_warehouse(warehouse, bars, False)
    server.drop()
    proc = subprocess.run([ds, "--project", project, "migrate", STORAGE[kind]], env=env, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        sys.exit("datasync migrate %s failed (%d): %s%s" % (STORAGE[kind], proc.returncode, proc.stdout, proc.stderr))
    return server.load(bars), server.describe()


def coverage(ds, project, env, storage, by_key):
    # coverage exits 1 when something is missing, which is an answer here, not a failure.
    extra = ["--by", "key", "--max-keys", "50"] if by_key else []
    cmd = ["sh", "-c", '"$@"; [ $? -le 1 ]', "sh", ds, "--project", project, "coverage", "daily", "--storage",
           storage, "--json"] + extra
    m = benchlib.run_measured(cmd, env, "datasync coverage")
    return m, json.loads(m.stdout)


def check(bars, r, by_key):
    """'exact', or what differs from the bars dropped."""
    wrong = []
    if (r["expected"], r["missing"]) != (bars.expected_days, bars.missing_days):
        wrong.append("by date expected %d missing %d, not %d %d" % (r["expected"], r["missing"], bars.expected_days,
                                                                    bars.missing_days))
    if by_key:
        k = r["by_key"]
        want = (len(bars.codes), len(bars.gaps), sum(len(g) for g in bars.gaps.values()))
        if (k["keys"], k["keys_with_gaps"], k["missing"]) != want:
            wrong.append("by key (keys, with gaps, missing) %r, not %r" % ((k["keys"], k["keys_with_gaps"],
                                                                            k["missing"]), want))
        index = {day: j for j, day in enumerate(bars.days)}
        for g in k["gaps"]:
            days = [bars.days[j] for m in g["missing_ranges"] for j in range(index[m["first"]], index[m["last"]] + 1)]
            if days != bars.gaps.get(g["key"]):
                wrong.append("%s missing %s, dropped %s" % (g["key"], days, bars.gaps.get(g["key"])))
    return "; ".join(wrong) if wrong else "exact"


def reconcile(ds, project, env, rows):
    mirror = os.path.join(project, "data", "mirror.db")
    shutil.copyfile(os.path.join(project, "data", "warehouse.db"), mirror)
    con = sqlite3.connect(mirror)
    changed = con.execute("SELECT ts_code, trade_date FROM daily ORDER BY trade_date DESC, ts_code LIMIT 1").fetchone()
    con.execute("UPDATE daily SET close = 2.5 WHERE ts_code = ? AND trade_date = ?", changed)
    gone = con.execute("SELECT ts_code, trade_date FROM daily ORDER BY trade_date, ts_code LIMIT 1").fetchone()
    con.execute("DELETE FROM daily WHERE ts_code = ? AND trade_date = ?", gone)
    con.commit()
    con.close()
    cmd = ["sh", "-c", '"$@"; [ $? -le 1 ]', "sh", ds, "--project", project, "reconcile", "daily", "--storages",
           "warehouse,mirror", "--json"]
    m = benchlib.run_measured(cmd, env, "datasync reconcile")
    r = json.loads(m.stdout)
    days = sorted(dd["day"] for p in r["partitions"] for dd in p["days"])
    ok = days == sorted([gone[1], changed[1]]) and r["left_rows"] == rows and r["right_rows"] == rows - 1
    print("reconcile             %7.2f s wall %7.2f s cpu %7.1f MB peak  %d + %d rows compared in %d partitions, "
          "%d days differ: %s" % (m.wall, m.cpu, m.rss_mib, r["left_rows"], r["right_rows"], len(r["partitions"]),
                                  r["days_differ"], "exact" if ok else "MISMATCH %r" % days))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=benchlib.DEFAULT_BUILD, help="folder holding src/cli/datasync")
    ap.add_argument("--kind", choices=KINDS + ("all",), default="sqlite", help="where the bars are (default sqlite)")
    ap.add_argument("--codes", type=int, default=5000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--drop", type=float, default=0.0005)
    ap.add_argument("--reconcile", action="store_true", help="sqlite: also time reconcile against a changed copy")
    ap.add_argument("--keep", action="store_true", help="leave the project folder and the server tables behind")
    args = ap.parse_args()
    ds = os.path.join(args.build, "src", "cli", "datasync")
    if not os.access(ds, os.X_OK):
        sys.exit("no %s: run scripts/build.sh release datasync (or give --build)" % ds)
    kinds = KINDS if args.kind == "all" else (args.kind,)
    servers = {k: Server(k) for k in kinds if k != "sqlite"}  # every URL checked before anything is built
    os.environ.update({PASSWORD_ENV[k]: s.password() for k, s in servers.items()})  # for datasync's ${...}
    env = benchlib.datasync_env()
    t0 = time.monotonic()
    bars = Bars(args.codes, args.years, args.drop)
    print("bars: %d codes x %d open days, %d rows, %d dropped, %d of them inside a code's history (%d codes); "
          "drawn in %.0f s" % (args.codes, len(bars.days), bars.rows, sum(len(g) for g in bars.dropped.values()),
                               sum(len(g) for g in bars.gaps.values()), len(bars.gaps), time.monotonic() - t0))
    results = []
    for kind in kinds:
        extra = "".join("  %s: %s\n" % (STORAGE[k], s.storage_yaml()) for k, s in servers.items() if k == kind)
        project = benchlib.datasync_project(CONFIG % (extra, STORAGE[kind]))
        try:
            os.makedirs(os.path.join(project, "data"))
            benchlib.datasync_apply(ds, project)
            t0 = time.monotonic()
            rows, layout = load(kind, bars, ds, project, env, servers.get(kind))
            print("%s: loaded %d rows (%s) in %.0f s%s" % (kind, rows, layout, time.monotonic() - t0,
                                                           "" if rows == bars.rows else ", expected %d: MISMATCH" %
                                                           bars.rows))
            sys.stdout.flush()
            for by_key in (False, True):
                m, r = coverage(ds, project, env, STORAGE[kind], by_key)
                verdict = check(bars, r, by_key)
                results.append((kind, by_key, m, rows, verdict))
                print("%-10s %-7s %7.2f s wall %7.2f s cpu %7.1f MB peak  expected %d open days, missing %d%s: %s"
                      % (kind, "by key" if by_key else "by date", m.wall, m.cpu, m.rss_mib, r["expected"],
                         r["missing"], ", %d (key, day) pairs" % r["by_key"]["missing"] if by_key else "", verdict))
                sys.stdout.flush()
            if args.reconcile and kind == "sqlite":
                reconcile(ds, project, env, rows)
        finally:
            if args.keep:
                print("kept %s%s" % (project, "" if kind == "sqlite" else " and %s on the %s server" %
                                     (NAMESPACE, kind)))
            else:
                shutil.rmtree(project, ignore_errors=True)
                if kind in servers:
                    servers[kind].drop()
    print("\n| storage | coverage | wall s | CPU s | peak RSS MiB | rows | answer |\n|---|---|---|---|---|---|---|")
    for kind, by_key, m, rows, verdict in results:
        print("| %s | %s | %.2f | %.2f | %.0f | %s | %s |" % (kind, "by key" if by_key else "by date", m.wall, m.cpu,
                                                             m.rss_mib, format(rows, ","), verdict))
    if any(verdict != "exact" for *_, verdict in results):
        sys.exit("some answers differ from the bars dropped")


if __name__ == "__main__":
    main()
