"""The scheduled verify of `datasync serve` end to end: a plan with `verify: {cron, sample}` has a sample of its
completed tasks re-fetched at that time of day on the shared virtual clock, through a verify run that writes
nothing into the plan's storage; once the simulator revised the month's bars, the daemon raises one `revisions`
alert on a webhook with the counts and examples, /metrics counts the rows and tasks, and the slot row makes the
time go once."""

import json
import sys
import unittest

import harness
from harness import E2ETestCase, sim_config, wait_until
from receivers import WebhookReceiver
from test_serve import Daemon, cst_us, metric, parse_metrics, system_db

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
      trade_date: {trading_days: {start: "20240102", end: "20240131"}}
    verify: {cron: "0 2 * * *", sample: 5}
alerts:
  channels:
    hook: {type: webhook, url: "${E2E_HOOK_URL}"}
  rules:
    - {events: [revisions], channels: [hook]}
"""


class ScheduledVerifyTest(E2ETestCase):
    def test_a_nightly_verify_finds_the_vendors_revisions_and_alerts_once(self):
        clock = self.virtual_clock(cst_us("2024-04-01 01:00"))
        sim = self.start_sim("--clock", "file:" + clock.path, stocks=6)
        hook = WebhookReceiver()
        self.addCleanup(hook.stop)
        project = self.new_project(sim, sim_config(sim.url, BODY))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        project.env["E2E_HOOK_URL"] = hook.url
        project.ds("run", "cal", "bars")
        stored = project.sqlite("SELECT * FROM daily ORDER BY ts_code, trade_date")
        # The vendor revises every close of January.
        sim.admin("config", {"revisions": [{"api": "daily", "start_date": "20240102", "end_date": "20240131",
                                            "fields": ["close"], "scale": 1.5}]})
        daemon = Daemon(self, project)
        slot = cst_us("2024-04-01 02:00")
        clock.set(slot + 1_000_000)
        wait_until(lambda: "scheduled verify of plan bars (run" in daemon.output(), "the verify's log line",
                   timeout=120)
        clock.set(slot + 120_000_000)  # past any grouping window of the alerts
        posts = hook.wait(1)
        body = json.loads(posts[0]["body"])
        text = json.dumps(body)
        self.assertIn("plan bars: the vendor revised", text)
        self.assertIn("(verify of 5 task(s))", text)
        self.assertIn("revised fields: close", text)
        # The verify run re-fetched five tasks and stored nothing; the slot row is the time's, done once.
        runs = system_db(project, "SELECT plan, status, triggered_by FROM runs WHERE triggered_by = 'verify'")
        self.assertEqual(runs, [("bars", "succeeded", "verify")])
        self.assertEqual(system_db(project, "SELECT plan, slot_us, state FROM schedule_slots WHERE plan LIKE '@%'"),
                         [("@verify:bars", slot, "done")])
        self.assertEqual(project.sqlite("SELECT * FROM daily ORDER BY ts_code, trade_date"), stored)
        # /metrics counts what it found: every row of the five days was revised.
        samples, _ = parse_metrics(daemon.get("/metrics")[1])
        revised = metric(samples, "datasync_verify_rows_total", plan="bars", kind="revised")
        self.assertEqual(metric(samples, "datasync_verify_tasks_total", plan="bars"), 5)
        per_day = {d: n for d, n in project.sqlite("SELECT trade_date, count(*) FROM daily GROUP BY 1")}
        self.assertGreaterEqual(revised, 5 * min(per_day.values()))
        self.assertLessEqual(revised, 5 * max(per_day.values()))
        self.assertIn("the vendor revised %d row(s)" % revised, text)
        self.assertEqual(metric(samples, "datasync_verify_rows_total", plan="bars", kind="added"), 0)
        # Nothing more until the next night.
        clock.set(slot + 3_600_000_000)
        self.assertEqual(daemon.output().count("scheduled verify of plan bars (run"), 1)
        self.assertEqual(len(hook.posts), 1)
        self.assertEqual(daemon.stop(), 0, daemon.output())


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
