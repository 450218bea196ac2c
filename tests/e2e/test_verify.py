"""`datasync verify PLAN` end to end: a quarter of daily bars synced from the simulator into SQLite, then the
simulator revises some values (its revision mode), drops a code from a day (a hole) and the storage loses a
row; verify re-fetches exactly the drawn tasks (the simulator's call count proves it) through a run of its own
that writes nothing into the plan's storage, and reports exactly the revised rows with both values, the rows
added and the rows vanished. A revision that takes effect later on the simulator's clock is seen only after;
a vendor whose daily quota runs out mid-verify leaves a partial, honest answer and a cancelled run."""

import glob
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


def compact(day):
    return day.replace("-", "")


def num(x):  # a number as verify prints it: no trailing ".0"
    return str(int(x)) if x == int(x) else repr(x)


class VerifyTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim("--clock", "manual", stocks=6)
        self.project = self.new_project(self.sim, sim_config(self.sim.url, BODY))
        self.project.ds("run", "cal", "bars")
        self.days = [str(r[0]) for r in self.project.sqlite("SELECT DISTINCT trade_date FROM daily ORDER BY 1")]
        self.codes = [r[0] for r in self.project.sqlite("SELECT DISTINCT ts_code FROM daily ORDER BY 1")]
        self.assertGreater(len(self.days), 50)
        self.snapshot = self.stored()

    def stored(self):
        return self.project.sqlite("SELECT * FROM daily ORDER BY ts_code, trade_date")

    def calls(self):
        return self.sim.admin("stats")["by_token"].get(harness.TOKEN, {}).get("daily", {}).get("accepted", 0)

    def verify(self, *args, code=None):
        out = self.project.ds("verify", "bars", "--json", *args, check=False)
        if code is not None:
            self.assertEqual(out.returncode, code, out.stdout + out.stderr)
        return json.loads(out.stdout)

    def test_an_unchanged_vendor_verifies_clean_and_nothing_is_written_to_the_plans_storage(self):
        calls = self.calls()
        r = self.verify("--seed", "7", code=0)
        self.assertEqual((r["candidates"], r["chosen"], r["checked"], r["unchanged"]), (len(self.days), 20, 20, 20))
        self.assertEqual((r["revised"], r["added"], r["vanished"], r["clean"]), (0, 0, 0, True))
        self.assertEqual((r["run_status"], r["storage"], r["seed"]), ("succeeded", "warehouse", "7"))
        # Exactly the drawn tasks were fetched, through a run of trigger verify.
        self.assertEqual(self.calls(), calls + 20)
        run = self.project.ds_json("runs", "--plan", "bars")[0]
        self.assertEqual((run["id"], run["trigger"], run["tasks_total"]), (r["run_id"], "verify", 20))
        # The same seed draws the same tasks; the scratch copy is gone; the storage is as it was.
        again = self.verify("--seed", "7", code=0)
        self.assertEqual(again["checked"], 20)
        self.assertEqual(glob.glob(self.project.path(".datasync", "verify", "*")), [])
        self.assertEqual(self.stored(), self.snapshot)
        # A plain run afterwards is a normal run of the plan, not a resumed verify run.
        self.project.ds("run", "bars")
        self.assertEqual(self.project.ds_json("runs", "--plan", "bars")[0]["trigger"], "manual")

    def test_revised_added_and_vanished_rows_are_reported_exactly(self):
        revised_days, hole_day, lost_day = self.days[10:12], self.days[20], self.days[30]
        code = self.codes[2]
        self.sim.admin("config", {
            "revisions": [{"api": "daily", "start_date": compact(revised_days[0]),
                           "end_date": compact(revised_days[1]), "codes": [code], "fields": ["close"],
                           "scale": 1.1}],
            "holes": [{"api": "daily", "start_date": compact(hole_day), "end_date": compact(hole_day),
                       "codes": [self.codes[0]]}]})
        con = sqlite3.connect(self.project.path("data", "warehouse.db"))
        try:
            self.assertEqual(con.execute("DELETE FROM daily WHERE trade_date = ? AND ts_code = ?",
                                         (lost_day, self.codes[1])).rowcount, 1)
            con.commit()
        finally:
            con.close()
        self.snapshot = self.stored()
        window = [d for d in self.days if revised_days[0] <= d <= lost_day]
        calls = self.calls()
        r = self.verify("--from", revised_days[0], "--to", lost_day, code=1)
        # Every completed task in the window, fetched once each.
        self.assertEqual((r["candidates"], r["chosen"], r["checked"]), (len(window), len(window), len(window)))
        self.assertEqual(self.calls(), calls + len(window))
        self.assertEqual((r["revised"], r["added"], r["vanished"]), (2, 1, 1))
        self.assertEqual(r["revised_by_field"], {"close": 2})
        self.assertEqual(r["unchanged"], len(window) - 4)
        by_day = {t["params"]["trade_date"]: t["diff"] for t in r["differing"]}
        self.assertEqual(sorted(by_day), sorted(compact(d) for d in revised_days + [hole_day, lost_day]))
        for day in revised_days:
            d = by_day[compact(day)]
            self.assertEqual((d["revised"], d["added"], d["vanished"]), (1, 0, 0))
            old = self.project.sqlite("SELECT close FROM daily WHERE trade_date = ? AND ts_code = ?", (day, code))[0][0]
            new = self.sim.rows("daily", {"trade_date": compact(day), "ts_code": code}, "close")[0]["close"]
            self.assertNotEqual(new, old)
            self.assertEqual(d["examples"], [{"kind": "revised", "key": "ts_code=%s trade_date=%s" % (
                code, compact(day)), "field": "close", "vendor": num(new), "stored": num(old)}])
        self.assertEqual(by_day[compact(hole_day)]["vanished"], 1)
        self.assertEqual(by_day[compact(hole_day)]["examples"][0]["kind"], "vanished")
        self.assertTrue(by_day[compact(hole_day)]["examples"][0]["row"].startswith("ts_code=" + self.codes[0]))
        self.assertEqual(by_day[compact(lost_day)]["added"], 1)
        self.assertEqual(by_day[compact(lost_day)]["examples"][0]["key"],
                         "ts_code=%s trade_date=%s" % (self.codes[1], compact(lost_day)))
        # Verify reports; it never writes the vendor's new answer into the plan's storage.
        self.assertEqual(self.stored(), self.snapshot)

        # The text form says the same.
        out = self.project.ds("verify", "bars", "--from", revised_days[0], "--to", revised_days[0], check=False)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("rows revised 1 (close 1), added 0, vanished 0", out.stdout)
        self.assertIn("close: stored %s -> vendor %s" % (num(self.project.sqlite(
            "SELECT close FROM daily WHERE trade_date = ? AND ts_code = ?", (revised_days[0], code))[0][0]), num(
            self.sim.rows("daily", {"trade_date": compact(revised_days[0]), "ts_code": code}, "close")[0]["close"])),
            out.stdout)

    def test_a_revision_after_a_point_of_the_vendors_clock_is_seen_only_after_it(self):
        day = self.days[5]
        now = self.sim.admin("clock")["epoch_ms"]
        self.sim.admin("config", {"revisions": [{"api": "daily", "start_date": compact(day), "end_date": compact(day),
                                                 "fields": ["open"], "scale": 0.9, "after": now + 3600 * 1000}]})
        r = self.verify("--from", day, "--to", day, code=0)
        self.assertEqual((r["checked"], r["revised"]), (1, 0))
        self.sim.admin("clock", {"advance_secs": 7200}, method="POST")
        r = self.verify("--from", day, "--to", day, code=1)
        self.assertEqual((r["checked"], r["revised"], r["revised_by_field"]), (1, len(self.codes),
                                                                              {"open": len(self.codes)}))

    def test_a_quota_that_runs_out_leaves_a_partial_answer_and_no_run_to_resume(self):
        self.sim.admin("config", {"per_day": self.calls() + 3})
        r = self.verify("--sample", "10", code=1)
        self.assertEqual((r["chosen"], r["checked"]), (10, 3))
        self.assertEqual(r["run_status"], "deferred")
        self.assertIn("only the tasks it completed are compared", r["note"])
        self.assertFalse(r["clean"])
        run = self.project.ds_json("runs", "--plan", "bars")[0]
        self.assertEqual((run["id"], run["status"]), (r["run_id"], "cancelled"))
        self.assertEqual(glob.glob(self.project.path(".datasync", "verify", "*")), [])

    def test_a_plan_without_completed_tasks_or_a_key_is_told_so(self):
        out = self.project.ds("verify", "cal", "--from", "2030-01-01", check=False)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("no completed task of plan cal asks for days in the window", out.stdout)
        out = self.project.ds("verify", "nosuch", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("unknown plan 'nosuch'", out.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
