"""End-to-end tests of the bounds of `datasync serve`'s HTTP server (issue 17, defect 5), against the real
daemon with its default `serve.http` limits: a huge body is refused from its headers without being read; a
flood of connections that send half a header (slowloris) neither takes the process's file descriptors nor
stops /healthz and /metrics for longer than the request timeout, and a run of the daemon still completes
while it goes on; a client trickling a header byte by byte is cut at the request deadline."""

import json
import os
import select
import signal
import socket
import sys
import threading
import time
import unittest
import urllib.parse

import harness
from harness import E2ETestCase, sim_config, wait_until
from test_engine import expected_daily, stored_daily, weekdays
from test_serve import Daemon, cst_us, system_db

# The defaults of serve.http (docs/configuration.md): what the test leans on.
MAX_CONNECTIONS = 64
REQUEST_TIMEOUT_SECS = 10


def host_port(url):
    u = urllib.parse.urlparse(url)
    return u.hostname, u.port


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class HttpLimitsTest(E2ETestCase):
    def test_a_64_mib_body_to_an_unknown_path_is_refused_from_its_headers_without_being_read(self):
        sim = self.start_sim(stocks=5)
        project = self.new_project(sim, sim_config(sim.url, "datasets:\n  daily: {source: tushare}\n"))
        daemon = Daemon(self, project)
        total = 64 * 1024 * 1024
        s = socket.create_connection(host_port(daemon.url), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"POST /no/such/path HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\n\r\n" % total)
        chunk = b"x" * (256 * 1024)
        sent, answer, reset = 0, b"", False
        started = time.monotonic()
        s.setblocking(False)
        # Send the body while watching for the answer; a server that reads it all lets every byte through.
        while sent < total and time.monotonic() - started < 30:
            readable, writable, _ = select.select([s], [s], [], 1.0)
            try:
                if readable:
                    data = s.recv(65536)
                    if not data:
                        break
                    answer += data
                    if b"\r\n\r\n" in answer:
                        break
                if writable:
                    sent += s.send(chunk[:min(len(chunk), total - sent)])
            except (BrokenPipeError, ConnectionResetError):
                reset = True
                break
        elapsed = time.monotonic() - started
        if not reset and b"\r\n\r\n" not in answer:
            s.setblocking(True)
            s.settimeout(10)
            try:
                while b"\r\n\r\n" not in answer:
                    data = s.recv(65536)
                    if not data:
                        break
                    answer += data
            except (ConnectionResetError, socket.timeout):
                reset = True
        status = answer.split(b"\r\n", 1)[0]
        self.assertTrue(status.startswith(b"HTTP/1.1 413") or (reset and not answer),
                        "answer %r, reset %s, %d bytes sent" % (answer[:200], reset, sent))
        # Loopback socket buffers hold a few MiB; the rest was never taken from the client.
        self.assertLess(sent, total // 4, "the server read the body (%d of %d bytes went through)" % (sent, total))
        self.assertLess(elapsed, 10)
        self.assertEqual(daemon.get("/healthz")[0], 200)
        self.assertEqual(daemon.stop(), 0, daemon.output())

    def test_a_connection_flood_keeps_fds_bounded_and_health_metrics_and_runs_working(self):
        clock = self.virtual_clock(cst_us("2024-06-03 17:00"))
        sim = self.start_sim("--clock", "file:" + clock.path, stocks=10)
        days = weekdays("20240102", 5)
        project = self.new_project(sim, sim_config(sim.url, """datasets:
  daily: {source: tushare}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
plans:
  bars:
    dataset: daily
    storages: [db]
    params:
      trade_date: [%s]
    schedule: "30 17 * * *"
""" % ", ".join('"%s"' % d for d in days)))
        project.env["DATASYNC_CLOCK_FILE"] = clock.path
        daemon = Daemon(self, project)
        pid = daemon.proc.pid
        baseline = open_fds(pid)
        address = host_port(daemon.url)

        # A trickle: one header byte every 0.3 s, a request that never ends.
        trickle = socket.create_connection(address, timeout=10)
        self.addCleanup(trickle.close)
        trickle_closed_after = []

        def drip():
            begin = time.monotonic()
            trickle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            try:
                while time.monotonic() - begin < 3 * REQUEST_TIMEOUT_SECS:
                    trickle.sendall(b"X-Slow: a\r\n")
                    r, _, _ = select.select([trickle], [], [], 0.3)
                    if r and not trickle.recv(4096):
                        break
            except OSError:
                pass
            trickle_closed_after.append(time.monotonic() - begin)
        dripper = threading.Thread(target=drip, daemon=True)
        dripper.start()

        # The flood: connections far beyond the cap, each sending half a header and then nothing.
        flood = []
        for _ in range(MAX_CONNECTIONS * 3):
            try:
                c = socket.create_connection(address, timeout=10)
                c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Half: ")
            except OSError:
                continue  # refused by then: fine
            flood.append(c)
            self.addCleanup(c.close)
        self.assertGreater(len(flood), MAX_CONNECTIONS * 2)
        peak = max(open_fds(pid) for _ in range(20))
        self.assertLessEqual(peak - baseline, MAX_CONNECTIONS + 8,
                             "the daemon holds %d more descriptors during the flood" % (peak - baseline))

        # A run of the daemon goes on meanwhile.
        clock.set(cst_us("2024-06-03 17:30") + 1_000_000)
        # Once the connections held have passed their request deadline, the endpoint answers again.
        health = wait_until(lambda: daemon.get("/healthz")[0] == 200 and daemon.get("/healthz")[1],
                            "/healthz to answer during the flood", timeout=REQUEST_TIMEOUT_SECS + 15)
        self.assertEqual(json.loads(health)["status"], "ok")
        status, metrics = daemon.get("/metrics")
        self.assertEqual(status, 200)
        self.assertIn("datasync_up 1", metrics)
        wait_until(lambda: system_db(project, "SELECT 1 FROM runs WHERE plan = 'bars' AND status = 'succeeded'"),
                   "the run to succeed during the flood", timeout=60)
        self.assertEqual(stored_daily(project), expected_daily(sim, days))
        dripper.join(4 * REQUEST_TIMEOUT_SECS)
        self.assertTrue(trickle_closed_after, "the trickling client is still connected")
        self.assertLess(trickle_closed_after[0], REQUEST_TIMEOUT_SECS + 5,
                        "a request trickling in byte by byte is cut at the request deadline")
        self.assertLessEqual(open_fds(pid) - baseline, MAX_CONNECTIONS + 8)
        self.assertIn("connection(s) refused", daemon.output() + harness.read_text(
            project.path(".datasync", "logs", "datasync.log")))
        self.assertEqual(daemon.stop(signal.SIGTERM), 0, daemon.output())


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
