"""kill -9 at random moments, one database sink at a time (SQLite, PostgreSQL, MariaDB, ClickHouse): a
backfill in mode append (re-runs must never duplicate, the strictest case) is killed again and again while
the vendor answers and the writer writes and commits, then resumed to the end; the storage then holds exactly
the vendor's rows, no gap and no duplicate, read back by a reader that shares no code with datasync
(tests/e2e/dbs.py).

The moments are seeded: each life lets a random number of calls through the simulator's gate and dies, by
SIGKILL, once a random number of them has been answered, plus a random fraction of a second, so the kill
lands anywhere in the write path (between a write and its commit, inside a commit, between the commit and the
ack). test_db_crash_points.py kills at each named point; this test kills where it happens to be.

Each class is one sink and one CTest test, so the four run in parallel (label db); the servers are the shared
ones from scripts/test.sh's set-up, each class in a namespace named after its pid."""

import datetime
import os
import random
import subprocess
import sys
import time
import unittest

import dbs
import harness
from harness import E2ETestCase, sim_config, wait_until, weekdays

TYPES = {"ts_code": "str", "trade_date": "date", "open": "float", "high": "float", "low": "float",
         "close": "float", "pre_close": "float", "change": "float", "pct_chg": "float", "vol": "float",
         "amount": "float"}
LIVES = 8
# More days than the lives can ever let through the gate (at most 8 calls a life): no life can finish the
# run before its kill, whatever the seed and however fast the sink.
DAYS = 80
assert DAYS > LIVES * 8


class RandomKills:
    """Mixed into each test class (an E2ETestCase) with `kind` set to the sink under test."""

    kind = None
    seed = 0

    def setUp(self):
        self.ns = "kills_%s_%d" % (self.kind, os.getpid())
        self.server = None
        if self.kind != "sqlite":
            self.server = dbs.Server(self.kind)
            self.server.drop_namespace(self.ns)
            self.addCleanup(self.server.drop_namespace, self.ns)
        self.sim = self.start_sim(stocks=25)
        self.days = weekdays(datetime.date(2023, 3, 6), DAYS)
        storage = ("{kind: sqlite, path: data/warehouse.db}" if self.server is None
                   else self.server.storage_yaml(self.ns))
        self.project = self.new_project(self.sim, sim_config(self.sim.url, """datasets:
  daily: {source: tushare}
storages:
  db: %s
plans:
  bars:
    dataset: daily
    storages: [db]
    mode: append
    concurrency: 2
    retry: {max_attempts: 8, initial_backoff_ms: 20, max_backoff_ms: 200}
    params:
      trade_date: [%s]
""" % (storage, ", ".join('"%s"' % d for d in self.days))))

    def stored(self):
        if self.server is None:
            return dbs.sqlite_rows(self.project.path("data", "warehouse.db"), "daily")
        return self.server.rows(self.ns, "daily")

    def test_kill_9_at_random_moments_then_resume_gives_exact_data(self):
        rng = random.Random(self.seed)
        moments = []
        for life in range(LIVES):
            allow = rng.randint(2, 8)
            answered = rng.randint(1, allow)
            extra = rng.uniform(0, 0.15)
            moments.append((allow, answered, round(extra, 3)))
            self.sim.gate(allow)
            proc = self.spawn(self.project, "run", "bars", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # The answers are arriving and being written: kill at a moment chosen by the seed.
            wait_until(lambda: self.sim.gate_state()["passed"] >= answered or proc.poll() is not None,
                       "life %d: %d answered call(s)" % (life, answered))
            time.sleep(extra)
            self.assertIsNone(proc.poll(), "life %d: the run ended before its kill (%r)" % (life, moments[-1]))
            proc.kill()
            proc.wait()
            run = self.project.latest_run()
            self.assertIsNotNone(run, "life %d" % life)
            self.assertEqual(run["status"], "running", "life %d: killed mid-run" % life)
            self.sim.gate(None)
            self.sim.wait_gate(waiting=0)
        runs = self.project.system_db("SELECT id FROM runs")
        self.assertEqual(len(runs), 1, "every life resumed the same run")
        self.assertLess(self.project.latest_run()["tasks_done"], DAYS, "the kills left work to resume")
        out = self.project.ds("run", "bars")
        self.assertIn("resuming run %d" % runs[0][0], out.stderr)
        self.assertIn("status succeeded", out.stdout)

        expected = []
        for day in self.days:
            expected += self.sim.rows("daily", {"trade_date": day})
        expected = dbs.normalize(expected, TYPES)
        self.assertGreater(len(expected), 0)
        stored = dbs.normalize(self.stored(), TYPES)
        self.assertEqual(len(stored), len(set(stored)), "duplicates after kills at %r" % moments)
        self.assertEqual(stored, expected, "kills at %r (allowed, answered, extra s)" % moments)


class SqliteKillTest(RandomKills, E2ETestCase):
    kind = "sqlite"
    seed = 1701


class PostgresKillTest(RandomKills, E2ETestCase):
    kind = "postgres"
    seed = 1702


class MysqlKillTest(RandomKills, E2ETestCase):
    kind = "mysql"
    seed = 1703


class ClickhouseKillTest(RandomKills, E2ETestCase):
    kind = "clickhouse"
    seed = 1704


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
