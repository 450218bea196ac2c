"""`datasync repair PLAN` end to end: a quarter of daily bars synced from the simulator into SQLite, then rows
deleted from the table; repair finds exactly the trading days (or, for a per-code plan, the codes) whose data
is missing, says how many argument sets it will fetch before it starts, fetches exactly those (the
simulator's call count proves it), and coverage is complete again."""

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


class RepairTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=6)
        self.project = self.new_project(self.sim, sim_config(self.sim.url, BODY))
        self.project.ds("run", "cal", "bars")
        self.days = [str(r[0]) for r in self.project.sqlite("SELECT DISTINCT trade_date FROM daily ORDER BY 1")]
        self.assertGreater(len(self.days), 50)

    def calls(self):
        return self.sim.admin("stats")["by_token"].get(harness.TOKEN, {}).get("daily", {}).get("accepted", 0)

    def delete(self, where, params):
        con = sqlite3.connect(self.project.path("data", "warehouse.db"))
        try:
            n = con.execute("DELETE FROM daily WHERE " + where, params).rowcount
            con.commit()
        finally:
            con.close()
        self.assertGreater(n, 0, (where, params))
        return n

    def repair(self, plan, *args):
        out = self.project.ds("repair", plan, "--json", *args, check=False)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        return json.loads(out.stdout)

    @staticmethod
    def compact(day):
        return day.replace("-", "")

    def test_missing_days_are_fetched_again_and_nothing_else(self):
        lost = [self.days[5], self.days[6], self.days[40]]
        rows_before = self.project.sqlite("SELECT count(*) FROM daily")[0][0]
        removed = sum(self.delete("trade_date = ?", (d,)) for d in lost)

        # A dry run says what is missing and what it would fetch, and fetches nothing.
        calls = self.calls()
        plan = self.repair("bars", "--dry-run")
        self.assertEqual(self.calls(), calls)
        self.assertEqual((plan["plan"], plan["dataset"], plan["storage"], plan["by_key"]),
                         ("bars", "daily", "warehouse", False))
        self.assertEqual(plan["coverage"]["missing"], 3)
        self.assertEqual(plan["arguments"], len(self.days))
        self.assertEqual(plan["selected"], 3)
        self.assertEqual(sorted(self.compact(p["trade_date"]) for p in plan["first"]),
                         sorted(self.compact(d) for d in lost))
        text = self.project.ds("repair", "bars", "--dry-run").stdout
        self.assertIn("missing: 3 trading day(s)", text)
        self.assertIn("3 of %d argument set(s) ask for them" % len(self.days), text)

        # The repair fetches those three days, as a run of the plan marked repair.
        out = self.project.ds("repair", "bars")
        self.assertIn("3 of %d argument set(s)" % len(self.days), out.stdout)
        self.assertEqual(self.calls(), calls + 3)
        self.assertEqual(self.project.sqlite("SELECT count(*) FROM daily")[0][0], rows_before)
        run = self.project.ds_json("runs")[0]
        self.assertEqual((run["plan"], run["trigger"], run["status"], run["tasks_total"]),
                         ("bars", "repair", "succeeded", 3))
        self.assertEqual(run["rows"], removed)
        cov = self.project.ds("coverage", "daily", "--json", check=False)
        self.assertEqual(cov.returncode, 0, cov.stdout)

        # Nothing missing: nothing fetched, no run.
        again = self.repair("bars")
        self.assertEqual(again["selected"], 0)
        self.assertIsNone(again["run"]["report"])
        self.assertIn("nothing to repair", again["run"]["note"])
        self.assertEqual(self.calls(), calls + 3)
        self.assertEqual(len(self.project.ds_json("runs", "--plan", "bars")), 2)

    def test_a_per_code_plan_fetches_only_the_codes_with_a_gap(self):
        codes = [r[0] for r in self.project.sqlite("SELECT DISTINCT ts_code FROM daily ORDER BY 1")]
        self.assertGreater(len(codes), 3)
        first, last = self.compact(self.days[0]), self.compact(self.days[-1])
        by_code = """  by_code:
    dataset: daily
    storages: [warehouse]
    params:
      ts_code: [%s]
      start_date: "%s"
      end_date: "%s"
""" % (", ".join('"%s"' % c for c in codes), first, last)
        self.project.write_config(sim_config(self.sim.url, BODY + by_code))
        # The simulator suspends a stock now and then (no bar that day, as the real vendor): those codes have
        # gaps already, and a repair asks for them too; one more code loses one day here.
        base = json.loads(self.project.ds("coverage", "daily", "--by", "key", "--json", check=False).stdout)
        gapped = {g["key"] for g in base["by_key"]["gaps"]}
        victim = [c for c in codes if c not in gapped][0]
        self.delete("ts_code = ? AND trade_date = ?", (victim, self.days[20]))

        calls = self.calls()
        plan = self.repair("by_code", "--dry-run")
        self.assertTrue(plan["by_key"])
        self.assertEqual(plan["coverage"]["missing"], 0, "other codes traded that day")
        self.assertEqual(plan["arguments"], len(codes))
        self.assertEqual(sorted(p["ts_code"] for p in plan["first"]), sorted(gapped | {victim}))
        self.assertEqual(plan["selected"], len(gapped | {victim}))
        self.assertTrue(all((p["start_date"], p["end_date"]) == (first, last) for p in plan["first"]))

        done = self.repair("by_code")
        self.assertEqual(self.calls(), calls + len(gapped | {victim}))
        self.assertEqual(done["run"]["report"]["tasks"]["done"], len(gapped | {victim}))
        self.assertEqual(done["run"]["report"]["trigger"], "repair")
        self.assertEqual(self.project.sqlite("SELECT count(*) FROM daily WHERE ts_code = ? AND trade_date = ?",
                                             (victim, self.days[20]))[0][0], 1)

    def test_mistakes_are_named_and_an_unfinished_run_comes_first(self):
        out = self.project.ds("repair", "nothing", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("unknown plan 'nothing'", out.stderr)
        out = self.project.ds("repair", "bars", "--storage", "elsewhere", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("does not write to storage 'elsewhere'", out.stderr)
        out = self.project.ds("repair", "bars", "--from", "2024-13-01", check=False)
        self.assertIn("--from 2024-13-01: expected a day", out.stderr)
        # An unfinished run of the plan would be chosen instead of the repair: it is named.
        self.delete("trade_date = ?", (self.days[3],))
        con = sqlite3.connect(self.project.path(".datasync", "datasync.db"))
        try:
            con.execute("UPDATE runs SET status = 'paused' WHERE id = (SELECT max(id) FROM runs WHERE plan = 'bars')")
            con.commit()
        finally:
            con.close()
        calls = self.calls()
        out = self.project.ds("repair", "bars", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("has an unfinished run", out.stderr)
        self.assertIn("datasync resume", out.stderr)
        self.assertEqual(self.calls(), calls)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
