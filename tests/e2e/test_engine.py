"""End-to-end tests of the sync engine (issue 3) with the real binary against the project's simulator:
quota planning with zero rejected calls, deferral to the vendor's day roll, faults, kill -9 mid-run, dropped
invalid arguments, and pause/resume/cancel/retry from the CLI.

Time is virtual where the vendor's windows matter: the simulator (--clock file:F) and datasync
(DATASYNC_CLOCK_FILE=F) read one frozen clock that moves only when every datasync worker waits for a time
(harness.VirtualClock.drive), so no test waits for real minutes and none depends on CPU scheduling. Whatever
acts mid-run does so while the simulator's gate holds the calls in flight."""

import json
import random
import subprocess
import sys
import unittest

import harness
from harness import E2ETestCase, sim_config, weekdays

DAILY = ["ts_code", "trade_date", "open", "high", "low", "close", "pre_close", "change", "pct_chg", "vol", "amount"]
START_US = 1717376400 * 1000000  # 2024-06-03T09:00:00+08:00


def daily_plan(sim_url, days, limits="{concurrency: 4}", plan_extra="", storages="[db, files]", mode="upsert",
               name="bars"):
    return sim_config(sim_url, """datasets:
  daily: {source: tushare}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
  files: {kind: csv, path: data/csv}
plans:
%s""" % plan_block(name, days, plan_extra, storages, mode), limits)


def plan_block(name, days, plan_extra="", storages="[db, files]", mode="upsert"):
    return """  %s:
    dataset: daily
    storages: %s
    mode: %s
    params:
      trade_date: [%s]
    retry: {max_attempts: 8, initial_backoff_ms: 20, max_backoff_ms: 200}
%s""" % (name, storages, mode, ", ".join('"%s"' % d for d in days), plan_extra)


def expected_daily(sim, days, chunk=40):
    """What the simulator serves for these trade dates, read in date windows (few calls, so that reading it
    does not run into the limits a test sets on the simulator)."""
    wanted = set(days)
    ordered = sorted(days)
    rows = []
    for i in range(0, len(ordered), chunk):
        part = ordered[i:i + chunk]
        for r in sim.rows("daily", {"start_date": part[0], "end_date": part[-1]}, ",".join(DAILY)):
            if r["trade_date"] in wanted:
                rows.append(tuple(r[f] if f != "trade_date" else "%s-%s-%s" % (r[f][:4], r[f][4:6], r[f][6:])
                                  for f in DAILY))
    return sorted(rows)


def stored_daily(project):
    return sorted(project.sqlite("SELECT %s FROM daily" % ",".join(DAILY)))


def sim_stats(sim, api="daily"):
    return sim.admin("stats")["by_token"][harness.TOKEN][api]


def read_csv(project):
    import csv
    import glob
    rows, header = [], None
    for path in sorted(glob.glob(project.path("data", "csv", "daily", "**", "*.csv"), recursive=True)):
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows.extend(reader)
    return header, rows


class QuotaTest(E2ETestCase):
    def test_rate_limit_storm_has_zero_rejected_calls(self):
        clock = self.virtual_clock(START_US)
        sim = self.start_sim("--clock", "file:" + clock.path, "--per-minute", "60", stocks=30)
        days = weekdays("20230102", 300)
        project = self.new_project(sim, daily_plan(sim.url, days, limits="{per_minute: 60, concurrency: 4}"))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        clock.drive([sim])
        out = project.ds("run", "bars")
        clock.stop_driving()
        self.assertIn("status succeeded", out.stdout)
        st = sim_stats(sim)
        self.assertEqual(st["accepted"], 300, st)
        self.assertEqual(st["rejected_rate"]["total"], 0, st)
        self.assertEqual(st["max_accepted_in_any_60s"], 60, st)
        # 300 calls at 60 a minute: four waits for the window, each exactly as long as the quota planned.
        self.assertEqual(len(clock.moves), 4, clock.moves)
        self.assertEqual(clock.moves[-1] - START_US, 4 * 60_500_000, "60 s + the 500 ms margin per window")
        self.assertEqual(stored_daily(project), expected_daily(sim, days))

    def test_daily_limit_defers_the_run_and_it_completes_after_the_vendors_day_rolls(self):
        clock = self.virtual_clock(START_US)
        sim = self.start_sim("--clock", "file:" + clock.path, "--api-limit", "daily:day=40", stocks=20)
        days = weekdays("20230102", 100)
        project = self.new_project(sim, daily_plan(sim.url, days))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        clock.drive([sim])
        out = project.ds("run", "bars", "--wait", "--json")
        clock.stop_driving()
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded")
        self.assertEqual(report["tasks"]["done"], 100)
        # Two day rolls, each to midnight Asia/Shanghai (16:00 UTC), where the clock waited for them.
        midnights = [us for us in clock.moves if (us // 1_000_000 + 8 * 3600) % 86400 == 0]
        self.assertEqual(len(midnights), 2, clock.moves)
        self.assertEqual(out.stderr.count("deferred until"), 2, out.stderr)
        st = sim_stats(sim)
        # The first refusal taught datasync the limit (calls already in flight, at most the concurrency of
        # 4, were refused with it); from then on it planned under the limit: no refusal on later days.
        self.assertGreaterEqual(st["rejected_quota"], 1, st)
        self.assertLessEqual(st["rejected_quota"], 4, st)
        self.assertEqual(st["accepted"], 100, st)
        state = json.loads(project.system_db("SELECT state_json FROM quota_state")[0][0])
        self.assertEqual(state["learned"]["day"], 40, "the vendor's refusal taught the daily limit")
        self.assertEqual(stored_daily(project), expected_daily(sim, days))


class ResilienceTest(E2ETestCase):
    def test_5xx_slow_and_truncated_responses_leave_exact_data(self):
        sim = self.start_sim("--fail-5xx", "0.1", "--slow", "0.05", "--slow-ms", "300", "--truncate", "0.02",
                             "--fault-seed", "11", stocks=40)
        days = weekdays("20230102", 150)
        project = self.new_project(sim, daily_plan(sim.url, days))
        out = project.ds("run", "bars", "--json")
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded")
        self.assertGreater(report["retries"], 5)
        sim.admin("config", {"fail_5xx": 0, "slow": 0, "truncate": 0})
        self.assertEqual(stored_daily(project), expected_daily(sim, days))
        header, rows = read_csv(project)
        self.assertEqual(len(rows), len(stored_daily(project)))

    def test_kill_9_at_20_points_mid_run_then_finish_gives_exact_data_without_duplicates(self):
        sim = self.start_sim(stocks=30)
        days = weekdays("20230102", 200)
        # append mode: re-runs must still never duplicate (the strictest case); two calls in flight.
        project = self.new_project(sim, daily_plan(sim.url, days, limits="{concurrency: 2}", mode="append",
                                                   plan_extra="    concurrency: 2\n"))
        rng = random.Random(20261121)
        passed = 0
        for life in range(20):
            # Each life lets a few calls through, then dies with two more held at the vendor: after answers
            # arrived but before every write, commit and ack of them is through, wherever the process is.
            allow = rng.randint(0, 8)
            sim.gate(allow)
            proc = self.spawn(project, "run", "bars", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            sim.wait_gate(waiting=2, passed=allow)
            run = project.latest_run()
            self.assertIsNotNone(run, "life %d: the run exists when its calls are in flight" % life)
            self.assertEqual(run["status"], "running")
            proc.kill()
            proc.wait()
            passed += allow
            sim.gate(None)
            sim.wait_gate(waiting=0)
        runs = project.system_db("SELECT id, status FROM runs")
        self.assertEqual(len(runs), 1, "every restart resumed the same run: %r" % runs)
        done_before = project.latest_run()["tasks_done"]
        self.assertLessEqual(done_before, passed)
        out = project.ds("run", "bars", "--json")
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded")
        self.assertEqual(report["tasks"]["done"], 200)
        self.assertEqual(project.system_db("SELECT count(*) FROM runs"), [(1,)])
        expected = expected_daily(sim, days)
        self.assertEqual(stored_daily(project), expected)  # no gap, no duplicate row
        header, rows = read_csv(project)
        self.assertEqual(len(rows), len(expected))
        self.assertEqual(len({(r[0], r[1]) for r in rows}), len(expected))

    def test_invalid_argument_is_dropped_and_reported_while_the_rest_succeed(self):
        sim = self.start_sim(stocks=20)
        days = ["20240102", "20241345", "20240103"]
        project = self.new_project(sim, daily_plan(sim.url, days))
        out = project.ds("run", "bars", "--json")
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["tasks"]["done"], 2)
        self.assertEqual(report["tasks"]["skipped"], 1)
        errors = {e["kind"]: e for e in report["errors"]}
        self.assertIn("INVALID_INPUT", errors)
        self.assertTrue(errors["INVALID_INPUT"]["examples"][0].startswith("trade_date=20241345: "),
                        errors["INVALID_INPUT"])
        self.assertEqual(stored_daily(project), expected_daily(sim, ["20240102", "20240103"]))


class ControlTest(E2ETestCase):
    def test_pause_resume_cancel_and_retry_from_the_cli(self):
        sim = self.start_sim(stocks=20)
        days = weekdays("20230102", 30)
        project = self.new_project(sim, daily_plan(sim.url, days, plan_extra="    concurrency: 2\n"))
        # pause: three calls answered, two held in flight; the pause is read, then the two finish and the
        # process stops there and exits 3 (incomplete).
        sim.gate(3)
        proc = self.spawn(project, "run", "bars")
        sim.wait_gate(waiting=2, passed=3)
        run = project.latest_run()
        out = project.ds("pause", "bars")
        self.assertIn("pause run %d" % run["id"], out.stdout)
        project.wait_observed(run["id"], "pause")
        sim.gate(None)
        stdout, _ = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 3, stdout)
        self.assertIn("status paused", stdout)
        status = json.loads(project.ds("status", "--json").stdout)
        self.assertEqual([(r["run_id"], r["status"], r["alive"]) for r in status], [(run["id"], "paused", False)])
        self.assertEqual(project.latest_run()["tasks_done"], 5, "the 3 answered calls and the 2 in flight")
        self.assertEqual(sim_stats(sim)["accepted"], 5, "no call started after the pause was read")
        # resume: continues the same run to the end
        out = project.ds("resume", "bars")
        self.assertIn("status succeeded", out.stdout)
        runs = project.ds_json("runs")
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs[0]["tasks_done"], 30)
        self.assertEqual(sim_stats(sim)["accepted"], 30, "resume fetched only what the pause left")

        # cancel: tasks in flight finish, the rest are cancelled; retry runs exactly those
        project.sqlite("DELETE FROM daily")
        sim.gate(3)
        proc = self.spawn(project, "run", "bars")
        sim.wait_gate(waiting=2, passed=3)
        run2 = project.latest_run()
        self.assertNotEqual(run2["id"], run["id"])
        project.ds("cancel", str(run2["id"]))
        project.wait_observed(run2["id"], "cancel")
        sim.gate(None)
        stdout, _ = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 1, stdout)
        self.assertIn("status cancelled", stdout)
        report = project.ds_json("report", str(run2["id"]))
        self.assertEqual(report["tasks"]["done"], 5)
        self.assertEqual(report["tasks"]["cancelled"], 25)
        out = project.ds("retry", str(run2["id"]))
        self.assertIn("retrying 25 task(s) of run %d" % run2["id"], out.stderr)
        self.assertIn("status succeeded", out.stdout)
        self.assertEqual(stored_daily(project), expected_daily(sim, days))
        bad = project.ds("resume", str(run2["id"]), check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("nothing to resume", bad.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
