"""A parquet storage read back by datasync itself, end to end: a quarter of daily bars synced from the simulator
into SQLite and into two parquet storages at once (one partitioned by day, one flat and then compacted into one
file). `datasync coverage --storage` on parquet answers what it answers on SQLite, by date and by key;
`datasync reconcile` between SQLite and each parquet storage is clean, then names a value the test changes in
SQLite; and after the test deletes the part files of three trading days, coverage on parquet finds exactly
those days missing and reconcile names them. Reading a parquet dataset as of a time is refused."""

import datetime
import glob
import json
import os
import sqlite3
import sys
import unittest

import harness
from harness import E2ETestCase, sim_config

BODY = """datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  warehouse: {kind: sqlite, path: data/warehouse.db}
  lake: {kind: parquet, path: data/lake, partition_by: trade_date, partition_granularity: day, compression: snappy}
  flat: {kind: parquet, path: data/flat, row_group_rows: 4}
plans:
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20231201", end_date: "20240331"}
  bars:
    dataset: daily
    storages: [warehouse, lake, flat]
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
"""


def iso(d):
    return d.isoformat()


def day_of(text):
    text = str(text)
    return datetime.date.fromisoformat(text[:10]) if "-" in text else datetime.datetime.strptime(text, "%Y%m%d").date()


class ParquetReaderTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=6)
        self.project = self.new_project(self.sim, sim_config(self.sim.url, BODY))
        self.project.ds("run", "cal", "bars")
        self.days = [day_of(r[0]) for r in self.project.sqlite("SELECT DISTINCT trade_date FROM daily ORDER BY 1")]
        self.assertGreater(len(self.days), 50)
        self.sample = self.project.sqlite("SELECT trade_date FROM daily LIMIT 1")[0][0]

    def stored_form(self, day):
        return iso(day) if "-" in str(self.sample) else day.strftime("%Y%m%d")

    def json_of(self, *args, codes=(0, 1)):
        out = self.project.ds(*args, "--json", check=False)
        self.assertIn(out.returncode, codes, out.stdout + out.stderr)
        return out.returncode, json.loads(out.stdout)

    def warehouse(self, sql, params=()):
        con = sqlite3.connect(self.project.path("data", "warehouse.db"))
        try:
            n = con.execute(sql, params).rowcount
            con.commit()
            return n
        finally:
            con.close()

    def test_coverage_and_reconcile_read_parquet_like_sqlite(self):
        # Coverage by date and by key: the same answer from each storage.
        answers = {}
        for storage in ("warehouse", "lake", "flat"):
            code, r = self.json_of("coverage", "daily", "--storage", storage, "--by", "key")
            self.assertEqual(r["storage"], storage)
            answers[storage] = (code, r["from"], r["to"], r["expected"], r["present"], r["missing"], r["by_key"])
        self.assertEqual(answers["lake"], answers["warehouse"])
        self.assertEqual(answers["flat"], answers["warehouse"])
        self.assertEqual(answers["lake"][3:6], (len(self.days), len(self.days), 0))
        self.assertEqual(answers["lake"][6]["keys"],
                         self.project.sqlite("SELECT count(DISTINCT ts_code) FROM daily")[0][0])

        # Compacting the flat storage's parts into one file changes nothing a reader sees.
        before = glob.glob(self.project.path("data", "flat", "daily", "part-*.parquet"))
        self.project.ds("compact", "flat", "daily")
        after = glob.glob(self.project.path("data", "flat", "daily", "part-*.parquet"))
        self.assertEqual(len(after), 1, after)
        self.assertGreater(len(before), 50)
        self.assertTrue(os.path.basename(after[0]).startswith("part-compact-"))

        total = self.project.sqlite("SELECT count(*) FROM daily")[0][0]
        for storage in ("lake", "flat"):
            code, r = self.json_of("reconcile", "daily", "--storages", "warehouse," + storage)
            self.assertEqual(code, 0, r)
            self.assertTrue(r["same"])
            self.assertEqual((r["left_rows"], r["right_rows"]), (total, total))
            self.assertEqual(r["only_left_fields"] + r["only_right_fields"], [])
            self.assertIn("close", r["fields"])

        # A value changed in SQLite is named, with both values.
        codes = [c for (c,) in self.project.sqlite("SELECT DISTINCT ts_code FROM daily ORDER BY 1")]
        value_day = self.days[20]
        close = self.project.sqlite("SELECT close FROM daily WHERE trade_date = ? AND ts_code = ?",
                                    (self.stored_form(value_day), codes[2]))[0][0]
        self.assertEqual(self.warehouse("UPDATE daily SET close = ? WHERE trade_date = ? AND ts_code = ?",
                                        (close + 1.5, self.stored_form(value_day), codes[2])), 1)
        for storage in ("lake", "flat"):
            code, r = self.json_of("reconcile", "daily", "--storages", "warehouse," + storage)
            self.assertEqual(code, 1, r)
            differ = [d for p in r["partitions"] for d in p["days"]]
            self.assertEqual([d["day"] for d in differ], [iso(value_day)], r)
            rows = differ[0]["rows"]
            self.assertEqual((rows["changed"], rows["changed_by_field"], rows["only_left"], rows["only_right"]),
                             (1, {"close": 1}, 0, 0))
            ex = rows["examples"][0]
            self.assertEqual((ex["kind"], ex["field"]), ("changed", "close"))
            self.assertEqual(float(ex["left"]), close + 1.5)
            self.assertEqual(float(ex["right"]), close)

        # Three trading days' part files deleted from the day-partitioned storage: coverage finds exactly them.
        friday = max(d for d in self.days if d.weekday() == 4 and d < datetime.date(2024, 3, 1))
        monday = self.days[self.days.index(friday) + 1]
        lone = self.days[-3]
        for d in (friday, monday, lone):
            parts = glob.glob(self.project.path("data", "lake", "daily", "trade_date_day=%s" % iso(d), "part-*.parquet"))
            self.assertEqual(len(parts), 1, parts)
            os.remove(parts[0])
        code, r = self.json_of("coverage", "daily", "--storage", "lake")
        self.assertEqual(code, 1, r)
        self.assertEqual((r["expected"], r["present"], r["missing"]), (len(self.days), len(self.days) - 3, 3))
        self.assertEqual(r["missing_ranges"], [{"first": iso(friday), "last": iso(monday), "days": 2},
                                               {"first": iso(lone), "last": iso(lone), "days": 1}])
        out = self.project.ds("coverage", "daily", "--storage", "lake", check=False)
        self.assertEqual(out.returncode, 1)
        self.assertIn("missing %s .. %s (2 trading days)" % (iso(friday), iso(monday)), out.stdout)

        code, r = self.json_of("reconcile", "daily", "--storages", "warehouse,lake")
        self.assertEqual(code, 1, r)
        differ = {d["day"]: d for p in r["partitions"] for d in p["days"]}
        self.assertEqual(sorted(differ), sorted(iso(d) for d in (friday, monday, lone, value_day)))
        per_day = self.project.sqlite("SELECT count(*) FROM daily WHERE trade_date = ?", (self.stored_form(lone),))[0][0]
        self.assertEqual((differ[iso(lone)]["left_rows"], differ[iso(lone)]["right_rows"]), (per_day, 0))

    def test_what_a_parquet_storage_cannot_answer_is_refused_with_the_reason(self):
        out = self.project.ds("asof", "daily", "2024-05-01", "--storage", "lake", check=False)
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("keeps no history", out.stderr)
        # A dataset no plan has written yet: the plan to run first is named.
        for f in glob.glob(self.project.path("data", "lake", "daily", "_schema.json")):
            os.remove(f)
        out = self.project.ds("coverage", "daily", "--storage", "lake", check=False)
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("run the plan that syncs dataset 'daily' first", out.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
