"""End-to-end tests of the foundation: the real datasync binary against the project's own Tushare-protocol
simulator, checking that what is stored (SQLite and CSV) equals what the simulator served, row by row
and type by type; config validation messages; idempotent apply and re-runs; exit codes. Secrets are
tests/e2e/test_secrets.py's."""

import csv
import glob
import json
import os
import re
import subprocess
import sys
import unittest

import harness
from harness import E2ETestCase, Project, Sim, iso, read_text, sim_config

JAN_2024_WEEKDAYS = [d for d in ("202401%02d" % i for i in range(1, 32))
                     if __import__("datetime").date(2024, 1, int(d[6:])).weekday() < 5]

TRADE_CAL = ["exchange", "cal_date", "is_open", "pretrade_date"]
STOCK_BASIC = ["ts_code", "symbol", "name", "area", "industry", "fullname", "enname", "cnspell", "market",
               "exchange", "curr_type", "list_status", "list_date", "delist_date", "is_hs", "act_name",
               "act_ent_type"]
DAILY = ["ts_code", "trade_date", "open", "high", "low", "close", "pre_close", "change", "pct_chg", "vol", "amount"]
DATE_FIELDS = {"cal_date", "pretrade_date", "list_date", "delist_date", "trade_date"}
INT_FIELDS = {"is_open"}
FLOAT_FIELDS = set(DAILY[2:])


def fixed_concurrency(project, n):
    """The init template's daily plan with `n` calls in flight, fixed: tests that hold calls at the
    simulator's gate need exactly that many held (an adaptive level learns only from answered calls)."""
    path = project.path("datasync.yaml")
    text = read_text(path)
    assert "    concurrency: adaptive" in text
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("    concurrency: adaptive", "    concurrency: %d" % n, 1))


def expected_typed(row, fields):
    """The simulator's row converted to what a typed store must hold."""
    out = []
    for f in fields:
        v = row.get(f)
        if v is None:
            out.append(None)
        elif f in DATE_FIELDS:
            out.append(iso(str(v)))
        elif f in INT_FIELDS:
            out.append(int(v))
        elif f in FLOAT_FIELDS:
            out.append(float(v))
        else:
            out.append(str(v))
    return tuple(out)


def assert_same_types(test, stored_rows, fields):
    for row in stored_rows:
        for f, v in zip(fields, row):
            if v is None:
                continue
            if f in INT_FIELDS:
                test.assertIsInstance(v, int, f)
            elif f in FLOAT_FIELDS:
                test.assertIsInstance(v, float, f)
            else:
                test.assertIsInstance(v, str, f)


def read_csv_parts(root, dataset):
    rows, header = [], None
    files = sorted(glob.glob(os.path.join(root, "data", "csv", dataset, "**", "*.csv"), recursive=True))
    for path in files:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            h = next(reader)
            if header is None:
                header = h
            assert h == header, (path, h, header)
            rows.extend(reader)
    return header, rows


def csv_cell_matches(expected, text):
    if expected is None:
        return text == ""
    if isinstance(expected, float):
        return float(text) == expected
    return str(expected) == text


class FoundationSyncTest(unittest.TestCase):
    """The quickstart's three plans, checked against the simulator."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(stocks=300)
        cls.addClassCleanup(cls.sim.stop)
        cls.project = Project(cls.sim)
        cls.addClassCleanup(cls.project.cleanup)
        cls.first = cls.project.ds("run", "trade_cal", "stock_basic", "daily_2024_01")

    def test_run_exits_zero_and_prints_reports(self):
        out = self.first.stdout
        self.assertEqual(out.count("status succeeded"), 3, out)
        self.assertIn("plan daily_2024_01", out)
        self.assertIn("success rate 100.0%", out)
        self.assertIn("storage   warehouse (sqlite)", out)

    def test_trade_cal_equals_vendor(self):
        served = self.sim.rows("trade_cal", {"exchange": "SSE", "start_date": "20240101", "end_date": "20241231"},
                               ",".join(TRADE_CAL))
        expected = sorted(expected_typed(r, TRADE_CAL) for r in served)
        stored = self.project.sqlite("SELECT %s FROM trade_cal ORDER BY cal_date" % ",".join(TRADE_CAL))
        self.assertEqual(len(stored), 366)
        self.assertEqual(stored, expected)
        assert_same_types(self, stored, TRADE_CAL)
        self.assertIn(0, {r[2] for r in stored}, "the calendar has closed days")

    def test_stock_basic_equals_vendor_including_nulls_and_unicode(self):
        served = self.sim.rows("stock_basic", {"list_status": "L"}, ",".join(STOCK_BASIC))
        expected = sorted(expected_typed(r, STOCK_BASIC) for r in served)
        stored = self.project.sqlite("SELECT %s FROM stock_basic ORDER BY ts_code" % ",".join(STOCK_BASIC))
        self.assertGreater(len(stored), 200)
        self.assertEqual(stored, expected)
        self.assertTrue(any(r[13] is None for r in stored), "delist_date NULL for listed stocks")
        self.assertTrue(any(any(ord(ch) > 0x4e00 for ch in r[2]) for r in stored), "Chinese names survive")

    def test_daily_equals_vendor_row_by_row(self):
        expected = []
        for day in JAN_2024_WEEKDAYS:
            expected += [expected_typed(r, DAILY) for r in self.sim.rows("daily", {"trade_date": day}, ",".join(DAILY))]
        expected.sort(key=lambda r: (r[1], r[0]))
        stored = self.project.sqlite("SELECT %s FROM daily ORDER BY trade_date, ts_code" % ",".join(DAILY))
        self.assertGreater(len(stored), 3000)
        self.assertEqual(len(stored), len(expected))
        self.assertEqual(stored, expected)
        assert_same_types(self, stored, DAILY)

    def test_csv_files_hold_the_same_rows(self):
        header, rows = read_csv_parts(self.project.dir, "daily")
        self.assertEqual(header, DAILY)
        stored = self.project.sqlite("SELECT %s FROM daily" % ",".join(DAILY))
        self.assertEqual(len(rows), len(stored))
        by_key = {(r[0], r[1]): r for r in stored}
        for row in rows:
            exp = by_key[(row[0], row[1])]
            for f, e, t in zip(DAILY, exp, row):
                self.assertTrue(csv_cell_matches(e, t), (f, e, t))
        header, rows = read_csv_parts(self.project.dir, "stock_basic")
        self.assertEqual(header, STOCK_BASIC)
        self.assertEqual(len(rows), self.project.sqlite("SELECT count(*) FROM stock_basic")[0][0])

    def test_runs_and_report_show_history(self):
        runs = self.project.ds_json("runs")
        self.assertEqual(sorted(r["plan"] for r in runs)[:3], ["daily_2024_01", "stock_basic", "trade_cal"])
        daily = next(r for r in runs if r["plan"] == "daily_2024_01")
        self.assertEqual(daily["status"], "succeeded")
        self.assertEqual(daily["tasks_total"], len(JAN_2024_WEEKDAYS))
        report = self.project.ds_json("report", str(daily["id"]))
        self.assertEqual(report["tasks"]["done"], len(JAN_2024_WEEKDAYS))
        self.assertEqual(report["rows"], self.project.sqlite("SELECT count(*) FROM daily")[0][0])
        self.assertEqual(report["success_rate"], 1.0)
        text = self.project.ds("report", str(daily["id"])).stdout
        self.assertIn("status succeeded", text)

    def test_listings(self):
        sources = self.project.ds_json("sources")
        self.assertEqual(sources[0]["token"], "${E2E_TOKEN}")
        datasets = {d["name"]: d for d in self.project.ds_json("datasets")}
        self.assertEqual([f["name"] for f in datasets["daily"]["fields"]], DAILY)
        self.assertEqual(datasets["daily"]["primary_key"], ["ts_code", "trade_date"])
        self.assertEqual(datasets["daily"]["row_cap"], 6000)
        storages = {s["name"]: s for s in self.project.ds_json("storages")}
        self.assertEqual(storages["warehouse"]["kind"], "sqlite")
        plans = {p["name"]: p for p in self.project.ds_json("plans")}
        self.assertEqual(plans["daily_2024_01"]["depends_on"], ["trade_cal"])
        self.assertIn("daily_2024_01", self.project.ds("plans").stdout)


class IdempotenceTest(unittest.TestCase):
    def test_apply_twice_reports_no_changes_and_rerun_leaves_identical_data(self):
        sim = Sim(stocks=120)
        project = Project(sim)
        try:
            first = project.ds_json("apply")
            self.assertGreater(first["changed"], 0)
            second = project.ds_json("apply")
            self.assertEqual(second["changed"], 0)
            self.assertIn("no changes", project.ds("apply").stdout)

            project.ds("run", "daily_2024_01")
            rows1 = project.sqlite("SELECT * FROM daily ORDER BY trade_date, ts_code")
            csv1 = read_csv_parts(project.dir, "daily")
            project.ds("run", "daily_2024_01")
            rows2 = project.sqlite("SELECT * FROM daily ORDER BY trade_date, ts_code")
            csv2 = read_csv_parts(project.dir, "daily")
            self.assertEqual(rows1, rows2)
            self.assertEqual(sorted(csv1[1]), sorted(csv2[1]))
            runs = project.ds_json("runs", "--plan", "daily_2024_01")
            self.assertEqual([r["status"] for r in runs], ["succeeded", "succeeded"])
        finally:
            project.cleanup()
            sim.stop()


class ConfigValidationTest(unittest.TestCase):
    """Each malformed config gives its exact message with file:line:column and exit code 2."""

    def test_malformed_configs(self):
        """Each fixture's first line is `# expect: LINE:COLUMN: message`: validate prints exactly the line
        `datasync.yaml:LINE:COLUMN: message` (among others it may print), and --json holds that issue."""
        bad_dir = os.path.join(os.path.dirname(__file__), "configs", "bad")
        files = sorted(glob.glob(os.path.join(bad_dir, "*.yaml")))
        self.assertGreaterEqual(len(files), 40)
        project = Project()
        try:
            for path in files:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                header = re.match(r"# expect: (\d+):(\d+): (.+)$", text.splitlines()[0])
                self.assertTrue(header, "%s: the first line must be '# expect: LINE:COLUMN: message'" % path)
                line, column, message = int(header.group(1)), int(header.group(2)), header.group(3)
                project.write_config(text)
                with self.subTest(config=os.path.basename(path)):
                    p = project.ds("validate", check=False)
                    self.assertEqual(p.returncode, 2, p.stderr)
                    self.assertIn("datasync.yaml:%d:%d: %s" % (line, column, message), p.stderr.splitlines(),
                                  p.stderr)
                    j = project.ds("validate", "--json", check=False)
                    self.assertEqual(j.returncode, 2)
                    issues = json.loads(j.stdout)["issues"]
                    self.assertIn({"file": "datasync.yaml", "line": line, "column": column, "severity": "error",
                                   "message": message}, issues)
                    # apply refuses the same file and stores nothing
                    a = project.ds("apply", check=False)
                    self.assertEqual(a.returncode, 2)
                    self.assertIn("datasync.yaml:%d:%d: %s" % (line, column, message), a.stderr.splitlines())
        finally:
            project.cleanup()

    def test_several_errors_are_all_reported_in_file_order(self):
        project = Project()
        try:
            project.write_config(sim_config("http://127.0.0.1:9", """    timezone: Mars/Olympus
    api_limits:
      daily: {per_minute: 0}
storages:
  db: {kind: nosuch}
plans:
  p: {dataset: missing, storages: [db]}
"""))
            p = project.ds("validate", "--json", check=False)
            self.assertEqual(p.returncode, 2)
            issues = json.loads(p.stdout)["issues"]
            lines = [i["line"] for i in issues]
            self.assertEqual(lines, sorted(lines))
            msgs = " | ".join(i["message"] for i in issues)
            self.assertIn("unknown time zone 'Mars/Olympus'", msgs)
            self.assertIn("sources.tushare.api_limits.daily.per_minute: 0 is out of range (1 to 1000000)", msgs)
            self.assertIn("unknown kind 'nosuch'", msgs)
            self.assertIn("unknown dataset 'missing'", msgs)
        finally:
            project.cleanup()

    def test_valid_config_and_literal_token_warning(self):
        project = Project()
        try:
            p = project.ds("validate")
            self.assertIn("valid (1 source(s), 3 dataset(s), 2 storage(s), 3 plan(s))", p.stdout)
            text = read_text(project.path("datasync.yaml")).replace("${E2E_TOKEN}", "literal-token-123456")
            project.write_config(text)
            p = project.ds("validate")
            self.assertIn("warning: sources.tushare.token: the token is written in the file", p.stderr)
            self.assertNotIn("literal-token-123456", p.stderr + p.stdout)
        finally:
            project.cleanup()


class FailureModesTest(E2ETestCase):
    def test_transient_vendor_faults_are_retried_and_data_is_exact(self):
        sim = Sim("--fail-5xx", "0.2", "--truncate", "0.1", "--fault-seed", "7", stocks=100)
        project = Project(sim)
        try:
            text = read_text(project.path("datasync.yaml")).replace(
                "retry: {max_attempts: 5, initial_backoff_ms: 1000, max_backoff_ms: 60000}",
                "retry: {max_attempts: 10, initial_backoff_ms: 20, max_backoff_ms: 200}")
            project.write_config(text)
            project.ds("run", "daily_2024_01")
            report = project.ds_json("report", str(project.ds_json("runs")[0]["id"]))
            self.assertGreater(report["retries"], 0)
            self.assertEqual(report["status"], "succeeded")
            self.assertIn("TRANSIENT", [e["kind"] for e in report["errors"]])
            sim.admin("config", {"fail_5xx": 0, "truncate": 0})
            expected = []
            for day in JAN_2024_WEEKDAYS:
                expected += [expected_typed(r, DAILY) for r in sim.rows("daily", {"trade_date": day}, ",".join(DAILY))]
            stored = project.sqlite("SELECT %s FROM daily" % ",".join(DAILY))
            self.assertEqual(sorted(stored), sorted(expected))
        finally:
            project.cleanup()
            sim.stop()

    def test_permission_error_stops_the_run_with_exit_1(self):
        sim = Sim(stocks=50)
        project = Project(sim, sim_config(sim.url, """datasets:
  fund_daily:
    source: tushare
    primary_key: [ts_code, trade_date]
    fields:
      - {name: ts_code, type: string}
      - {name: trade_date, type: date}
      - {name: close, type: float64}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
plans:
  funds:
    dataset: fund_daily
    storages: [db]
    params:
      trade_date: {dates: {start: "20240102", end: "20240110"}}
"""))
        try:
            p = project.ds("run", "funds", check=False)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertIn("status failed", p.stdout)
            self.assertIn("PERMISSION", p.stdout)
            report = project.ds_json("report", str(project.ds_json("runs")[0]["id"]))
            # No retry burns quota: only the calls already in flight (concurrency 4) were made, each failed
            # once, and every other task was cancelled without a call.
            self.assertLessEqual(report["requests"], 4)
            self.assertEqual(report["tasks"]["failed"], report["requests"])
            self.assertEqual(report["tasks"]["cancelled"], 9 - report["requests"])
            self.assertEqual(report["retries"], 0)
        finally:
            project.cleanup()
            sim.stop()

    def test_unknown_plan_is_a_usage_error(self):
        project = Project()
        try:
            p = project.ds("run", "nope", check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("unknown plan 'nope' (defined: daily_2024_01, stock_basic, trade_cal)", p.stderr)
        finally:
            project.cleanup()

    def test_kill_9_mid_run_then_resume_gives_exact_data(self):
        sim = self.start_sim(stocks=80)
        project = self.new_project(sim)
        fixed_concurrency(project, 4)
        # Three calls answered, then the four workers' calls held in flight: the process dies mid-run.
        sim.gate(3)
        proc = self.spawn(project, "run", "daily_2024_01", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sim.wait_gate(waiting=4, passed=3)
        run = project.latest_run()
        self.assertEqual((run["plan"], run["status"]), ("daily_2024_01", "running"))
        self.assertLess(run["tasks_done"], run["tasks_total"])
        proc.kill()
        proc.wait()
        sim.gate(None)
        out = project.ds("run", "daily_2024_01")
        self.assertIn("resuming run %d" % run["id"], out.stderr)
        runs = project.ds_json("runs")
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs[0]["status"], "succeeded")
        expected = []
        for day in JAN_2024_WEEKDAYS:
            expected += [expected_typed(r, DAILY) for r in sim.rows("daily", {"trade_date": day}, ",".join(DAILY))]
        stored = project.sqlite("SELECT %s FROM daily" % ",".join(DAILY))
        self.assertEqual(sorted(stored), sorted(expected))
        header, rows = read_csv_parts(project.dir, "daily")
        self.assertEqual(len(rows), len(expected))


    def test_a_second_run_of_a_running_plan_refuses_and_after_kill_9_the_next_proceeds_at_once(self):
        sim = self.start_sim(stocks=80)
        project = self.new_project(sim)
        fixed_concurrency(project, 4)
        sim.gate(3)
        proc = self.spawn(project, "run", "daily_2024_01", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sim.wait_gate(waiting=4, passed=3)
        run = project.latest_run()
        # The plan's lease in the system database names the running process.
        [(owner,)] = project.system_db("SELECT owner FROM plan_leases WHERE plan = 'daily_2024_01'")
        self.assertEqual(owner.split("@")[0], str(proc.pid))
        second = project.ds("run", "daily_2024_01", check=False)
        self.assertNotEqual(second.returncode, 0)
        self.assertIn("plan 'daily_2024_01' is being run by pid %d; wait for it to finish (or stop it) and try again"
                      % proc.pid, second.stdout + second.stderr)
        self.assertEqual(len(project.ds_json("runs")), 1, "the refused run made no run of its own")
        # kill -9 leaves the lease unexpired, but its holder's pid is gone: the next run takes it at once.
        proc.kill()
        proc.wait()
        sim.gate(None)
        out = project.ds("run", "daily_2024_01")
        self.assertIn("resuming run %d" % run["id"], out.stderr)
        self.assertEqual(project.ds_json("runs")[0]["status"], "succeeded")
        self.assertEqual(project.system_db("SELECT owner FROM plan_leases"), [], "released when the run ended")
        expected = []
        for day in JAN_2024_WEEKDAYS:
            expected += [expected_typed(r, DAILY) for r in sim.rows("daily", {"trade_date": day}, ",".join(DAILY))]
        self.assertEqual(sorted(project.sqlite("SELECT %s FROM daily" % ",".join(DAILY))), sorted(expected))

if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
