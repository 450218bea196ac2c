"""`datasync reconcile DATASET --storages a,b` end to end: a quarter of daily bars synced from the simulator into
two SQLite storages at once agree partition by partition; then one of them loses a day, loses one code's row,
has one value changed and gains a row the vendor never sent, and reconcile names exactly those days, keys and
fields (with the two values), partition by month, year or day, in text and JSON, with exit status 1. A
storage that cannot read rows back, or the same storage twice, is refused with a clear message."""

import json
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
  mirror: {kind: sqlite, path: data/mirror.db, table_prefix: m_}
  export: {kind: csv, path: data/csv}
plans:
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20231201", end_date: "20240331"}
  bars:
    dataset: daily
    storages: [warehouse, mirror, export]
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
"""


class ReconcileTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=6)
        self.project = self.new_project(self.sim, sim_config(self.sim.url, BODY))
        self.project.ds("run", "cal", "bars")
        self.days = [str(r[0]) for r in self.project.sqlite("SELECT DISTINCT trade_date FROM daily ORDER BY 1")]
        self.assertGreater(len(self.days), 50)

    def mirror(self, sql, params=()):
        con = sqlite3.connect(self.project.path("data", "mirror.db"))
        try:
            cur = con.execute(sql, params)
            rows = cur.fetchall()
            con.commit()
            return cur.rowcount, rows
        finally:
            con.close()

    def reconcile(self, *args, code=None):
        out = self.project.ds("reconcile", "daily", "--storages", "warehouse,mirror", "--json", *args, check=False)
        if code is not None:
            self.assertEqual(out.returncode, code, out.stdout + out.stderr)
        return json.loads(out.stdout)

    def test_equal_storages_agree_then_every_injected_difference_is_named(self):
        r = self.reconcile(code=0)
        total = self.project.sqlite("SELECT count(*) FROM daily")[0][0]
        self.assertTrue(r["same"])
        self.assertEqual((r["left"], r["right"], r["date_key"], r["by"]), ("warehouse", "mirror", "trade_date", "month"))
        self.assertEqual((r["left_rows"], r["right_rows"]), (total, total))
        self.assertEqual([p["partition"] for p in r["partitions"]], ["2024-01", "2024-02", "2024-03"])
        self.assertEqual((r["from"], r["to"]), (self.days[0], self.days[-1]))
        self.assertIn("close", r["fields"])

        # In the mirror: one day gone, one code's row gone on another day, one close changed, one row the vendor
        # never sent.
        gone_day, row_day, value_day, extra_day = self.days[3], self.days[30], self.days[31], self.days[45]
        codes = [c for (c,) in self.project.sqlite("SELECT DISTINCT ts_code FROM daily ORDER BY 1")]
        n_gone = self.mirror("DELETE FROM m_daily WHERE trade_date = ?", (gone_day,))[0]
        self.assertGreater(n_gone, 0)
        self.assertEqual(self.mirror("DELETE FROM m_daily WHERE trade_date = ? AND ts_code = ?",
                                     (row_day, codes[1]))[0], 1)
        close = self.project.sqlite("SELECT close FROM daily WHERE trade_date = ? AND ts_code = ?",
                                    (value_day, codes[2]))[0][0]
        self.assertEqual(self.mirror("UPDATE m_daily SET close = ? WHERE trade_date = ? AND ts_code = ?",
                                     (close + 1.5, value_day, codes[2]))[0], 1)
        self.mirror("INSERT INTO m_daily (ts_code, trade_date, close) VALUES ('999999.SZ', ?, 1.25)", (extra_day,))

        r = self.reconcile(code=1)
        self.assertFalse(r["same"])
        self.assertEqual((r["left_rows"], r["right_rows"]), (total, total - n_gone - 1 + 1))
        differ = {d["day"]: d for p in r["partitions"] for d in p["days"]}
        self.assertEqual(sorted(differ), sorted([gone_day, row_day, value_day, extra_day]))
        self.assertEqual(r["days_differ"], 4)
        by_month = {p["partition"]: p["same"] for p in r["partitions"]}
        self.assertEqual(r["partitions_differ"], sum(1 for v in by_month.values() if not v))
        self.assertFalse(by_month[gone_day[:7]])

        def compact(day):
            return day.replace("-", "")

        def num(x):  # a number as reconcile prints it: no trailing ".0"
            return str(int(x)) if x == int(x) else repr(x)

        d = differ[gone_day]
        self.assertEqual((d["left_rows"], d["right_rows"]), (n_gone, 0))
        self.assertEqual((d["rows"]["only_left"], d["rows"]["only_right"], d["rows"]["changed"]), (n_gone, 0, 0))
        d = differ[row_day]["rows"]
        self.assertEqual((d["only_left"], d["only_right"], d["changed"], d["same"]), (1, 0, 0, len(codes) - 1))
        self.assertEqual(d["examples"][0]["kind"], "only_left")
        self.assertEqual(d["examples"][0]["key"], "ts_code=%s trade_date=%s" % (codes[1], compact(row_day)))
        d = differ[value_day]["rows"]
        self.assertEqual((d["changed"], d["changed_by_field"]), (1, {"close": 1}))
        self.assertEqual(d["examples"], [{"kind": "changed", "key": "ts_code=%s trade_date=%s" % (
            codes[2], compact(value_day)), "field": "close", "left": num(close), "right": num(close + 1.5)}])
        d = differ[extra_day]["rows"]
        self.assertEqual((d["only_right"], d["only_left"]), (1, 0))
        self.assertTrue(d["examples"][0]["row"].startswith("ts_code=999999.SZ trade_date=%s " % compact(extra_day)),
                        d["examples"][0])
        self.assertIn("open=NULL", d["examples"][0]["row"])

        # Only the first --max-days days are compared row by row; the others keep their counts.
        r = self.reconcile("--max-days", "1", code=1)
        detailed = [d for p in r["partitions"] for d in p["days"] if "rows" in d]
        self.assertEqual([d["day"] for d in detailed], [gone_day])
        self.assertEqual(r["days_differ"], 4)

        # By year: one partition; by day: one per stored day; a window that avoids the changes agrees.
        r = self.reconcile("--by", "year", code=1)
        self.assertEqual([(p["partition"], p["same"]) for p in r["partitions"]], [("2024", False)])
        r = self.reconcile("--by", "day", code=1)
        self.assertEqual(len(r["partitions"]), len(self.days))
        self.assertEqual(r["partitions_differ"], 4)
        r = self.reconcile("--from", self.days[4], "--to", self.days[29], code=0)
        self.assertEqual((r["from"], r["to"]), (self.days[4], self.days[29]))
        self.assertEqual(r["partitions_differ"], 0)

        # The text form names the same days and the changed value.
        out = self.project.ds("reconcile", "daily", "--storages", "warehouse,mirror", check=False)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("4 day(s)", out.stdout)
        self.assertIn("%s: %d rows in warehouse, 0 in mirror" % (gone_day, n_gone), out.stdout)
        self.assertIn("ts_code=%s trade_date=%s close: warehouse %s -> mirror %s" % (
            codes[2], compact(value_day), num(close), num(close + 1.5)), out.stdout)

    def test_a_field_one_storage_lacks_is_listed_and_not_compared(self):
        self.mirror("ALTER TABLE m_daily DROP COLUMN amount")
        r = self.reconcile(code=0)
        self.assertEqual(r["only_left_fields"], ["amount"])
        self.assertNotIn("amount", r["fields"])

    def test_storages_that_cannot_be_compared_are_refused_with_the_reason(self):
        out = self.project.ds("reconcile", "daily", "--storages", "warehouse,export", check=False)
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("export", out.stderr)
        self.assertIn("sqlite", out.stderr)
        out = self.project.ds("reconcile", "daily", "--storages", "warehouse,warehouse", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("two different storages", out.stderr)
        out = self.project.ds("reconcile", "daily", "--storages", "warehouse", check=False)
        self.assertEqual(out.returncode, 2)
        self.assertIn("expected two storage names", out.stderr)
        out = self.project.ds("reconcile", "daily", "--storages", "warehouse,nowhere", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("nowhere", out.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
