"""Data-quality rules end to end, against the simulator's bad-row and hole modes: a range and a not_null rule of
severity error keep exactly the injected bad rows out of the dataset and put them, with the rule and the reason,
into daily_rejected (a run again replaces them, never adds them twice); warn rules store the rows and count
them; a relationship to stock_basic catches a code that is not listed; the results are in the run's report
(text and JSON). After a run, row_count flags a day the vendor served with
holes, and freshness judges the newest stored day against the trading calendar at datasync's clock. Bad rules
are refused by `datasync validate` with where and why."""

import datetime
import json
import os
import sys
import tempfile
import unittest

import harness
from harness import E2ETestCase, sim_config

BODY = """datasets:
  trade_cal: {source: tushare}
  stock_basic: {source: tushare}
  daily:
    source: tushare
    quality:
      - range: {pct_chg: [-30, 30]}
        severity: error
      - not_null: [close]
        severity: error
      - range: {vol: [null, 1000000]}
      - relationship: {ts_code: stock_basic.ts_code}
      - unique: [ts_code, trade_date]
%(extra)s
storages:
  warehouse: {kind: sqlite, path: data/warehouse.db}
plans:
  basics:
    dataset: stock_basic
    storages: [warehouse]
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20231201", end_date: "20240331"}
  bars:
    dataset: daily
    storages: [warehouse]
    params:
      trade_date: {trading_days: {start: "20240102", end: "%(end)s"}}
"""


def compact(day):
    return day.replace("-", "")


class QualityTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=6)

    def project_with(self, extra="", end="20240131"):
        project = self.new_project(self.sim, sim_config(self.sim.url, BODY % {"extra": extra, "end": end}))
        project.ds("run", "basics", "cal")
        return project

    def report(self, project, run_id):
        return json.loads(project.ds("report", str(run_id), "--json").stdout)

    def test_error_rules_quarantine_exactly_the_bad_rows_and_warn_rules_count_them(self):
        project = self.project_with()
        codes = [r[0] for r in project.sqlite("SELECT ts_code FROM stock_basic ORDER BY 1")]
        # One code's pct_chg out of range on one day, every close missing on another.
        self.sim.admin("config", {"bad_rows": [
            {"api": "daily", "start_date": "20240104", "end_date": "20240104", "codes": [codes[1]],
             "field": "pct_chg", "value": 999.0},
            {"api": "daily", "start_date": "20240110", "end_date": "20240110", "field": "close", "value": None}]})
        project.ds("run", "bars")
        served = sum(len(self.sim.rows("daily", {"trade_date": d})) for d in
                     [compact(str(r[0])) for r in project.sqlite(
                         "SELECT cal_date FROM trade_cal WHERE exchange = 'SSE' AND is_open = 1 AND cal_date "
                         "BETWEEN '2024-01-02' AND '2024-01-31'")])
        stored = project.sqlite("SELECT count(*) FROM daily")[0][0]
        rejected = project.sqlite("SELECT ts_code, trade_date, _rule, _reason, _run_id FROM daily_rejected "
                                  "ORDER BY trade_date, ts_code")
        closes_missing = self.sim.rows("daily", {"trade_date": "20240110"})
        self.assertEqual(stored, served - 1 - len(closes_missing))
        run_id = project.ds_json("runs", "--plan", "bars")[0]["id"]
        self.assertEqual(rejected[0], (codes[1], "2024-01-04", "range(pct_chg)", "pct_chg=999 outside [-30, 30]",
                                       run_id))
        self.assertEqual([r[1] for r in rejected[1:]], ["2024-01-10"] * len(closes_missing))
        self.assertTrue(all(r[2:4] == ("not_null(close)", "close is NULL") for r in rejected[1:]), rejected)
        self.assertEqual(project.sqlite("SELECT count(*) FROM daily WHERE trade_date IN ('2024-01-10') OR "
                                        "(trade_date = '2024-01-04' AND ts_code = ?)", (codes[1],))[0][0], 0)

        report = self.report(project, run_id)
        by_rule = {q["rule"]: q for q in report["quality"]}
        self.assertEqual((by_rule["range(pct_chg)"]["violations"], by_rule["range(pct_chg)"]["quarantined"]), (1, 1))
        self.assertEqual(by_rule["range(pct_chg)"]["checked"], served)
        self.assertEqual(by_rule["range(pct_chg)"]["examples"],
                         ["ts_code=%s trade_date=20240104: pct_chg=999 outside [-30, 30]" % codes[1]])
        self.assertEqual((by_rule["not_null(close)"]["violations"], by_rule["not_null(close)"]["quarantined"]),
                         (len(closes_missing), len(closes_missing)))
        # A warn rule stores what it counts: the simulator's volumes above the limit are all stored.
        over = project.sqlite("SELECT count(*) FROM daily WHERE vol > 1000000")[0][0]
        self.assertEqual((by_rule["range(vol)"]["violations"] >= over, by_rule["range(vol)"]["quarantined"]), (True, 0))
        self.assertEqual(by_rule["relationship(ts_code)"]["violations"], 0)
        self.assertEqual(by_rule["unique(ts_code, trade_date)"]["violations"], 0)
        text = project.ds("report", str(run_id)).stdout
        self.assertIn("quality   range(pct_chg) [error]: 1 of %d broke it, 1 kept out (in daily_rejected)" % served,
                      text)

        # The same tasks again: the quarantine replaces its rows per task, never adds them twice.
        project.ds("run", "bars")
        self.assertEqual(project.sqlite("SELECT count(*) FROM daily_rejected")[0][0], len(rejected))
        self.assertEqual(project.sqlite("SELECT count(*) FROM daily")[0][0], stored)

    def test_a_code_missing_from_the_referenced_dataset_breaks_the_relationship(self):
        project = self.project_with()
        gone = project.sqlite("SELECT min(ts_code) FROM stock_basic")[0][0]
        con = __import__("sqlite3").connect(project.path("data", "warehouse.db"))
        con.execute("DELETE FROM stock_basic WHERE ts_code = ?", (gone,))
        con.commit()
        con.close()
        project.ds("run", "bars")
        run_id = project.ds_json("runs", "--plan", "bars")[0]["id"]
        rel = {q["rule"]: q for q in self.report(project, run_id)["quality"]}["relationship(ts_code)"]
        days = project.sqlite("SELECT count(DISTINCT trade_date) FROM daily")[0][0]
        self.assertEqual((rel["violations"], rel["quarantined"], rel["severity"]), (days, 0, "warn"))
        self.assertTrue(rel["examples"][0].startswith("ts_code=%s " % gone), rel)
        self.assertIn("is not in stock_basic.ts_code", rel["examples"][0])

    def test_row_count_flags_a_day_served_with_holes_and_freshness_judges_the_newest_day(self):
        clock = os.path.join(tempfile.mkdtemp(prefix="ds-qclock-"), "clock")
        self.addCleanup(lambda: os.path.exists(clock) and os.remove(clock))
        # Friday 2024-03-29 19:00 in Shanghai: past the 18:00 deadline, so that day must be stored.
        at = datetime.datetime(2024, 3, 29, 19, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
        with open(clock, "w") as f:
            f.write(str(int(at.timestamp() * 1e6)))
        extra = """      - row_count: {window: 10, k: 2}
      - freshness: {deadline: "18:00"}"""
        project = self.project_with(extra=extra, end="20240328")
        project.env["DATASYNC_CLOCK_FILE"] = clock
        codes = [r[0] for r in project.sqlite("SELECT ts_code FROM stock_basic ORDER BY 1")]
        self.sim.admin("config", {"holes": [{"api": "daily", "start_date": "20240328", "end_date": "20240328",
                                             "codes": codes[:3]}]})
        project.ds("run", "bars")
        run_id = project.ds_json("runs", "--plan", "bars")[0]["id"]
        by_rule = {q["rule"]: q for q in self.report(project, run_id)["quality"]}
        rc = by_rule["row_count"]
        self.assertEqual((rc["checked"], rc["violations"]), (1, 1), rc)
        stored = project.sqlite("SELECT count(*) FROM daily WHERE trade_date = '2024-03-28'")[0][0]
        self.assertEqual(stored, len(self.sim.rows("daily", {"trade_date": "20240328"})))
        self.assertLess(stored, project.sqlite("SELECT count(*) FROM daily WHERE trade_date = '2024-03-27'")[0][0] - 1)
        self.assertIn("%d rows on 2024-03-28" % stored, rc["examples"][0])
        fr = by_rule["freshness"]
        self.assertEqual((fr["checked"], fr["violations"]), (1, 1), fr)
        self.assertIn("is 2024-03-28; expected 2024-03-29", fr["examples"][0])

        # Before the deadline the day before is enough; and a full day's count is within the band.
        at = at.replace(hour=10)
        with open(clock, "w") as f:
            f.write(str(int(at.timestamp() * 1e6)))
        self.sim.admin("config", {"holes": []})
        project.ds("run", "bars")
        run_id = project.ds_json("runs", "--plan", "bars")[0]["id"]
        by_rule = {q["rule"]: q for q in self.report(project, run_id)["quality"]}
        self.assertEqual(by_rule["freshness"]["violations"], 0, by_rule["freshness"])
        self.assertEqual(by_rule["row_count"]["violations"], 0, by_rule["row_count"])

    def test_bad_rules_are_refused_with_where_and_why(self):
        bad = BODY % {"extra": """      - range: {nosuch: [0, 1]}
      - range: {pct_chg: [5, 1]}
      - accepted_values: {ts_code: []}
      - relationship: {ts_code: nowhere.ts_code}
      - not_null: [close]
        severity: fatal
      - freshness: {deadline: "25:00"}""", "end": "20240131"}
        project = self.new_project(self.sim, sim_config(self.sim.url, bad))
        out = project.ds("validate", check=False)
        self.assertNotEqual(out.returncode, 0)
        for expected in ("datasets.daily.quality[5].range: 'nosuch' is not a field",
                         "datasets.daily.quality[6].range: min is above max",
                         "datasets.daily.quality[7].accepted_values: list at least one value",
                         "datasets.daily.quality[8].relationship: dataset 'nowhere' is not in the configuration",
                         "datasets.daily.quality[9].severity: expected warn or error",
                         "datasets.daily.quality[10].freshness.deadline: expected HH:MM"):
            self.assertIn(expected, out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
