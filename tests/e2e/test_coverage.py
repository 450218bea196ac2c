"""`datasync coverage` end to end: a quarter of daily bars synced from the simulator into SQLite by trading
day, with the trading calendar synced beside it; days deleted from the table show as missing ranges of
trading days (weekends and holidays between are not counted), a row stored on a closed day is listed, the
per-year counts and the exit status follow, all compared with the calendar the simulator served."""

import datetime
import json
import sqlite3
import sys
import unittest

import harness
from harness import E2ETestCase, sim_config

BODY = """datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
  stock_basic: {source: tushare}
storages:
  warehouse: {kind: sqlite, path: data/warehouse.db}
plans:
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20231201", end_date: "20240331"}
  bars:
    dataset: daily
    storages: [warehouse]
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
"""


def iso(d):
    return d.isoformat()


class CoverageTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=6)
        self.project = self.new_project(self.sim, sim_config(self.sim.url, BODY))
        self.project.ds("run", "cal", "bars")
        # The open days the simulator's calendar says, as the warehouse stored them.
        self.open_days = [self.day(r[0]) for r in self.project.sqlite(
                              "SELECT cal_date FROM trade_cal WHERE exchange = 'SSE' AND is_open = 1 ORDER BY cal_date")]
        self.held_last = self.day(self.project.sqlite("SELECT max(cal_date) FROM trade_cal")[0][0])
        self.quarter = [d for d in self.open_days if datetime.date(2024, 1, 2) <= d <= datetime.date(2024, 3, 29)]
        self.assertGreater(len(self.quarter), 50)

    @staticmethod
    def day(text):
        text = str(text)
        return datetime.date.fromisoformat(text[:10]) if "-" in text else datetime.datetime.strptime(text, "%Y%m%d").date()

    def coverage(self, *args):
        out = self.project.ds("coverage", "daily", "--json", *args, check=False)
        self.assertIn(out.returncode, (0, 1), out.stdout + out.stderr)
        return out.returncode, json.loads(out.stdout)

    def stored_form(self, day):
        """The trade_date value as the SQLite storage holds it (the same form as the stored rows)."""
        sample = self.project.sqlite("SELECT trade_date FROM daily LIMIT 1")[0][0]
        return iso(day) if "-" in str(sample) else day.strftime("%Y%m%d")

    def test_a_complete_quarter_then_deleted_days_show_as_missing_ranges_of_trading_days(self):
        code, r = self.coverage()
        self.assertEqual(code, 0, r)
        # From the first day stored to the last day the calendar holds.
        self.assertEqual((r["from"], r["to"]), ("2024-01-02", iso(self.held_last)))
        self.assertEqual((r["expected"], r["present"], r["missing"]), (len(self.quarter), len(self.quarter), 0))
        self.assertEqual(r["missing_ranges"], [])
        self.assertEqual(r["years"], [{"year": 2024, "expected": len(self.quarter), "present": len(self.quarter),
                                       "missing": 0}])
        self.assertEqual((r["calendar"], r["exchange"], r["storage"], r["date_key"]),
                         ("trade_cal", "SSE", "warehouse", "trade_date"))

        # Two consecutive trading days around a weekend, and one more day, go missing; a row appears on a
        # closed day.
        friday = max(d for d in self.quarter if d.weekday() == 4 and d < datetime.date(2024, 3, 1))
        monday = self.quarter[self.quarter.index(friday) + 1]
        lone = self.quarter[-3]
        saturday = friday + datetime.timedelta(days=1)
        self.assertNotIn(saturday, self.open_days)
        code_of_a_row = self.project.sqlite("SELECT ts_code FROM daily LIMIT 1")[0][0]
        forms = {d: self.stored_form(d) for d in (friday, monday, lone, saturday)}
        con = sqlite3.connect(self.project.path("data", "warehouse.db"))
        try:
            for d in (friday, monday, lone):
                self.assertGreater(con.execute("DELETE FROM daily WHERE trade_date = ?", (forms[d],)).rowcount, 0)
            con.execute("INSERT INTO daily (ts_code, trade_date) VALUES (?, ?)", (code_of_a_row, forms[saturday]))
            con.commit()
        finally:
            con.close()

        code, r = self.coverage()
        self.assertEqual(code, 1, r)
        self.assertEqual((r["expected"], r["present"], r["missing"]), (len(self.quarter), len(self.quarter) - 3, 3))
        self.assertEqual(r["missing_ranges"], [{"first": iso(friday), "last": iso(monday), "days": 2},
                                               {"first": iso(lone), "last": iso(lone), "days": 1}])
        self.assertEqual(r["on_closed_days"], [iso(saturday)])
        self.assertEqual(r["years"][0]["missing"], 3)

        # The text form says the same, and a window that avoids the gaps is complete.
        out = self.project.ds("coverage", "daily", check=False)
        self.assertEqual(out.returncode, 1)
        self.assertIn("missing %s .. %s (2 trading days)" % (iso(friday), iso(monday)), out.stdout)
        self.assertIn("missing %s (1 trading day)" % iso(lone), out.stdout)
        self.assertIn("rows on a closed day: %s" % iso(saturday), out.stdout)
        code, r = self.coverage("--from", "2024-01-02", "--to", iso(friday - datetime.timedelta(days=1)))
        self.assertEqual((code, r["missing"]), (0, 0), r)

        # Days past the calendar's end are not judged (unknown), never counted as missing.
        code, r = self.coverage("--from", "2024-03-01", "--to", "2024-04-30")
        self.assertEqual(r["unknown"], (datetime.date(2024, 4, 30) - self.held_last).days)
        self.assertEqual(r["missing"], 1)

    def test_a_code_missing_one_day_inside_its_history_shows_by_key_only(self):
        codes = [r[0] for r in self.project.sqlite("SELECT DISTINCT ts_code FROM daily ORDER BY ts_code")]
        self.assertGreater(len(codes), 2)
        # The simulator suspends a stock now and then (no bar that day, as the real vendor): those are gaps
        # by key already. Compare them with the bars each code has, then add one of our own.
        code, before = self.coverage("--by", "key")
        base = before["by_key"]
        for g in base["gaps"]:
            bars = {self.day(r[0]) for r in self.project.sqlite("SELECT trade_date FROM daily WHERE ts_code = ?",
                                                                 (g["key"],))}
            held = [d for d in self.quarter if self.day(g["first"]) <= d <= self.day(g["last"])]
            self.assertEqual(g["missing"], len([d for d in held if d not in bars]), g)
        self.assertEqual(code, 0 if base["missing"] == 0 else 1)
        gapped = {g["key"] for g in base["gaps"]}
        victim, day = [c for c in codes if c not in gapped][0], self.quarter[10]
        con = sqlite3.connect(self.project.path("data", "warehouse.db"))
        try:
            n = con.execute("DELETE FROM daily WHERE ts_code = ? AND trade_date = ?",
                            (victim, self.stored_form(day))).rowcount
            self.assertEqual(n, 1)
            con.commit()
        finally:
            con.close()
        # Other codes traded that day: by date nothing is missing.
        code, r = self.coverage()
        self.assertEqual((code, r["missing"]), (0, 0), r)
        self.assertNotIn("by_key", r)
        code, r = self.coverage("--by", "key")
        self.assertEqual(code, 1, r)
        k = r["by_key"]
        self.assertEqual((k["key"], k["keys"], k["keys_with_gaps"], k["missing"]),
                         ("ts_code", len(codes), base["keys_with_gaps"] + 1, base["missing"] + 1), k)
        mine = [g for g in k["gaps"] if g["key"] == victim]
        self.assertEqual(len(mine), 1, k)
        self.assertEqual(mine[0]["missing_ranges"], [{"first": iso(day), "last": iso(day), "days": 1}])
        self.assertEqual(mine[0]["expected"], mine[0]["present"] + 1)
        out = self.project.ds("coverage", "daily", "--by", "key", check=False)
        self.assertIn("by ts_code: %d keys, %d with a gap" % (len(codes), base["keys_with_gaps"] + 1), out.stdout)
        self.assertIn("%s (" % victim, out.stdout)
        self.assertIn("missing %s (1 trading day)" % iso(day), out.stdout)

    def test_a_listing_expects_each_code_from_its_listing_to_its_delisting(self):
        self.project.write_config(sim_config(self.sim.url, BODY + """  basic:
    dataset: stock_basic
    storages: [warehouse]
    params: {list_status: [L, D, P]}
"""))
        self.project.ds("run", "basic")
        codes = [r[0] for r in self.project.sqlite("SELECT DISTINCT ts_code FROM daily ORDER BY ts_code")]
        # One code loses its last five days (a gap its own history cannot show), another every bar.
        trailing, gone = codes[1], codes[2]
        last = [r[0] for r in self.project.sqlite(
            "SELECT trade_date FROM daily WHERE ts_code = ? ORDER BY trade_date DESC LIMIT 5", (trailing,))]
        con = sqlite3.connect(self.project.path("data", "warehouse.db"))
        try:
            con.execute("DELETE FROM daily WHERE ts_code = ? AND trade_date >= ?", (trailing, min(last)))
            con.execute("DELETE FROM daily WHERE ts_code = ?", (gone,))
            con.commit()
        finally:
            con.close()
        _, own = self.coverage("--by", "key")
        self.assertNotIn(gone, {g["key"] for g in own["by_key"]["gaps"]})
        self.assertNotIn(trailing, {g["key"] for g in own["by_key"]["gaps"]})
        code, r = self.coverage("--by", "key", "--listing", "stock_basic", "--max-keys", "1000")
        self.assertEqual(code, 1, r)
        k = r["by_key"]
        self.assertEqual((k["listing"], k["keys_not_listed"]), ("stock_basic", 0))
        # What the listing says, computed here: each listed code over its listing within the window.
        window = [d for d in self.open_days if self.day(r["from"]) <= d <= self.day(r["to"])]
        expected_missing = {}
        for ts_code, list_date, delist_date in self.project.sqlite(
                "SELECT ts_code, list_date, delist_date FROM stock_basic"):
            if list_date is None:
                continue
            bars = {self.day(t) for (t,) in self.project.sqlite("SELECT trade_date FROM daily WHERE ts_code = ?",
                                                                 (ts_code,))}
            days = [d for d in window if d >= self.day(list_date) and (not delist_date or d < self.day(delist_date))]
            missing = [d for d in days if d not in bars]
            if missing:
                expected_missing[ts_code] = missing
        self.assertEqual({g["key"]: g["missing"] for g in k["gaps"]},
                         {c: len(m) for c, m in expected_missing.items()})
        self.assertEqual(k["missing"], sum(len(m) for m in expected_missing.values()))
        self.assertEqual(expected_missing[gone], window)
        self.assertTrue(set(self.day(t) for t in last) <= set(expected_missing[trailing]))
        mine = [g for g in k["gaps"] if g["key"] == gone][0]
        self.assertEqual(mine["missing_ranges"], [{"first": iso(window[0]), "last": iso(window[-1]),
                                                   "days": len(window)}])
        self.assertFalse(k["truncated"])
        # Listing fewer gaps counts the same days: the first keys in order, the rest only counted.
        self.assertGreaterEqual(len(k["gaps"]), 2)
        _, few = self.coverage("--by", "key", "--listing", "stock_basic", "--max-keys", "1")
        f = few["by_key"]
        self.assertEqual((len(f["gaps"]), f["truncated"], f["keys_with_gaps"], f["missing"]),
                         (1, True, k["keys_with_gaps"], k["missing"]), f)
        self.assertEqual(f["gaps"][0], k["gaps"][0])
        out = self.project.ds("coverage", "daily", "--listing", "stock_basic", check=False)
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("--listing goes with --by key", out.stderr)
        out = self.project.ds("coverage", "daily", "--by", "key", "--listing", "trade_cal", check=False)
        self.assertNotIn(out.returncode, (0, 1))
        self.assertIn("holds no field 'ts_code'", out.stderr)

    def test_mistakes_are_named(self):
        out = self.project.ds("coverage", "stock_basic", check=False)
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("dataset 'stock_basic' has no date_key", out.stderr)
        out = self.project.ds("coverage", "daily", "--calendar", "daily", check=False)
        self.assertIn("'daily' is not a trading calendar dataset (calendars: trade_cal)", out.stderr)
        out = self.project.ds("coverage", "daily", "--exchange", "NYSE", check=False)
        self.assertIn("holds no day of exchange 'NYSE'", out.stderr)
        out = self.project.ds("coverage", "daily", "--by", "key", "--key", "trade_date", check=False)
        self.assertIn("--key 'trade_date' is not a field of daily other than its date key", out.stderr)
        out = self.project.ds("coverage", "daily", "--key", "ts_code", check=False)
        self.assertIn("--key goes with --by key", out.stderr)
        out = self.project.ds("coverage", "daily", "--from", "2024-13-01", check=False)
        self.assertEqual(out.returncode, 2)
        self.assertIn("--from 2024-13-01: expected a day", out.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
