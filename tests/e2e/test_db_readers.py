"""Reading a PostgreSQL storage back, end to end against a real server: the trading calendar a plan's
trading-day parameters come from, coverage by date and by key, repair, and the web app's data preview all
read the postgres storage itself (PgDatasetReader), not a SQLite copy. Every answer is compared with what
psql reads from the same tables."""

import datetime
import json
import os
import sys
import unittest
import urllib.parse

import dbs
import harness
from harness import Project, Sim, sim_config
from test_serve import Daemon
from test_web_api import Client

BODY = """datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  pg: %s
plans:
  cal:
    dataset: trade_cal
    storages: [pg]
    params: {exchange: SSE, start_date: "20231201", end_date: "20240331"}
  bars:
    dataset: daily
    storages: [pg]
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
"""


class PostgresReaderTest(unittest.TestCase):
    def setUp(self):
        self.ns = "e2e_read_%d" % os.getpid()
        self.pg = dbs.Server("postgres")
        self.pg.drop_namespace(self.ns)
        self.addCleanup(self.pg.drop_namespace, self.ns)
        self.sim = Sim(stocks=6)
        self.addCleanup(self.sim.stop)
        self.project = Project(self.sim)
        self.addCleanup(self.project.cleanup)
        self.project.write_config(sim_config(self.sim.url, BODY % self.pg.storage_yaml(self.ns)))

    def psql(self, sql):
        return self.pg.sql(sql.replace("T.", dbs.pg_ident(self.ns) + "."))

    def test_calendar_coverage_repair_and_preview_read_the_postgres_tables(self):
        self.project.ds("run", "cal", "bars")
        # The trading days of `bars` came from the calendar stored in PostgreSQL.
        open_days = self.psql("SELECT to_char(cal_date, 'YYYY-MM-DD') FROM T.trade_cal WHERE exchange = 'SSE' "
                              "AND is_open = 1 AND cal_date BETWEEN '2024-01-02' AND '2024-03-29' ORDER BY 1")
        stored = self.psql("SELECT DISTINCT to_char(trade_date, 'YYYY-MM-DD') FROM T.daily ORDER BY 1")
        self.assertGreater(len(open_days), 50)
        self.assertEqual(stored, open_days)
        run = self.project.ds_json("runs", "--plan", "bars")[0]
        self.assertEqual(run["tasks_total"], len(open_days))

        # Coverage reads the days from PostgreSQL (one DISTINCT), complete at first.
        out = self.project.ds("coverage", "daily", "--json", check=False)
        cov = json.loads(out.stdout)
        self.assertEqual((out.returncode, cov["storage"], cov["missing"], cov["present"]),
                         (0, "pg", 0, len(open_days)), cov)

        # Two days deleted in the server, and one code's day: coverage by date and by key see them.
        lost = [open_days[10], open_days[11]]
        code = self.psql("SELECT min(ts_code) FROM T.daily")[0]
        self.psql("DELETE FROM T.daily WHERE trade_date IN ('%s', '%s')" % tuple(lost))
        self.psql("DELETE FROM T.daily WHERE ts_code = '%s' AND trade_date = '%s'" % (code, open_days[30]))
        out = self.project.ds("coverage", "daily", "--json", check=False)
        cov = json.loads(out.stdout)
        self.assertEqual(out.returncode, 1)
        self.assertEqual(cov["missing_ranges"], [{"first": lost[0], "last": lost[1], "days": 2}])
        out = self.project.ds("coverage", "daily", "--by", "key", "--json", check=False)
        by_key = json.loads(out.stdout)["by_key"]
        mine = [g for g in by_key["gaps"] if g["key"] == code]
        self.assertEqual(len(mine), 1, by_key)
        self.assertIn({"first": open_days[30], "last": open_days[30], "days": 1}, mine[0]["missing_ranges"])

        # Repair fetches the two days again, and only them.
        calls = self.sim.admin("stats")["by_token"][harness.TOKEN]["daily"]["accepted"]
        rep = json.loads(self.project.ds("repair", "bars", "--json").stdout)
        self.assertEqual((rep["storage"], rep["selected"]), ("pg", 2))
        self.assertEqual(self.sim.admin("stats")["by_token"][harness.TOKEN]["daily"]["accepted"], calls + 2)
        self.assertEqual(self.psql("SELECT count(DISTINCT trade_date) FROM T.daily WHERE trade_date IN "
                                   "('%s', '%s')" % tuple(lost)), ["2"])

        # The web app's preview: the newest rows of one code, typed, from the server.
        web = Daemon(self, self.project, name="web")
        token = json.loads(self.project.ds("token", "create", "vera", "--role", "viewer", "--json").stdout)["token"]
        client = Client(web.url, token)
        status, doc = client.json("GET", "/api/v1/datasets/daily/rows?storage=pg&limit=5&key=" +
                                  urllib.parse.quote(code))
        self.assertEqual(status, 200, doc)
        expected = self.psql("SELECT to_char(trade_date, 'YYYY-MM-DD') || '|' || close FROM T.daily WHERE ts_code = "
                             "'%s' ORDER BY trade_date DESC LIMIT 5" % code)
        idx = {c["name"]: i for i, c in enumerate(doc["columns"])}
        got = ["%s|%s" % (r[idx["trade_date"]], r[idx["close"]]) for r in doc["rows"]]
        self.assertEqual([g.split("|")[0] for g in got], [e.split("|")[0] for e in expected])
        self.assertEqual([float(g.split("|")[1]) for g in got], [float(e.split("|")[1]) for e in expected])
        self.assertTrue(all(r[idx["ts_code"]] == code for r in doc["rows"]))
        # A column the table lacks, or a storage that is not there, is a clear 4xx.
        status, doc = client.json("GET", "/api/v1/datasets/daily/rows?storage=nowhere")
        self.assertGreaterEqual(status, 400)
        web.stop()

        # A server that refuses the connection: the reader says which storage and what failed.
        broken = sim_config(self.sim.url, BODY % dbs.Server("postgres").storage_yaml(self.ns).replace(
            self.pg.parts["host"] + ":" + str(self.pg.parts["port"]), "127.0.0.1:9"))
        self.project.write_config(broken)
        self.project.ds("apply")
        out = self.project.ds("coverage", "daily", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("in storage pg: cannot connect", out.stderr)
        self.assertIn("127.0.0.1:9", out.stderr)
        self.assertNotIn(":%s@" % self.pg.parts["password"], out.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
