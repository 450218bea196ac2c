"""End-to-end tests of the quota shared by everything that calls one vendor API with one token: four plans of
one run, and `datasync serve` running a scheduled plan while a `datasync run` backfills on the same API from
another process (ARCHITECTURE §6, §11). Either way the vendor refuses no call and never sees more than its
limit in any 60 s.

Time is virtual (harness.VirtualClock.drive): it moves only when every worker of every datasync process waits
for the quota and no call is in flight, so the vendor sees each call exactly when the quota planned it."""

import sys
import unittest

import harness
from harness import E2ETestCase, sim_config, wait_until, weekdays
from test_engine import START_US, expected_daily, plan_block, sim_stats, stored_daily
from test_serve import Daemon, cst_us, system_db

DATASETS = """datasets:
  daily: {source: tushare}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
plans:
"""


class FourPlansQuotaTest(E2ETestCase):
    def test_four_plans_on_one_token_share_the_minute_limit(self):
        clock = self.virtual_clock(START_US)
        sim = self.start_sim("--clock", "file:" + clock.path, "--per-minute", "60", stocks=10)
        days = weekdays("20230102", 240)
        plans = "".join(plan_block("p%d" % i, days[i * 60:(i + 1) * 60], storages="[db]") for i in range(4))
        project = self.new_project(sim, sim_config(sim.url, DATASETS + plans,
                                                   limits="{per_minute: 60, concurrency: 8}"))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        clock.drive([sim])
        out = project.ds("run", "p0", "p1", "p2", "p3")
        clock.stop_driving()
        self.assertEqual(out.stdout.count("status succeeded"), 4, out.stdout)
        st = sim_stats(sim)
        self.assertEqual(st["accepted"], 240, st)
        self.assertEqual(st["rejected_rate"]["total"], 0, st)
        self.assertEqual(st["max_accepted_in_any_60s"], 60, st)
        # Four minutes of calls: the quota waited three times for the window, 60.5 s each (the margin).
        self.assertEqual([m - START_US for m in clock.moves], [60_500_000, 121_000_000, 181_500_000])
        self.assertEqual(stored_daily(project), expected_daily(sim, days))


class ServeAndRunQuotaTest(E2ETestCase):
    def test_serve_and_a_cli_run_on_one_api_share_the_limit(self):
        clock = self.virtual_clock(cst_us("2024-06-03 17:00"))
        sim = self.start_sim("--clock", "file:" + clock.path, "--per-minute", "60", stocks=10)
        nightly_days = weekdays("20230102", 90)
        backfill_days = weekdays("20200101", 90)
        plans = (plan_block("nightly", nightly_days, storages="[db]", plan_extra="    schedule: \"30 17 * * *\"\n") +
                 plan_block("backfill", backfill_days, storages="[db]"))
        project = self.new_project(sim, sim_config(sim.url, DATASETS + plans,
                                                   limits="{per_minute: 60, concurrency: 4}"))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        daemon = Daemon(self, project, "serve")
        # The daemon fires the nightly plan; while it runs, a backfill starts from the command line.
        slot = cst_us("2024-06-03 17:30")
        clock.set(slot + 1_000_000)
        nightly = wait_until(lambda: system_db(project, "SELECT id FROM runs WHERE plan = 'nightly' AND "
                                                        "tasks_total > 0"), "the scheduled run")[0][0]
        backfill = self.spawn(project, "run", "backfill")
        clock.drive([sim])
        wait_until(lambda: backfill.poll() is not None and
                   system_db(project, "SELECT 1 FROM runs WHERE id = ? AND status = 'succeeded'", (nightly,)),
                   "both runs to finish", timeout=300)
        clock.stop_driving()
        out, err = backfill.communicate()
        self.assertEqual(backfill.returncode, 0, out + err)
        self.assertIn("status succeeded", out)
        self.assertEqual(daemon.stop(), 0, daemon.output())
        st = sim_stats(sim)
        self.assertEqual(st["accepted"], 180, st)
        self.assertEqual(st["rejected_rate"]["total"], 0, st)
        self.assertLessEqual(st["max_accepted_in_any_60s"], 60, st)
        # 180 calls at 60 a minute from two processes: three full windows, whoever made the calls.
        self.assertEqual(len(clock.moves), 2, clock.moves)
        self.assertEqual(stored_daily(project), expected_daily(sim, nightly_days + backfill_days))


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
