"""PostgreSQL black-holed mid-run: datasync writes to the project's PostgreSQL through a TCP proxy
(tcp_blackhole.py) that, on command, stops forwarding and keeps every socket open: no RST, no FIN, and the
proxy's kernel still acknowledges what datasync sends, so only datasync's own deadlines can notice.

- With short timeouts (io_timeout_secs 3, connect_timeout_secs 2), the run ends by itself, failed, with an
  error that names the server and the deadline, in a time the timeouts bound.
- With a long io_timeout_secs, SIGTERM still ends the process promptly (the executor interrupts the blocked
  writer), the run is paused, and once the proxy forwards again `datasync run` completes it with exactly the
  vendor's rows.

The server is the shared one from scripts/test.sh's set-up (label db); the test works in a schema named
after its pid and never stops the server."""

import datetime
import os
import signal
import sys
import time
import unittest
import urllib.parse

import dbs
import harness
from harness import E2ETestCase, sim_config, wait_until, weekdays
from tcp_blackhole import TcpBlackhole

TYPES = {"ts_code": "str", "trade_date": "date", "open": "float", "high": "float", "low": "float",
         "close": "float", "pre_close": "float", "change": "float", "pct_chg": "float", "vol": "float",
         "amount": "float"}


class BlackholeTest(E2ETestCase):
    def setUp(self):
        self.pg = dbs.Server("postgres")
        self.ns = "blackhole_%d" % os.getpid()
        self.pg.drop_namespace(self.ns)
        self.addCleanup(self.pg.drop_namespace, self.ns)
        self.proxy = TcpBlackhole(self.pg.parts["host"], self.pg.parts["port"])
        self.addCleanup(self.proxy.close)
        u = urllib.parse.urlsplit(self.pg.url)
        netloc = u.netloc.rsplit(":", 1)[0] + ":%d" % self.proxy.port
        self.proxied_url = urllib.parse.urlunsplit((u.scheme, netloc, u.path, u.query, u.fragment))
        self.sim = self.start_sim(stocks=8)
        self.days = weekdays(datetime.date(2024, 5, 6), 8)

    def start_run(self, timeouts, retry):
        project = self.new_project(self.sim, sim_config(self.sim.url, """datasets:
  daily: {source: tushare}
storages:
  pg: {kind: postgres, url: "%s", schema: %s, %s}
plans:
  bars:
    dataset: daily
    storages: [pg]
    mode: append
    concurrency: 2
    retry: %s
    params:
      trade_date: [%s]
""" % (self.proxied_url, self.ns, timeouts, retry, ", ".join('"%s"' % d for d in self.days))))
        # Four calls are answered and written; two more are held at the vendor while the proxy turns into a
        # black hole, so their writes are the first to meet it, on a connection that was healthy.
        self.sim.gate(4)
        proc = self.spawn(project, "run", "bars")
        self.sim.wait_gate(waiting=2, passed=4)
        wait_until(lambda: project.latest_run() and project.latest_run()["tasks_done"] == 4,
                   "the four answered tasks to be written")
        self.proxy.blackhole()
        self.sim.gate(None)
        return project, proc

    def expected(self):
        rows = []
        for day in self.days:
            rows += self.sim.rows("daily", {"trade_date": day})
        return dbs.normalize(rows, TYPES)

    def test_the_run_fails_with_a_clear_error_within_the_timeouts(self):
        project, proc = self.start_run(
            "io_timeout_secs: 3, statement_timeout_secs: 2, connect_timeout_secs: 2",
            "{max_attempts: 2, initial_backoff_ms: 50, max_backoff_ms: 100}")
        started = time.monotonic()
        out, err = proc.communicate(timeout=300)
        elapsed = time.monotonic() - started
        # Four tasks left, two attempts each: the first write waits 3 s for an answer, every later attempt
        # waits 2 s for a connection that never answers. Nothing else waits.
        self.assertLess(elapsed, 3 + 4 * 2 * 2 + 15, "the run took %.1f s\n%s\n%s" % (elapsed, out, err))
        self.assertEqual(proc.returncode, 1, "%s\n%s" % (out, err))
        self.assertIn("status failed", out)
        run = project.latest_run()
        self.assertEqual(run["status"], "failed")
        self.assertEqual(run["tasks_done"], 4)
        report = project.ds_json("report", str(run["id"]))
        self.assertIn("TRANSIENT", [e["kind"] for e in report["errors"]])
        where = "127.0.0.1:%d" % self.proxy.port
        log = project.log()
        # The write on the connection that was healthy waits for an answer; later attempts for a connection.
        self.assertIn("no answer from %s within 3 s (io_timeout_secs)" % where, log)
        self.assertIn("no answer from %s within 2 s (connect_timeout_secs)" % where, log)
        self.assertNotIn("synctest:synctest", log + out + err, "the password stays out of messages")
        # What was written before the black hole is there, once.
        stored = dbs.normalize(self.pg.rows(self.ns, "daily"), TYPES)
        days = {r[1] for r in stored}
        self.assertEqual(len(days), 4, "the four days written before the black hole")
        self.assertEqual(stored, [r for r in self.expected() if r[1] in days])

    def test_sigterm_ends_a_writer_blocked_in_the_black_hole_and_the_run_resumes_exactly(self):
        # The client-side deadline is long: only the interrupt can end the blocked call.
        project, proc = self.start_run(
            "io_timeout_secs: 900, statement_timeout_secs: 600, connect_timeout_secs: 300",
            "{max_attempts: 5, initial_backoff_ms: 50, max_backoff_ms: 100}")
        wait_until(lambda: self.proxy.held_bytes() > 0, "datasync to send a statement into the black hole")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=300)
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 20, "SIGTERM took %.1f s to end the process\n%s\n%s" % (elapsed, out, err))
        self.assertEqual(proc.returncode, 3, "%s\n%s" % (out, err))
        self.assertIn("status paused", out)
        self.assertIn("interrupted", project.log())
        run = project.latest_run()
        self.assertEqual(run["status"], "paused")

        self.proxy.restore()
        resumed = project.ds("run", "bars")
        self.assertIn("resuming run %d" % run["id"], resumed.stderr)
        self.assertIn("status succeeded", resumed.stdout)
        self.assertEqual(dbs.normalize(self.pg.rows(self.ns, "daily"), TYPES), self.expected())


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
