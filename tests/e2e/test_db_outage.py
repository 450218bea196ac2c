"""Outages end to end: while a run writes daily bars into PostgreSQL, MariaDB and ClickHouse at once, each
server is stopped and started again in turn. The lost connections fail their batches as TRANSIENT, the
engine retries them with backoff, the sinks reconnect, and the run completes with exactly the vendor's data
in all three stores.

The test starts its own servers (scripts/services/, a private state folder and free ports), because
stopping the shared ones would break the tests running beside it."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import dbs
import harness
from harness import Project, Sim, sim_config

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
        while True:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        return
            except FileNotFoundError:
                return
            time.sleep(0.05)

    def close(self):
        try:
            self.services("stop")
        finally:
            subprocess.run(["rm", "-rf", self.tmp], check=False)


class OutageTest(unittest.TestCase):
    def test_each_server_stops_and_returns_mid_run_and_the_data_is_exact(self):
        servers = PrivateServers()
        sim = Sim("--slow", "1", "--slow-ms", "100", stocks=10)
        project = Project(sim)
        proc = None
        try:
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
            proc = subprocess.Popen([harness.DATASYNC, "--project", project.dir, "run", "bars"], env=project.env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            pg = db["postgres"]

            def stored_rows():
                try:
                    return int(pg.sql("SELECT count(*) FROM outage.daily")[0])
                except AssertionError:
                    return 0  # not created yet, or the server is the one that is down

            # Each outage starts once the run has got that far (in rows PostgreSQL holds), so that all three land
            # mid-run. PostgreSQL and MariaDB shut down; ClickHouse crashes (SIGKILL), because its graceful
            # shutdown keeps serving busy clients for many seconds.
            for name, rows in (("pg", 300), ("maria", 900), ("clickhouse", 1500)):
                deadline = time.time() + 120
                while stored_rows() < rows and time.time() < deadline:
                    self.assertIsNone(proc.poll(), "the run ended before the %s outage" % name)
                    time.sleep(0.05)
                self.assertIsNone(proc.poll(), "the run ended before the %s outage" % name)
                if name == "clickhouse":
                    servers.crash("clickhouse")
                else:
                    servers.services("stop", name)
                time.sleep(1.0)
                servers.services("start", name)
            out, err = proc.communicate(timeout=600)
            self.assertEqual(proc.returncode, 0, "run failed:\n%s\n%s" % (out, err))

            report = project.ds_json("report", str(project.ds_json("runs")[0]["id"]))
            self.assertEqual(report["status"], "succeeded")
            self.assertGreater(report["retries"], 0)
            self.assertIn("TRANSIENT", [e["kind"] for e in report["errors"]])
            # The report keeps three examples per class; the log has every retry: each outage hit the run.
            log = harness.read_text(project.path(".datasync", "logs", "datasync.log"))
            for storage in ("pg", "my", "ch"):
                self.assertRegex(log, r"TRANSIENT: storage '%s' dataset 'daily': .*; retry" % storage)

            days = [line["cal_date"] for line in sim.rows("trade_cal", {"start_date": "20220701",
                                                                        "end_date": "20230630", "is_open": "1"})]
            sim.admin("config", {"slow": 0})
            expected = []
            for day in days:
                expected += sim.rows("daily", {"trade_date": day})
            expected = dbs.normalize(expected, TYPES)
            self.assertGreater(len(expected), 2000)
            for kind, server in db.items():
                self.assertEqual(dbs.normalize(server.rows("outage", "daily"), TYPES), expected, kind)
        finally:
            if proc and proc.poll() is None:
                proc.kill()
                proc.wait()
            project.cleanup()
            sim.stop()
            servers.close()


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
