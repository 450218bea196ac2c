"""End-to-end tests of `datasync serve` (issue 7) with the real binary against the project's simulator, on
virtual time: two daemons on one project fire a trade_cal-before-daily schedule through a week with the
National Day holidays; a daemon stopped by SIGTERM mid-run checkpoints and the next one finishes the same
run; /metrics is scraped and parsed; alerts reach a local SMTP server (STARTTLS + AUTH) and a local webhook.

Time: the simulator (--clock file:F) and datasync (DATASYNC_CLOCK_FILE=F) read one frozen file. The test moves
it only after the daemons are ready (their first scheduler tick) and only to the next fire time that
`datasync schedule next` names, once the slot before it is closed; alert windows move on once the alerts are
queued (the daemon's debug log says so). Mid-run actions happen while the simulator's gate holds the calls."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import unittest
import urllib.request

import harness
from harness import E2ETestCase, read_text, sim_config, wait_until
from receivers import SmtpReceiver, WebhookReceiver
from test_engine import expected_daily, stored_daily, weekdays

UNIT_NET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "net")
CST = 8 * 3600 * 1_000_000


def cst_us(text):
    """'2024-09-26 18:00' in Asia/Shanghai -> epoch microseconds."""
    import datetime
    t = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1_000_000 - CST


def cst_text(us):
    import datetime
    return datetime.datetime.fromtimestamp((us + CST) / 1e6, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")


class Daemon:
    """`datasync serve` on a free port; its output goes to a file in the project. Ready (its scheduler has
    ticked once, /healthz answers 200) when the constructor returns."""

    def __init__(self, test, project, name="serve", log_level="info"):
        self.project = project
        self.out_path = project.path(name + ".log")
        self.out = open(self.out_path, "a")
        info = project.path(".datasync", "serve.json")
        self.proc = subprocess.Popen(
            [harness.DATASYNC, "--project", project.dir, "--log-level", log_level, "serve", "--listen",
             "127.0.0.1:0"], env=project.env, stdout=self.out, stderr=subprocess.STDOUT)
        test.addCleanup(self.stop, signal.SIGKILL)

        def started():
            if self.proc.poll() is not None:
                raise AssertionError("datasync serve exited %s:\n%s" % (self.proc.returncode, self.output()))
            try:
                doc = json.loads(read_text(info))
            except (OSError, ValueError):
                return None
            return doc["url"] if doc.get("pid") == self.proc.pid else None
        self.url = wait_until(started, "datasync serve to write its address")
        # Not ready until the scheduler's first tick (503 "starting"): the clock moves only after it.
        status, health = self.get("/healthz")
        if status == 503:
            assert json.loads(health)["status"] == "starting", health
        self.health = wait_until(lambda: self.get("/healthz")[0] == 200 and self.get("/healthz")[1],
                                 "/healthz to answer 200")

    def output(self):
        if not self.out.closed:
            self.out.flush()
        return read_text(self.out_path)

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.out.closed:
            self.out.close()
        return self.proc.returncode


def system_db(project, sql, params=()):
    con = sqlite3.connect(project.path(".datasync", "datasync.db"), timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def next_fires(project, plans):
    """{plan: first fire time (us)} from `datasync schedule next`, on the shared virtual clock."""
    out = {}
    for p in plans:
        fires = project.ds_json("schedule", "next", p, "-n", "1")
        out[p] = fires[0]["at_us"]
    return out


def slots_closed(project, plans, slot_us):
    """True when each plan has a finished slot at slot_us and every slot up to it is closed."""
    rows = system_db(project, "SELECT plan, state FROM schedule_slots WHERE slot_us = ?", (slot_us,))
    states = dict(rows)
    if any(states.get(p) not in ("done", "missed") for p in plans):
        return False
    return not system_db(project, "SELECT 1 FROM schedule_slots WHERE slot_us <= ? AND state IN "
                                  "('pending', 'held', 'started') AND plan NOT LIKE '@%'", (slot_us,))


def parse_metrics(text):
    """Prometheus text -> ({(name, frozenset(labels)): value}, {name: type}); checks the syntax as it goes."""
    samples, types = {}, {}
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        m = line_re.match(line)
        assert m, "not a sample line: %r" % line
        labels = {}
        if m.group(3):
            rest = m.group(3)
            for lm in label_re.finditer(rest):
                labels[lm.group(1)] = lm.group(2)
            assert "".join(x.group(0) for x in label_re.finditer(rest)) == rest, "bad labels: %r" % line
        samples[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return samples, types


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


class ScheduleTest(E2ETestCase):
    def test_two_daemons_run_trade_cal_then_daily_on_each_trading_day_of_a_holiday_week(self):
        clock = self.virtual_clock(cst_us("2024-09-26 18:00"))
        sim = self.start_sim("--clock", "file:" + clock.path, stocks=20)
        project = self.new_project(sim, sim_config(sim.url, """datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
plans:
  trade_cal:
    dataset: trade_cal
    storages: [db]
    params: {exchange: SSE, start_date: "20240901", end_date: "20241031"}
    schedule: "30 17 * * MON-FRI"
  daily:
    dataset: daily
    storages: [db]
    depends_on: [trade_cal]
    params:
      trade_date: {dates: {start: today, end: today}}
    schedule: {cron: "30 17 * * *", calendar: trade_cal, exchange: SSE}
"""))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        # Before any calendar is synced, fire times are weekdays marked as assumed.
        first = project.ds_json("schedule", "next", "daily", "-n", "3")
        self.assertEqual([cst_text(f["at_us"]) for f in first],
                         ["2024-09-27 17:30", "2024-09-30 17:30", "2024-10-01 17:30"])
        self.assertTrue(all(f["assumed_open"] for f in first))
        daemons = [Daemon(self, project, "serve-a"), Daemon(self, project, "serve-b")]
        end = cst_us("2024-10-08 18:00")
        steps = 0
        while True:
            fires = next_fires(project, ["trade_cal", "daily"])
            at = min(fires.values())
            if at > end:
                break
            due = [p for p, t in fires.items() if t == at]
            clock.set(at + 1_000_000)
            wait_until(lambda: slots_closed(project, due, at), "the slots of " + cst_text(at))
            steps += 1
            if cst_text(at) == "2024-09-30 17:30":
                # The calendar is synced now: the holidays are known, nothing is assumed.
                later = project.ds_json("schedule", "next", "daily", "-n", "2")
                self.assertEqual([(cst_text(f["at_us"]), f["assumed_open"]) for f in later],
                                 [("2024-10-08 17:30", False), ("2024-10-09 17:30", False)])
        slots = system_db(project, "SELECT plan, slot_us, state, run_id FROM schedule_slots ORDER BY slot_us, plan")
        by_plan = {}
        for plan, slot_us, state, run_id in slots:
            by_plan.setdefault(plan, []).append((cst_text(slot_us), state))
        self.assertEqual(by_plan["trade_cal"], [(d + " 17:30", "done") for d in
                                                ["2024-09-27", "2024-09-30", "2024-10-01", "2024-10-02",
                                                 "2024-10-03", "2024-10-04", "2024-10-07", "2024-10-08"]])
        self.assertEqual(by_plan["daily"], [(d + " 17:30", "done") for d in
                                            ["2024-09-27", "2024-09-30", "2024-10-08"]])
        self.assertEqual(steps, 8)
        # One run per slot whichever daemon fired it; scheduled runs say so and name their slot.
        runs = system_db(project, "SELECT plan, slot_us, status, triggered_by FROM runs ORDER BY id")
        self.assertEqual(len(runs), len(slots))
        self.assertEqual(len({(p, s) for p, s, _, _ in runs}), len(runs))
        self.assertTrue(all(st == "succeeded" and trig == "schedule" for _, _, st, trig in runs), runs)
        # trade_cal ran before daily in each shared slot.
        order = system_db(project, "SELECT plan, slot_us, started_at_us, finished_at_us FROM runs")
        times = {(p, s): (b, e) for p, s, b, e in order}
        for (plan, slot), (begin, _) in times.items():
            if plan == "daily":
                self.assertGreaterEqual(begin, times[("trade_cal", slot)][1])
        # The data: exactly the open days' bars, as the simulator serves them.
        open_days = [r["cal_date"] for r in sim.rows("trade_cal", {"start_date": "20240927", "end_date": "20241008",
                                                                     "is_open": "1"})]
        self.assertEqual(sorted(open_days), ["20240927", "20240930", "20241008"])
        self.assertEqual(stored_daily(project), expected_daily(sim, open_days))
        fired_by = {o for (o,) in system_db(project, "SELECT DISTINCT owner FROM schedule_slots")}
        self.assertLessEqual(len(fired_by), 2)
        for d in daemons:
            self.assertEqual(d.stop(), 0, d.output())

class ShutdownTest(E2ETestCase):
    def test_sigterm_mid_run_checkpoints_and_the_next_daemon_finishes_the_same_run(self):
        clock = self.virtual_clock(cst_us("2024-06-03 17:00"))
        sim = self.start_sim("--clock", "file:" + clock.path, "--slow", "1.0", "--slow-ms", "150", stocks=20)
        days = weekdays("20240102", 40)
        project = self.new_project(sim, sim_config(sim.url, """datasets:
  daily: {source: tushare}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
plans:
  bars:
    dataset: daily
    storages: [db]
    concurrency: 2
    params:
      trade_date: [%s]
    schedule: "30 17 * * *"
serve:
  shutdown_timeout_secs: 30
""" % ", ".join('"%s"' % d for d in days)))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        first = Daemon(self, project, "serve-1")
        self.assertEqual(json.loads(first.health)["status"], "ok", first.health)
        # Six calls answered (each after the simulator's 150 ms), two more held in flight.
        sim.gate(6)
        slot = cst_us("2024-06-03 17:30")
        clock.set(slot + 1_000_000)
        run_id = wait_until(lambda: system_db(project, "SELECT id FROM runs WHERE slot_us = ? AND tasks_total > 0",
                                              (slot,)), "the slot's run")[0][0]

        def tasks_done():
            return system_db(project, "SELECT count(*) FROM tasks WHERE run_id = ? AND state = 'done'",
                             (run_id,))[0][0]
        sim.wait_gate(waiting=2, passed=6)
        wait_until(lambda: tasks_done() == 6, "the six answered tasks to be done")
        # Mid-run: the metrics show the work in progress.
        samples, types = parse_metrics(first.get("/metrics")[1])
        self.assertEqual(types["datasync_request_duration_seconds"], "histogram")
        self.assertEqual(metric(samples, "datasync_requests_total", plan="bars", outcome="ok"), 6)
        self.assertEqual(metric(samples, "datasync_runs_active"), 1)
        self.assertEqual(metric(samples, "datasync_schedule_slots", state="started"), 1)

        # SIGTERM with two calls in flight: once the daemon says it is shutting down no new call starts; the
        # two held ones finish and are written, then it exits.
        first.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: "shutting down" in first.output(), "the daemon to start shutting down")
        sim.gate(2)
        self.assertEqual(first.stop(signal.SIGTERM), 0, first.output())
        self.assertRegex(read_text(project.path(".datasync", "logs", "datasync.log")).rstrip("\n").splitlines()[-1],
                         r"\[info\] \[pid %d\] datasync serve \S+ stopped$" % first.proc.pid,
                         "the log ends with the orderly shutdown line")
        self.assertEqual(sim.gate_state()["passed"], 2, "no call started after the shutdown began")
        status = system_db(project, "SELECT status FROM runs WHERE id = ?", (run_id,))[0][0]
        done_at_stop = tasks_done()
        self.assertEqual(status, "paused")
        self.assertEqual(done_at_stop, 8, "the 6 answered calls and the 2 in flight")
        self.assertEqual(system_db(project, "SELECT count(*) FROM tasks WHERE run_id = ? AND state = 'running'",
                                   (run_id,))[0][0], 0, "tasks in flight finished before the exit")
        self.assertEqual(system_db(project, "SELECT state, owner FROM schedule_slots WHERE plan = 'bars'"),
                         [("started", "")], "the slot was released for the next daemon")

        sim.gate(None)
        second = Daemon(self, project, "serve-2")
        wait_until(lambda: system_db(project, "SELECT 1 FROM runs WHERE id = ? AND status = 'succeeded'", (run_id,)),
                   "the run to finish")
        wait_until(lambda: system_db(project, "SELECT 1 FROM schedule_slots WHERE plan = 'bars' AND state = 'done'"),
                   "the slot to close")
        self.assertEqual(system_db(project, "SELECT count(*) FROM runs"), [(1,)], "the same run was continued")
        self.assertEqual(stored_daily(project), expected_daily(sim, days))
        stats = sim.admin("stats")["by_token"][harness.TOKEN]["daily"]
        self.assertEqual(stats["accepted"], 40, "no task was fetched twice")

        samples, types = parse_metrics(second.get("/metrics")[1])
        for name, kind in [("datasync_runs_total", "counter"), ("datasync_requests_total", "counter"),
                           ("datasync_rows_total", "counter"), ("datasync_bytes_total", "counter"),
                           ("datasync_errors_total", "counter"), ("datasync_quota_used", "gauge"),
                           ("datasync_fetch_queue_depth", "gauge"), ("datasync_sink_queue_depth", "gauge"),
                           ("datasync_schedule_slots", "gauge"), ("datasync_up", "gauge")]:
            self.assertEqual(types.get(name), kind, name)
        self.assertEqual(metric(samples, "datasync_up"), 1)
        self.assertEqual(metric(samples, "datasync_runs_total", plan="bars", status="succeeded"), 1)
        self.assertEqual(metric(samples, "datasync_tasks_total", plan="bars", outcome="done"), 40)
        remaining = 40 - done_at_stop
        requests = sum(v for (n, l), v in samples.items() if n == "datasync_requests_total")
        self.assertEqual(requests, remaining)
        # The histogram: cumulative buckets, +Inf equal to the count, the count equal to the requests.
        buckets = sorted(((float(dict(l)["le"]), v) for (n, l), v in samples.items()
                          if n == "datasync_request_duration_seconds_bucket"), key=lambda x: x[0])
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts))
        self.assertEqual(buckets[-1], (float("inf"), requests))
        self.assertEqual(metric(samples, "datasync_request_duration_seconds_count", plan="bars"), requests)
        self.assertGreaterEqual(metric(samples, "datasync_request_duration_seconds_sum", plan="bars"),
                                0.15 * requests * 0.9, "each call took the simulator's 150 ms")
        self.assertEqual(metric(samples, "datasync_request_duration_seconds_bucket", plan="bars", le="0.1"), 0)
        # Rows count in the process that wrote them: this one wrote the rest of the run, not all of it.
        rows_of_run = system_db(project, "SELECT sum(rows) FROM tasks WHERE run_id = ? AND state = 'done'",
                                (run_id,))[0][0]
        self.assertGreater(metric(samples, "datasync_rows_total", plan="bars"), 0)
        self.assertLess(metric(samples, "datasync_rows_total", plan="bars"), rows_of_run)
        self.assertEqual(metric(samples, "datasync_fetch_queue_depth", plan="bars"), 0)
        self.assertEqual(metric(samples, "datasync_tasks_in_flight", plan="bars"), 0)
        self.assertEqual(metric(samples, "datasync_call_concurrency_limit", plan="bars"), 0)
        self.assertEqual(metric(samples, "datasync_quota_used", quota="tushare/daily", window="day"), 40)
        self.assertEqual(metric(samples, "datasync_schedule_slots", state="started"), 0)
        # The docs list every metric family, and the Grafana dashboard queries only ones that exist.
        docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")
        documented = set(re.findall(r"`(datasync_[a-z_]+)`", read_text(os.path.join(docs, "serve.md"))))
        self.assertEqual(set(types) - documented, set())
        dashboard = json.loads(read_text(os.path.join(docs, "grafana-dashboard.json")))
        queried = {re.sub(r"_(bucket|sum|count)$", "", m) for p in dashboard["panels"] for t in p["targets"]
                   for m in re.findall(r"datasync_[a-z_]+", t["expr"])}
        self.assertEqual(queried - set(types), set())
        self.assertEqual(second.stop(), 0, second.output())


class ShutdownOrderTest(E2ETestCase):
    def test_sigterm_past_the_deadline_with_a_run_still_logging_tears_logging_down_last(self):
        clock = self.virtual_clock(cst_us("2024-06-03 17:00"))
        # Every call fails with a gateway error, so the run logs a retry line as each call returns.
        sim = self.start_sim("--clock", "file:" + clock.path, "--fail-5xx", "1.0", stocks=10)
        days = weekdays("20240102", 6)
        project = self.new_project(sim, sim_config(sim.url, """datasets:
  daily: {source: tushare}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
plans:
  bars:
    dataset: daily
    storages: [db]
    concurrency: 2
    params:
      trade_date: [%s]
    schedule: "30 17 * * *"
serve:
  shutdown_timeout_secs: 1
""" % ", ".join('"%s"' % d for d in days)))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        # The race made wide (test builds' delay points): the run's retry lines ("task N ...") wait 3 s inside
        # the logger, so the shutdown deadline passes while one is being written, and the process waits 3 s
        # after tearing logging down before it exits, time for that line to reach the logger.
        project.env["DATASYNC_DELAY_AT"] = "log:task =3000,serve-exit=3000"
        daemon = Daemon(self, project)
        sim.gate(0)
        clock.set(cst_us("2024-06-03 17:30") + 1_000_000)
        sim.wait_gate(waiting=2, passed=0)
        daemon.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: "shutting down" in daemon.output(), "the daemon to start shutting down")
        # The two calls held return now (failed); the run logs their retries while the deadline passes.
        sim.gate(None)
        code = daemon.stop(signal.SIGTERM, timeout=120)
        output = daemon.output()
        for report in ("AddressSanitizer", "runtime error", "terminate called", "bad_function_call"):
            self.assertNotIn(report, output)
        self.assertEqual(code, 3, output)
        lines = [l for l in read_text(project.path(".datasync", "logs", "datasync.log")).splitlines() if l]
        self.assertIn("shutdown deadline passed", "\n".join(lines))
        self.assertRegex(lines[-1], r"\[info\] \[pid \d+\] datasync serve \S+ stopped with runs still in flight",
                         "the log ends with the shutdown line")
        # The retry line being written when logging was torn down was written, before the last one.
        self.assertTrue(any("] task " in l for l in lines[:-1]), lines[-5:])


class AlertTest(E2ETestCase):
    def test_failures_deferral_drift_lateness_and_the_daily_summary_reach_mail_and_a_webhook_once_per_storm(self):
        clock = self.virtual_clock(cst_us("2024-06-03 17:00"))
        # adj_factor is refused (a permission error); daily has gained a field (schema drift); daily_basic allows
        # one call a day (the second defers its run to the vendor's midnight).
        sim = self.start_sim("--clock", "file:" + clock.path, "--no-permission", "adj_factor", "--schema-change",
                             "--api-limit", "daily_basic:day=1", stocks=20)
        smtp = SmtpReceiver(cert=os.path.join(UNIT_NET, "test_server_cert.pem"),
                            key=os.path.join(UNIT_NET, "test_server_key.pem"),
                            user="alerts", password="smtp-pass-5c1e", require_tls=True)
        self.addCleanup(smtp.stop)
        hook = WebhookReceiver()
        self.addCleanup(hook.stop)
        plans = "".join("""  bars%d:
    dataset: adj_factor
    storages: [db]
    params: {trade_date: "20240531"}
    schedule: {cron: "30 17 * * *", deadline: "18:00"}
""" % i for i in range(1, 4)) + """  prices:
    dataset: daily
    storages: [db]
    params: {trade_date: "20240531"}
    schedule: "30 17 * * *"
  basics:
    dataset: daily_basic
    storages: [db]
    concurrency: 1
    params: {trade_date: ["20240530", "20240531"]}
    schedule: "30 17 * * *"
"""
        project = self.new_project(sim, sim_config(sim.url, """project: {name: alerts-e2e}
datasets:
  adj_factor: {source: tushare}
  daily: {source: tushare}
  daily_basic: {source: tushare}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
plans:
%s
alerts:
  group_secs: 30
  channels:
    ops_mail:
      type: email
      smtp_url: smtp://127.0.0.1:%d
      require_tls: true
      ca_file: %s
      username: alerts
      password: ${E2E_SMTP_PASSWORD}
      from: datasync <datasync@example.com>
      to: [ops@example.com, desk@example.com]
    ding:
      type: webhook
      format: dingtalk
      url: ${E2E_HOOK_URL}
  rules:
    - {events: [run_failed, run_deferred, permission, plan_late, schema_drift], channels: [ops_mail, ding]}
  daily_summary: {at: "18:30", timezone: Asia/Shanghai, channels: [ding]}
""" % (plans, smtp.port, os.path.join(UNIT_NET, "test_server_cert.pem"))))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        project.env["E2E_SMTP_PASSWORD"] = "smtp-pass-5c1e"
        project.env["E2E_HOOK_URL"] = hook.url + "?access_token=hook-token-77ab31"
        daemon = Daemon(self, project, log_level="debug")

        def queued():
            return daemon.output().count(" queued for [")
        slot = cst_us("2024-06-03 17:30")
        clock.set(slot + 1_000_000)
        wait_until(lambda: len(system_db(project, "SELECT 1 FROM schedule_slots WHERE state = 'done'")) == 4 and
                 system_db(project, "SELECT 1 FROM runs WHERE plan = 'basics' AND status = 'deferred'"),
                 "the five runs")
        self.assertEqual(system_db(project, "SELECT plan, status FROM runs ORDER BY plan"),
                         [("bars1", "failed"), ("bars2", "failed"), ("bars3", "failed"), ("basics", "deferred"),
                          ("prices", "succeeded")])
        # Every alert of the storm is queued (3 permission, 3 run_failed, 1 run_deferred, 1 schema_drift)
        # before the clock passes the 30 s grouping window.
        wait_until(lambda: queued() == 8, "the storm's eight alerts to be queued")
        clock.set(slot + 40_000_000)
        mails = smtp.wait(1)
        posts = hook.wait(1)
        mail = mails[0]
        self.assertTrue(mail["tls"], "STARTTLS was used")
        self.assertEqual(mail["user"], "alerts")
        self.assertEqual(sorted(mail["to"]), ["<desk@example.com>", "<ops@example.com>"])
        msg = mail["message"]
        storm = "8 alerts: 3 permission, 1 run_deferred, 3 run_failed, 1 schema_drift"
        self.assertEqual(msg["Subject"], "[datasync alerts-e2e] " + storm)
        body = msg.get_content()
        for i in range(1, 4):
            self.assertIn("of plan bars%d failed" % i, body)
            self.assertIn("plan bars%d: the vendor refused the credential or the API" % i, body)
        self.assertIn("PERMISSION", body)
        self.assertIn("of plan basics deferred by the vendor's quota until 2024-06-03 16:00:00 UTC", body)
        self.assertIn("plan prices: schema drift: the vendor returned field 'vwap' that dataset 'daily' does not "
                      "have", body)
        post = json.loads(posts[0]["body"])
        self.assertEqual(post["msgtype"], "text")
        self.assertTrue(post["text"]["content"].startswith(storm + "\n"))
        self.assertIn("access_token=hook-token-77ab31", posts[0]["path"])

        # 18:00: no plan succeeded by its deadline -> three "late" alerts, one message per channel.
        clock.set(cst_us("2024-06-03 18:00") + 1_000_000)
        wait_until(lambda: system_db(project, "SELECT count(*) FROM schedule_slots WHERE late_notified = 1")[0][0]
                   == 3 and queued() == 11, "the three late alerts to be queued")
        clock.set(cst_us("2024-06-03 18:00") + 40_000_000)
        mails = smtp.wait(2)
        # One message per channel for the storm: the next one is already the lateness.
        self.assertEqual(mails[1]["message"]["Subject"], "[datasync alerts-e2e] 3 alerts: 3 plan_late")
        self.assertIn("no successful run by the deadline 18:00", mails[1]["message"].get_content())
        posts = hook.wait(2)
        self.assertTrue(json.loads(posts[1]["body"])["text"]["content"].startswith("3 alerts: 3 plan_late"))

        # 18:30: the daily summary goes to the webhook.
        clock.set(cst_us("2024-06-03 18:30") + 1_000_000)
        wait_until(lambda: queued() == 12, "the daily summary to be queued")
        clock.set(cst_us("2024-06-03 18:30") + 40_000_000)
        posts = hook.wait(3)
        summary = json.loads(posts[2]["body"])["text"]["content"]
        self.assertTrue(summary.startswith("daily summary 2024-06-03: 5 run(s), 3 failed"), summary)
        self.assertIn("Runs created on 2024-06-03 (Asia/Shanghai): 5 (1 deferred, 3 failed, 1 succeeded)", summary)
        self.assertIn("of plan basics: deferred", summary)
        self.assertEqual(len(smtp.messages), 2, "the summary goes only to its own channels")
        self.assertEqual(len(hook.posts), 3)
        summary_cli = project.ds_json("summary", "2024-06-03", "--timezone", "Asia/Shanghai")
        self.assertEqual(summary_cli["runs_by_status"], {"deferred": 1, "failed": 3, "succeeded": 1})

        self.assertEqual(daemon.stop(), 0, daemon.output())
        # Secrets never reach a log.
        logs = daemon.output() + read_text(project.path(".datasync", "logs", "datasync.log"))
        self.assertNotIn("smtp-pass-5c1e", logs)
        self.assertNotIn("hook-token-77ab31", logs)
        self.assertIn("alert channel 'ops_mail': sent \"%s\"" % storm, logs)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
