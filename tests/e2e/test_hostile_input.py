"""End-to-end tests of issue 17's hostile vendor input, with the real binary against the simulator's hostile
modes: a doc page nested 40,000 levels deep that `run` and `serve` refresh by themselves (the command says
why the page was refused and goes on; the daemon keeps running), and answers with one value a strict JSON
parser refuses (an integer beyond 64 bits, an invalid UTF-8 byte) or a field name carrying a terminal escape
and a line break: no retry (the simulator counts the calls), the value stored as text or the run failed
with a message naming field and byte offset, and no raw control character in any output or log."""

import json
import signal
import sys
import unittest

import harness
from harness import E2ETestCase, sim_config, wait_until
from test_serve import Daemon, cst_us, system_db

BASE = """datasets:
  trade_cal: {source: tushare}
  stock_basic: {source: tushare}
storages:
  warehouse: {kind: sqlite, path: data/warehouse.db}
plans:
  stocks:
    dataset: stock_basic
    storages: [warehouse]
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20240501", end_date: "20240531"}
"""


def accepted(sim, api):
    return sim.admin("stats")["by_token"].get(harness.TOKEN, {}).get(api, {}).get("accepted", 0)


class BadValuesTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=20)
        self.project = self.new_project(self.sim, sim_config(self.sim.url, BASE))
        self.project.ds("apply")

    def test_an_integer_beyond_64_bits_fails_the_run_once_naming_field_and_offset(self):
        self.sim.admin("config", {"bad_value": "huge_int", "bad_value_field": "is_open"})
        out = self.project.ds("run", "cal", "--json", check=False)
        self.assertNotEqual(out.returncode, 0, out.stdout)
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "failed", report)
        self.assertEqual(accepted(self.sim, "trade_cal"), 1, "the page was not retried")
        errors = {e["kind"]: e for e in report["errors"]}
        self.assertEqual(list(errors), ["PERMANENT"], report["errors"])
        example = errors["PERMANENT"]["examples"][0]
        self.assertIn("items[0] field 'is_open'", example)
        self.assertIn("an integer beyond 64 bits (1180591620717411303424) at byte ", example)

    def test_invalid_utf8_in_a_text_value_is_stored_replaced_with_a_warning(self):
        served = self.sim.rows("stock_basic", {}, "ts_code,name")  # read before the vendor's bytes go bad
        self.sim.admin("config", {"bad_value": "invalid_utf8", "bad_value_field": "name"})
        out = self.project.ds("run", "stocks", "--json")
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded", report)
        self.assertEqual(accepted(self.sim, "stock_basic"), 1)
        stored = dict(self.project.sqlite("SELECT ts_code, name FROM stock_basic"))
        self.assertEqual(len(stored), len(served))
        first = served[0]
        self.assertEqual(stored[first["ts_code"]], first["name"] + "\ufffd")
        for row in served[1:]:
            self.assertEqual(stored[row["ts_code"]], row["name"])
        self.assertTrue(any("field 'name': invalid UTF-8 at byte " in w and "U+FFFD" in w
                            for w in report["warnings"]), report["warnings"])

    def test_a_field_name_with_a_terminal_escape_never_reaches_output_or_log_raw(self):
        # A dataset imported from the simulator's page, so that the refresh after drift asks the simulator.
        self.project.ds("dataset", "import", self.sim.url + "/document/2?doc_id=25", "--name", "doc_stocks")
        self.project.write_config(sim_config(self.sim.url, BASE + """  doc_stocks:
    dataset: doc_stocks
    storages: [warehouse]
"""))
        self.sim.admin("config", {"extra_field": "\x1b[31mred\nfield"})
        out = self.project.ds("--log-level", "debug", "run", "doc_stocks")
        self.assertEqual(accepted(self.sim, "stock_basic"), 1)
        text = out.stdout + out.stderr + self.project.log()
        self.assertIn("\\x1b[31mred\\nfield", text)
        self.assertNotIn("\x1b", text)
        self.assertNotIn("red\nfield", text)


class HostileDocPageTest(E2ETestCase):
    """Datasets imported from the simulator's doc pages; then the pages turn hostile (40,000 unclosed <div>s).
    `run` checks a stale imported dataset against its page before planning; `serve` (and `run`) refresh a
    dataset whose responses drifted (the simulator's schema change adds daily.vwap)."""

    PLANS = """  cal_plan:
    dataset: doc_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20240501", end_date: "20240531"}
  bars:
    dataset: doc_daily
    storages: [warehouse]
    params:
      ts_code: [000001.SZ, 600000.SH]
      trade_date: "20240531"
    schedule: "30 17 * * *"
"""

    def setUp(self):
        self.clock = self.virtual_clock(cst_us("2024-06-03 17:00"))
        self.sim = self.start_sim("--clock", "file:" + self.clock.path, stocks=20)
        self.project = self.new_project(self.sim, sim_config(self.sim.url, BASE))
        self.project.env["DATASYNC_CLOCK_FILE"] = self.clock.path
        self.project.ds("apply")
        for doc_id, name in ((26, "doc_cal"), (27, "doc_daily")):
            self.project.ds("dataset", "import", self.page(doc_id), "--name", name)
        self.project.write_config(sim_config(self.sim.url, BASE + self.PLANS).replace(
            "version: 1\n", "version: 1\nproject: {schema_refresh_hours: 1}\n", 1))
        self.sim.admin("config", {"doc_nesting": 40000})

    def page(self, doc_id):
        return self.sim.url + "/document/2?doc_id=%d" % doc_id

    def refused(self, line, doc_id):
        self.assertIn("doc page " + self.page(doc_id) + ": the page has elements nested ", line)
        self.assertIn("more than the limit of 512", line)

    def test_run_reports_the_refused_page_and_syncs(self):
        with open(self.project.path(".datasync", "schema_checks.json"), "w") as f:
            json.dump({"datasets": {"doc_cal": 0}}, f)
        out = self.project.ds_json("run", "cal_plan")
        self.assertEqual(out[0]["report"]["status"], "succeeded", out)
        scheduled = [s for s in out[0]["schema"] if "(scheduled)" in s]
        self.assertEqual(len(scheduled), 1, out[0]["schema"])
        self.refused(scheduled[0], 26)
        self.assertEqual(self.project.ds_json("dataset", "show", "doc_cal")["schema_version"], 1)
        self.assertGreater(len(self.project.sqlite("SELECT * FROM doc_cal")), 0)

    def test_serve_refreshes_the_hostile_page_after_drift_and_keeps_running(self):
        self.sim.admin("config", {"schema_change": True})
        daemon = Daemon(self, self.project)
        slot = cst_us("2024-06-03 17:30")
        self.clock.set(slot + 1_000_000)
        wait_until(lambda: system_db(self.project, "SELECT 1 FROM runs WHERE slot_us = ? AND status = 'succeeded'",
                                     (slot,)), "the scheduled run to succeed")
        line = wait_until(lambda: next((l for l in daemon.output().splitlines() if "(after schema drift)" in l), None),
                          "the refresh after drift in the daemon's log")
        self.refused(line, 27)
        self.assertIsNone(daemon.proc.poll(), "the daemon is still running")
        self.assertEqual(daemon.get("/healthz")[0], 200)
        self.assertEqual(self.project.ds_json("dataset", "show", "doc_daily")["schema_version"], 1)
        self.assertEqual(daemon.stop(signal.SIGTERM), 0, daemon.output())


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
