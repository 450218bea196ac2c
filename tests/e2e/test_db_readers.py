"""Reading a server database storage back, end to end against real PostgreSQL, MariaDB and ClickHouse: the trading
calendar a plan's trading-day parameters come from, coverage by date and by key, repair, and the web app's
data preview all read the storage itself (PgDatasetReader, MySqlDatasetReader, ClickHouseDatasetReader), not a
SQLite copy. Every answer is compared with what the server's own client reads from the same tables."""

import json
import sys
import unittest
import urllib.parse

import dbs
import harness
from harness import sim_config, wait_until
from test_serve import Daemon
from test_web_api import Client

BODY = """datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  db: %s
  local: {kind: sqlite, path: data/warehouse.db}
plans:
  cal:
    dataset: trade_cal
    storages: [db]
    params: {exchange: SSE, start_date: "20231201", end_date: "20240331"}
  bars:
    dataset: daily
    storages: [db, local]
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
"""


class Scenario(dbs.ServerScenario):
    """The same checks on one server kind (a PostgreSQL schema, a MariaDB database)."""

    def __init__(self, test, kind):
        super().__init__(test, kind, "e2e_read", BODY)

    def day(self, column):
        return {"postgres": "to_char(%s, 'YYYY-MM-DD')", "mysql": "DATE_FORMAT(%s, '%%Y-%%m-%%d')",
                "clickhouse": "toString(%s)"}[self.kind] % column

    def rows(self, sql):
        return self.db.query(sql)

    def delete(self, where):
        if self.kind != "clickhouse":
            self.db.sql("DELETE FROM %s WHERE %s" % (self.table("daily"), where))
            return
        # A mutation, applied in the background: wait until the rows are gone.
        self.db.ch("ALTER TABLE %s DELETE WHERE %s" % (self.table("daily"), where))
        wait_until(lambda: self.column("SELECT count() FROM %s WHERE %s" % (self.table("daily", True), where))
                   == ["0"], "the ClickHouse mutation to delete the rows", timeout=60, interval=0.2)

    def update(self, assignment, where):
        if self.kind != "clickhouse":
            self.db.sql("UPDATE %s SET %s WHERE %s" % (self.table("daily"), assignment, where))
            return
        self.db.ch("ALTER TABLE %s UPDATE %s WHERE %s" % (self.table("daily"), assignment, where))
        wait_until(lambda: self.column("SELECT count() FROM system.mutations WHERE database = '%s' AND table = 'daily' "
                                       "AND NOT is_done" % self.ns) == ["0"],
                   "the ClickHouse mutation to update the row", timeout=60, interval=0.2)

    def reconcile(self, code):
        out = self.project.ds("reconcile", "daily", "--storages", "local,db", "--json", check=False)
        self.t.assertEqual(out.returncode, code, out.stdout + out.stderr)
        return json.loads(out.stdout)

    def column(self, sql):
        return [r[0] for r in self.rows(sql)]

    def calls(self):
        return self.sim.admin("stats")["by_token"][harness.TOKEN]["daily"]["accepted"]

    def run(self):
        t, project = self.t, self.project
        project.ds("run", "cal", "bars")
        daily, cal = self.table("daily", True), self.table("trade_cal", True)
        # The trading days of `bars` came from the calendar stored in the server.
        open_days = self.column("SELECT %s FROM %s WHERE exchange = 'SSE' AND is_open = 1 AND cal_date BETWEEN "
                                "'2024-01-02' AND '2024-03-29' ORDER BY 1" % (self.day("cal_date"), cal))
        stored = self.column("SELECT DISTINCT %s FROM %s ORDER BY 1" % (self.day("trade_date"), daily))
        t.assertGreater(len(open_days), 50)
        t.assertEqual(stored, open_days)
        run = project.ds_json("runs", "--plan", "bars")[0]
        t.assertEqual(run["tasks_total"], len(open_days))

        # Coverage reads the days from the server (one DISTINCT), complete at first.
        out = project.ds("coverage", "daily", "--json", check=False)
        cov = json.loads(out.stdout)
        t.assertEqual((out.returncode, cov["storage"], cov["missing"], cov["present"]), (0, "db", 0, len(open_days)),
                      cov)

        # The SQLite copy and the server hold the same rows: dates, floats and texts read back from both
        # agree value by value.
        rec = self.reconcile(0)
        total = project.sqlite("SELECT count(*) FROM daily")[0][0]
        t.assertEqual((rec["left_rows"], rec["right_rows"], rec["partitions_differ"]), (total, total, 0), rec)
        t.assertIn("amount", rec["fields"])

        # Two days deleted in the server, and one code's day: coverage by date and by key see them.
        lost = [open_days[10], open_days[11]]
        code = self.column("SELECT min(ts_code) FROM %s" % daily)[0]
        self.delete("trade_date IN ('%s', '%s')" % (lost[0], lost[1]))
        self.delete("ts_code = '%s' AND trade_date = '%s'" % (code, open_days[30]))
        # And one value changed: reconcile names the three days, the row, and the field with both values.
        self.update("close = close + 1", "ts_code = '%s' AND trade_date = '%s'" % (code, open_days[40]))
        close = project.sqlite("SELECT close FROM daily WHERE ts_code = ? AND trade_date = ?",
                               (code, open_days[40]))[0][0]
        rec = self.reconcile(1)
        differ = {d["day"]: d for p in rec["partitions"] for d in p["days"]}
        t.assertEqual(sorted(differ), [lost[0], lost[1], open_days[30], open_days[40]], rec)
        t.assertEqual(differ[open_days[30]]["rows"]["only_left"], 1)
        t.assertEqual(differ[lost[0]]["right_rows"], 0)
        changed = differ[open_days[40]]["rows"]
        t.assertEqual((changed["changed"], changed["changed_by_field"]), (1, {"close": 1}), changed)
        t.assertEqual(float(changed["examples"][0]["left"]), close)
        t.assertAlmostEqual(float(changed["examples"][0]["right"]), close + 1, places=6)
        out = project.ds("coverage", "daily", "--json", check=False)
        cov = json.loads(out.stdout)
        t.assertEqual(out.returncode, 1)
        t.assertEqual(cov["missing_ranges"], [{"first": lost[0], "last": lost[1], "days": 2}])
        out = project.ds("coverage", "daily", "--by", "key", "--json", check=False)
        by_key = json.loads(out.stdout)["by_key"]
        mine = [g for g in by_key["gaps"] if g["key"] == code]
        t.assertEqual(len(mine), 1, by_key)
        t.assertIn({"first": open_days[30], "last": open_days[30], "days": 1}, mine[0]["missing_ranges"])

        # Repair fetches the two days again, and only them.
        calls = self.calls()
        rep = json.loads(project.ds("repair", "bars", "--json").stdout)
        t.assertEqual((rep["storage"], rep["selected"]), ("db", 2))
        t.assertEqual(self.calls(), calls + 2)
        t.assertEqual(self.column("SELECT count(DISTINCT trade_date) FROM %s WHERE trade_date IN ('%s', '%s')"
                                  % (daily, lost[0], lost[1])), ["2"])

        # The web app's preview: the newest rows of one code, typed, from the server.
        web = Daemon(t, project, name="web")
        token = json.loads(project.ds("token", "create", "vera", "--role", "viewer", "--json").stdout)["token"]
        client = Client(web.url, token)
        status, doc = client.json("GET", "/api/v1/datasets/daily/rows?storage=db&limit=5&key=" +
                                  urllib.parse.quote(code))
        t.assertEqual(status, 200, doc)
        expected = self.rows("SELECT %s, close FROM %s WHERE ts_code = '%s' ORDER BY trade_date DESC LIMIT 5"
                             % (self.day("trade_date"), daily, code))
        idx = {c["name"]: i for i, c in enumerate(doc["columns"])}
        t.assertEqual([r[idx["trade_date"]] for r in doc["rows"]], [e[0] for e in expected])
        t.assertEqual([float(r[idx["close"]]) for r in doc["rows"]], [float(e[1]) for e in expected])
        t.assertTrue(all(r[idx["ts_code"]] == code for r in doc["rows"]))
        status, doc = client.json("GET", "/api/v1/datasets/daily/rows?storage=nowhere")
        t.assertGreaterEqual(status, 400)
        web.stop()

        # A server that refuses the connection: the reader says which storage and what failed.
        hostport = "%s:%s" % (self.db.parts["host"], self.db.parts["port"])
        project.write_config(sim_config(self.sim.url, BODY % self.db.storage_yaml(self.ns).replace(
            hostport, "127.0.0.1:9")))
        project.ds("apply")
        out = project.ds("coverage", "daily", check=False)
        t.assertNotEqual(out.returncode, 0)
        t.assertIn("in storage db: ", out.stderr)
        t.assertIn("127.0.0.1:9", out.stderr)
        t.assertNotIn(":%s@" % self.db.parts["password"], out.stderr)


class PostgresReaderTest(unittest.TestCase):
    def test_calendar_coverage_repair_and_preview_read_the_postgres_tables(self):
        Scenario(self, "postgres").run()


class MysqlReaderTest(unittest.TestCase):
    def test_calendar_coverage_repair_and_preview_read_the_mariadb_tables(self):
        Scenario(self, "mysql").run()


class ClickhouseReaderTest(unittest.TestCase):
    def test_calendar_coverage_repair_and_preview_read_the_clickhouse_tables(self):
        Scenario(self, "clickhouse").run()


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
