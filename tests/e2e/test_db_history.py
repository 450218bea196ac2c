"""Point-in-time history (`history: true`, `datasync asof`) against real PostgreSQL, MariaDB and ClickHouse: the
versioned table (created by `datasync migrate` before the first run), its _latest view and `asof` before and
after the simulator revises values and drops a row, checked with the server's own client; a plain SQLite copy
of the same answers reconciles clean with the current rows. (ClickHouse 18.16 keeps version times in whole
seconds, so its runs are a second apart.)"""

import csv
import io
import json
import sys
import time
import unittest

import dbs
import harness

BODY = """datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  db: %s
  local: {kind: sqlite, path: data/warehouse.db}
plans:
  cal:
    dataset: trade_cal
    storages: [local]
    params: {exchange: SSE, start_date: "20231201", end_date: "20240331"}
  bars:
    dataset: daily
    storages: [db]
    history: true
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
  bars_plain:
    dataset: daily
    storages: [local]
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
"""


def compact(day):
    return day.replace("-", "")


class Scenario(dbs.ServerScenario):
    def __init__(self, test, kind):
        super().__init__(test, kind, "e2e_hist", BODY)

    def rows(self, sql):
        return self.db.query(sql)

    def one(self, sql):
        return self.rows(sql)[0][0]

    def stamp(self, expr):
        if self.kind == "clickhouse":
            return "toString(%s)" % expr
        if self.kind == "postgres":
            return "to_char(%s, 'YYYY-MM-DD HH24:MI:SS.US')" % expr
        return "DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:%%i:%%s.%%f')" % expr

    def asof(self, time):
        out = self.project.ds("asof", "daily", time, "--storage", "db")
        rows = list(csv.reader(io.StringIO(out.stdout)))
        return sorted(rows[1:])

    def versions(self):
        r = self.rows("SELECT count(*), count(_valid_to) FROM %s" % self.table("daily", True))[0]
        return int(r[0]), int(r[1])

    def sync(self, *plans):
        if self.kind == "clickhouse":
            time.sleep(1.1)  # a new second, so that a new version's start differs from the old one's
        self.project.ds("run", *plans)

    def run(self):
        t = self.t
        # `datasync migrate` before the first run creates the table versioned, as the run would.
        self.project.ds("migrate", "db")
        t.assertEqual(self.versions(), (0, 0))
        t.assertEqual(int(self.one("SELECT count(*) FROM %s" % self.table("daily_latest"))), 0)
        self.sync("cal", "bars")
        first = self.asof("2100-01-01")
        t.assertGreater(len(first), 200)
        t.assertEqual(self.versions(), (len(first), 0))
        t.assertEqual(int(self.one("SELECT count(*) FROM %s" % self.table("daily_latest"))), len(first))
        # An unchanged vendor adds no version.
        self.sync("bars")
        t.assertEqual(self.versions(), (len(first), 0))
        t1 = self.one("SELECT %s FROM %s" % (self.stamp("max(_valid_from)"), self.table("daily", True)))

        days = sorted({r[1] for r in first})
        codes = sorted({r[0] for r in first})
        revised, hole = days[10:12], days[20]
        self.sim.admin("config", {
            "revisions": [{"api": "daily", "start_date": compact(revised[0]), "end_date": compact(revised[1]),
                           "codes": [codes[2]], "fields": ["close", "vol"], "scale": 1.1}],
            "holes": [{"api": "daily", "start_date": compact(hole), "end_date": compact(hole), "codes": [codes[0]]}]})
        self.sync("bars")
        t.assertEqual(self.versions(), (len(first) + 2, 3))
        t2 = self.one("SELECT %s FROM %s" % (self.stamp("max(_valid_from)"), self.table("daily", True)))
        t.assertGreater(t2, t1)
        day = {"postgres": "to_char(trade_date, 'YYYY-MM-DD')", "mysql": "DATE_FORMAT(trade_date, '%Y-%m-%d')",
               "clickhouse": "toString(trade_date)"}[self.kind]
        closed = self.rows("SELECT ts_code, %s, %s FROM %s WHERE _valid_to IS NOT NULL ORDER BY 1, 2" % (
            day, self.stamp("_valid_to"), self.table("daily", True)))
        t.assertEqual(sorted((c, d) for c, d, _ in closed),
                      sorted([(codes[2], revised[0]), (codes[2], revised[1]), (codes[0], hole)]))
        # A revised row's old version ends where its new one starts, after the first run.
        started = dict(((c, d), s) for c, d, s in self.rows(
            "SELECT ts_code, %s, %s FROM %s WHERE _valid_to IS NULL" % (day, self.stamp("_valid_from"),
                                                                        self.table("daily", True))))
        for c, d, ended in closed:
            t.assertGreater(ended, t1)
            if (c, d) != (codes[0], hole):
                t.assertEqual(started[(c, d)], ended)

        # asof: the first answer before the revision, the second after it.
        t.assertEqual(self.asof(t1), first)
        now = self.asof(t2)
        t.assertEqual(len(now), len(first) - 1)
        changed = [r for r in now if r not in first]
        t.assertEqual(sorted((r[0], r[1]) for r in changed), [(codes[2], revised[0]), (codes[2], revised[1])])
        t.assertEqual(int(self.one("SELECT count(*) FROM %s" % self.table("daily_latest"))), len(now))
        # Every reader sees the current rows: a plain SQLite copy of the same answers reconciles clean.
        self.sync("bars_plain")
        out = self.project.ds("reconcile", "daily", "--storages", "db,local", "--json", check=False)
        t.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        t.assertEqual(json.loads(out.stdout)["left_rows"], len(now))


class PostgresHistoryTest(unittest.TestCase):
    def test_versions_latest_view_and_asof_on_postgres(self):
        Scenario(self, "postgres").run()


class MysqlHistoryTest(unittest.TestCase):
    def test_versions_latest_view_and_asof_on_mariadb(self):
        Scenario(self, "mysql").run()


class ClickhouseHistoryTest(unittest.TestCase):
    def test_versions_latest_view_and_asof_on_clickhouse(self):
        Scenario(self, "clickhouse").run()


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
