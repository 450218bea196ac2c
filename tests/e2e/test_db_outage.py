"""Outages end to end: while a run writes daily bars into PostgreSQL, MariaDB and ClickHouse at once, each
server is stopped and started again in turn. The lost connections fail their batches as TRANSIENT, the
engine retries them with backoff, the sinks reconnect, and the run completes with exactly the vendor's data
in all three stores.

The test starts its own servers (scripts/services/, a private state folder and free ports), because
stopping the shared ones would break the tests running beside it."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import unittest

import dbs
import harness
from harness import E2ETestCase, sim_config, wait_until

SERVICES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "services", "services.sh")
DAILY = ["ts_code", "trade_date", "open", "high", "low", "close", "pre_close", "change", "pct_chg", "vol", "amount"]
TYPES = {f: "str" if f == "ts_code" else "date" if f == "trade_date" else "float" for f in DAILY}


class PrivateServers:
    """PostgreSQL, MariaDB and ClickHouse under a fresh state folder, on ports that services.sh picks (it
    retries when another process takes one first) and keeps when a server is started again."""

    def __init__(self):
        # The server users must be able to traverse the folder (../shared/notes/environment.md §2).
        self.tmp = tempfile.mkdtemp(prefix="ds-outage-")
        os.chmod(self.tmp, 0o755)
        self.base = os.path.join(self.tmp, "state")
        # No PG_PORT & co. from the caller's shell: services.sh picks every port.
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("PG_PORT", "MARIA_PORT", "CH_HTTP_PORT", "CH_TCP_PORT", "SERVICES_TEST_FIRST_PORT")}
        self.env["BASE"] = self.base
        try:
            self.services("start")
        except BaseException:
            self.close()
            raise
        self.started_ports = ports = self.ports()
        self.urls = {
            "postgres": "postgres://synctest:synctest@127.0.0.1:%s/synctest" % ports["PG_PORT"],
            "mysql": "mysql://synctest:synctest@127.0.0.1:%s/synctest" % ports["MARIA_PORT"],
            "clickhouse": "clickhouse://synctest:synctest@127.0.0.1:%s/synctest" % ports["CH_HTTP_PORT"],
        }

    def ports(self):
        """{PG_PORT: .., MARIA_PORT: .., CH_HTTP_PORT: .., CH_TCP_PORT: ..} as services.sh recorded them."""
        with open(os.path.join(self.base, "ports.env")) as f:
            return dict(line.strip().split("=", 1) for line in f if "=" in line)

    def services(self, command, *names):
        proc = subprocess.run(["bash", SERVICES, command, *names], env=self.env, capture_output=True, text=True,
                              timeout=300)
        if proc.returncode != 0:
            raise AssertionError("services.sh %s %s failed:\n%s%s" % (command, " ".join(names), proc.stdout,
                                                                     proc.stderr))
        # A server started again must come back on its port: the running datasync reconnects to its URL.
        if command == "start" and hasattr(self, "started_ports") and self.ports() != self.started_ports:
            raise AssertionError("services.sh start %s moved a server: ports %s, before %s" % (
                " ".join(names), self.ports(), self.started_ports))

    def crash(self, name):
        """Kills the server's process outright (it started it, so it knows the pid)."""
        with open(os.path.join(self.base, name, name + ".pid")) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGKILL)
        # Gone, or a zombie that init has not reaped yet (which can take seconds).
        wait_until(lambda: not harness.alive(pid), "%s (pid %d) to die" % (name, pid))

    def close(self):
        try:
            self.services("stop")
        finally:
            subprocess.run(["rm", "-rf", self.tmp], check=False)


class OutageTest(E2ETestCase):
    def test_each_server_stops_and_returns_mid_run_and_the_data_is_exact(self):
        servers = PrivateServers()
        self.addCleanup(servers.close)
        sim = self.start_sim(stocks=10)
        project = self.new_project(sim)
        db = {k: dbs.Server(k, url) for k, url in servers.urls.items()}
        storages = "".join("  %s: %s\n" % (name, db[kind].storage_yaml("outage"))
                           for name, kind in (("pg", "postgres"), ("my", "mysql"), ("ch", "clickhouse")))
        project.write_config(sim_config(sim.url, """datasets:
  daily: {source: tushare}
storages:
%splans:
  bars:
    dataset: daily
    storages: [pg, my, ch]
    concurrency: 2
    retry: {max_attempts: 40, initial_backoff_ms: 100, max_backoff_ms: 800}
    params:
      trade_date: {dates: {start: "20220701", end: "20230630", weekdays_only: true}}
""" % storages))
        log_path = project.path(".datasync", "logs", "datasync.log")

        def failed_writes(storage):
            if not os.path.exists(log_path):
                return 0
            return len(re.findall(r"TRANSIENT: storage '%s' dataset 'daily': .*; retry" % storage,
                                  harness.read_text(log_path)))

        # The vendor answers 20 calls, then holds the next ones: the run is mid-way when each outage starts.
        sim.gate(20)
        proc = self.spawn(project, "run", "bars")
        # PostgreSQL and MariaDB shut down; ClickHouse crashes (SIGKILL), because its graceful shutdown keeps
        # serving busy clients for many seconds.
        for name, storage in (("pg", "pg"), ("maria", "my"), ("clickhouse", "ch")):
            sim.wait_gate(waiting=2)
            self.assertIsNone(proc.poll(), "the run ended before the %s outage" % name)
            before = failed_writes(storage)
            if name == "clickhouse":
                servers.crash("clickhouse")
            else:
                servers.services("stop", name)
            # Ten more answers: their writes find the server gone, are failed TRANSIENT and retried.
            sim.gate(10)
            wait_until(lambda: failed_writes(storage) > before, "a write to %s to fail during its outage" % storage)
            servers.services("start", name)
        sim.gate(None)
        out, err = proc.communicate(timeout=600)
        self.assertEqual(proc.returncode, 0, "run failed:\n%s\n%s" % (out, err))

        report = project.ds_json("report", str(project.ds_json("runs")[0]["id"]))
        self.assertEqual(report["status"], "succeeded")
        self.assertGreater(report["retries"], 0)
        self.assertIn("TRANSIENT", [e["kind"] for e in report["errors"]])
        for storage in ("pg", "my", "ch"):
            self.assertGreater(failed_writes(storage), 0, storage)

        days = [line["cal_date"] for line in sim.rows("trade_cal", {"start_date": "20220701",
                                                                    "end_date": "20230630", "is_open": "1"})]
        expected = []
        for day in days:
            expected += sim.rows("daily", {"trade_date": day})
        expected = dbs.normalize(expected, TYPES)
        self.assertGreater(len(expected), 2000)
        for kind, server in db.items():
            self.assertEqual(dbs.normalize(server.rows("outage", "daily"), TYPES), expected, kind)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
