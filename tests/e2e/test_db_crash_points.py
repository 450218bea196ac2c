"""Crash points end to end: one plan writes daily bars to every storage kind at once (SQLite, CSV, JSON Lines,
JSON, Parquet, xlsx, PostgreSQL, MariaDB, ClickHouse). The process dies by SIGKILL at a named place
(DATASYNC_CRASH_AT, src/core/crash_point.hpp): after a sink's write, after a sink's commit, after one sink
committed a task that another has not, after every commit and before the ack, in the middle of a file
rename, and in the middle of a replace run's publish. The next `datasync run` resumes the same run, and every
storage then holds exactly the vendor's rows, no gap and no duplicate, read back by readers that share no
code with datasync (tests/e2e/dbs.py).

Each scenario syncs a window of days overlapping the previous one, so a crash meets both units written
before and units new to the storage. The servers come from scripts/test.sh's set-up (label db)."""

import datetime
import os
import sys
import unittest

import dbs
import harness
from harness import E2ETestCase, sim_config, weekdays

DB_KINDS = ["postgres", "mysql", "clickhouse"]
# storage name -> kind; the file storages live under data/<name>
STORAGES = {"lite": "sqlite", "csv": "csv", "jsonl": "jsonl", "json": "json", "pq": "parquet", "xl": "xlsx",
            "pg": "postgres", "my": "mysql", "ch": "clickhouse"}
FILES = ["csv", "jsonl", "json", "pq", "xl"]
TYPES = {"ts_code": "str", "trade_date": "date", "open": "float", "high": "float", "low": "float",
         "close": "float", "pre_close": "float", "change": "float", "pct_chg": "float", "vol": "float",
         "amount": "float"}


class CrashPoints:
    """Mixed into each test class (an E2ETestCase): one project with all nine storages; crash_and_resume()
    runs one scenario."""

    mode = "append"

    def setUp(self):
        self.ns = "crash_%s_%d" % (type(self).__name__.lower(), os.getpid())
        self.servers = {k: dbs.Server(k) for k in DB_KINDS}
        for server in self.servers.values():
            server.drop_namespace(self.ns)
            self.addCleanup(server.drop_namespace, self.ns)
        self.sim = self.start_sim(stocks=12)
        self.project = self.new_project(self.sim)
        self.scenario = 0
        self.expected_days = set()

    def config(self, days):
        storages = ""
        for name, kind in STORAGES.items():
            if kind == "sqlite":
                storages += "  lite: {kind: sqlite, path: data/warehouse.db}\n"
            elif kind in ("postgres", "mysql", "clickhouse"):
                storages += "  %s: %s\n" % (name, self.servers[kind].storage_yaml(self.ns))
            else:
                storages += "  %s: {kind: %s, path: data/%s}\n" % (name, kind, name)
        return sim_config(self.sim.url, """datasets:
  daily: {source: tushare}
storages:
%splans:
  bars:
    dataset: daily
    storages: [%s]
    mode: %s
    concurrency: 4
    params:
      trade_date: [%s]
""" % (storages, ", ".join(STORAGES), self.mode, ", ".join('"%s"' % d for d in days)))

    def crash_and_resume(self, point):
        # Eight days, five of them shared with the previous scenario's window.
        days = weekdays(datetime.date(2024, 3, 4) + datetime.timedelta(days=3 * self.scenario), 8)
        self.scenario += 1
        self.project.write_config(self.config(days))
        if self.mode == "replace":
            self.expected_days = set(days)
        else:
            self.expected_days |= set(days)
        self.project.env["DATASYNC_CRASH_AT"] = point
        try:
            crashed = self.project.ds("run", "bars", check=False)
        finally:
            del self.project.env["DATASYNC_CRASH_AT"]
        name = point.split("@")[0]
        self.assertEqual(crashed.returncode, -9, "%s: the run was not killed\n%s%s" %
                         (point, crashed.stdout, crashed.stderr))
        self.assertIn("crash point %s reached" % name, crashed.stderr)
        run = self.project.latest_run()
        self.assertEqual(run["status"], "running", point)
        resumed = self.project.ds("run", "bars")
        self.assertIn("resuming run %d" % run["id"], resumed.stderr, point)
        self.assertIn("status succeeded", resumed.stdout, point)
        self.assert_exact(point)

    def assert_exact(self, point):
        expected = []
        for day in sorted(self.expected_days):
            expected += self.sim.rows("daily", {"trade_date": day})
        expected = dbs.normalize(expected, TYPES)
        self.assertGreater(len(expected), 0)
        for name, kind in STORAGES.items():
            with self.subTest(point=point, storage=name):
                self.assertEqual(dbs.normalize(self.stored(name, kind), TYPES), expected,
                                 "%s after a crash at %s" % (name, point))

    def stored(self, name, kind):
        root = self.project.path("data", name)
        if kind == "sqlite":
            return dbs.sqlite_rows(self.project.path("data", "warehouse.db"), "daily")
        if kind in self.servers:
            return self.servers[kind].rows(self.ns, "daily")
        return {"csv": dbs.csv_rows, "jsonl": dbs.jsonl_rows, "json": dbs.json_rows, "parquet": dbs.parquet_rows,
                "xlsx": dbs.xlsx_rows}[kind](root, "daily")


class WriteCrashTest(CrashPoints, E2ETestCase):
    def test_a_crash_after_any_sinks_write_loses_and_duplicates_nothing(self):
        for name in STORAGES:
            self.crash_and_resume("write:%s@2" % name)


class CommitCrashTest(CrashPoints, E2ETestCase):
    def test_a_crash_after_any_sinks_commit_before_the_ack_loses_and_duplicates_nothing(self):
        for name in STORAGES:
            self.crash_and_resume("commit:%s" % name)


class AckCrashTest(CrashPoints, E2ETestCase):
    def test_a_crash_between_two_sinks_commits_or_before_the_ack_loses_and_duplicates_nothing(self):
        # partial-ack: one storage committed a task another has not committed yet.
        for point in ("partial-ack", "partial-ack@4", "partial-ack@9", "ack", "ack"):
            self.crash_and_resume(point)


class RenameCrashTest(CrashPoints, E2ETestCase):
    def test_a_crash_in_the_middle_of_a_file_sinks_renames_loses_and_duplicates_nothing(self):
        for name in FILES:
            self.crash_and_resume("rename:%s" % name)
            self.crash_and_resume("rename:%s@3" % name)


class ReplaceCrashTest(CrashPoints, E2ETestCase):
    mode = "replace"

    def test_a_crash_in_the_middle_of_any_sinks_publish_leaves_exactly_one_runs_data(self):
        for name in STORAGES:
            self.crash_and_resume("replace:%s" % name)
        for name in ("my", "ch"):
            self.crash_and_resume("replace-swapped:%s" % name)


class ReplaceLeftoversTest(CrashPoints, E2ETestCase):
    """Issue 17 §7: a replace run that is cancelled mid-way leaves a staging copy in every storage; the next
    run of the plan removes them when it binds the storages, and publishes exactly its own data. A paused run
    (it will resume) keeps its copies while another run binds the same storages."""

    mode = "replace"

    def leftovers(self):
        """Every staging or old copy a replace run can leave, by storage."""
        found = {}
        names = [r[0] for r in self.project.sqlite("SELECT name FROM sqlite_schema WHERE type = 'table'")]
        found["lite"] = sorted(n for n in names if "__staging_" in n)
        for name in FILES:
            root = self.project.path("data", name)
            found[name] = sorted(n for n in os.listdir(root) if ".staging-" in n or ".old-" in n)
        for name, kind in (("pg", "postgres"), ("my", "mysql"), ("ch", "clickhouse")):
            server = self.servers[kind]
            if kind == "postgres":
                tables = server.sql("SELECT tablename FROM pg_tables WHERE schemaname = '%s'" % self.ns)
            elif kind == "mysql":
                tables = server.sql("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '%s'" %
                                    self.ns)
            else:
                tables = server.ch("SELECT name FROM system.tables WHERE database = '%s' FORMAT TabSeparated" %
                                   self.ns).split()
            found[name] = sorted(t for t in tables if t.startswith("_ds_stage_") or t.startswith("_ds_old_"))
        return found

    def interrupt(self, control):
        """Starts `datasync run bars`, lets 3 calls through, then pauses or cancels the run; returns it."""
        self.sim.gate(3)
        proc = self.spawn(self.project, "run", "bars")
        self.sim.wait_gate(waiting=4, passed=3)
        run = self.project.latest_run()
        self.project.ds(control, str(run["id"]) if control == "cancel" else "bars")
        self.project.wait_observed(run["id"], control)
        self.sim.gate(None)
        stdout, _ = proc.communicate(timeout=300)
        self.assertIn("status %s" % ("cancelled" if control == "cancel" else "paused"), stdout)
        return run

    def test_the_next_run_sweeps_a_cancelled_runs_copies_and_keeps_a_paused_ones(self):
        days = weekdays(datetime.date(2024, 3, 4), 8)
        self.project.write_config(self.config(days))
        cancelled = self.interrupt("cancel")
        left = self.leftovers()
        self.assertTrue(all(len(v) == 1 and v[0].endswith(str(cancelled["id"])) for v in left.values()), left)

        out = self.project.ds("run", "bars")
        self.assertIn("status succeeded", out.stdout)
        self.assertEqual(self.leftovers(), {name: [] for name in STORAGES})
        self.expected_days = set(days)
        self.assert_exact("the run after a cancelled one")
        self.assertIn("left by a replace run that is over", self.project.log())

        # Retrying the cancelled run now would publish copies without its done tasks' rows: refused, and the
        # published data stays.
        retried = self.project.ds("retry", str(cancelled["id"]), check=False)
        self.assertNotEqual(retried.returncode, 0, retried.stdout)
        self.assertIn("start a new run", retried.stdout + retried.stderr)
        self.assert_exact("a refused retry")

        # A paused run will resume: the next run that binds the storages (the plan's own run here is the
        # paused one, so a second plan writes the same storages) keeps its copies.
        paused = self.interrupt("pause")
        config = self.config(days) + """  other:
    dataset: daily
    storages: [%s]
    mode: replace
    params:
      trade_date: ["%s"]
""" % (", ".join(STORAGES), days[0])
        self.project.write_config(config)
        self.assertIn("status succeeded", self.project.ds("run", "other").stdout)
        left = self.leftovers()
        self.assertTrue(all(len(v) == 1 and v[0].endswith(str(paused["id"])) for v in left.values()), left)
        self.assertIn("status succeeded", self.project.ds("resume", "bars").stdout)
        self.assertEqual(self.leftovers(), {name: [] for name in STORAGES})
        self.assert_exact("the paused run resumed")


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
