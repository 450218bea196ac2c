"""End-to-end tests of a datasync.yaml that is not UTF-8 (issue 17, defect 8): a 0xFF byte in a description
or in a key is refused by validate, apply and run at its line and column with exit code 2 (a configuration
error, docs/cli.md), and nothing reaches the system database; `serve` reloading such a file logs the problem
and keeps running with the configuration it had."""

import os
import sqlite3
import sys
import unittest

import harness
from harness import E2ETestCase, read_text, sim_config, wait_until
from test_serve import Daemon

BODY = """datasets:
  daily:
    source: tushare
    description: "%s"
storages:
  db: {kind: sqlite, path: data/warehouse.db}
plans:
  bars:
    dataset: daily
    storages: [db]
    params: {trade_date: "20240102"}
"""


def write_bytes(project, data):
    with open(project.path("datasync.yaml"), "wb") as f:
        f.write(data)


def catalog_rows(project):
    con = sqlite3.connect(project.path(".datasync", "datasync.db"), timeout=30)
    try:
        return con.execute("SELECT count(*) FROM catalog_objects").fetchone()[0]
    finally:
        con.close()


def position(data, needle):
    """1-based line and column (in characters) of the first byte of `needle` in `data`."""
    at = data.index(needle)
    line = data.count(b"\n", 0, at) + 1
    start = data.rfind(b"\n", 0, at) + 1
    return line, len(data[start:at].decode("utf-8")) + 1


class ConfigEncodingTest(E2ETestCase):
    def test_a_byte_that_is_not_utf8_is_refused_at_its_line_and_column_and_nothing_is_stored(self):
        sim = self.start_sim(stocks=5)
        project = self.new_project(sim)
        good = sim_config(sim.url, BODY % "daily bars").encode()
        cases = {
            "description": good.replace(b"daily bars", "bars of ünïcode ".encode("utf-8") + b"\xff here"),
            "key": good.replace(b"    storages: [db]\n    params", b"    stor\xffages: [db]\n    params"),
        }
        for where, data in cases.items():
            with self.subTest(where=where):
                self.assertIn(b"\xff", data)
                write_bytes(project, data)
                line, column = position(data, b"\xff")
                expected = "datasync.yaml:%d:%d: invalid UTF-8 (byte 0xFF)" % (line, column)
                for command in (["validate"], ["apply"], ["run", "bars"], ["--json", "apply"]):
                    proc = project.ds(*command, check=False)
                    self.assertEqual(proc.returncode, 2, "%s: %s%s" % (command, proc.stdout, proc.stderr))
                    self.assertIn(expected, proc.stdout + proc.stderr, command)
                    self.assertNotIn("terminate", proc.stderr)
                self.assertEqual(catalog_rows(project), 0, "nothing was applied")
                self.assertEqual(project.system_db("SELECT count(*) FROM runs")[0][0], 0)

    def test_serve_reloading_a_file_that_is_not_utf8_logs_it_and_keeps_its_configuration(self):
        sim = self.start_sim(stocks=5)
        project = self.new_project(sim, sim_config(sim.url, BODY % "daily bars"))
        daemon = Daemon(self, project)
        before = project.system_db("SELECT kind, name, version FROM catalog_objects ORDER BY kind, name")
        bad = sim_config(sim.url, BODY % "daily bars").encode().replace(b"daily bars", b"daily \xff bars")
        write_bytes(project, bad)
        line, column = position(bad, b"\xff")
        wait_until(lambda: "datasync.yaml:%d:%d: invalid UTF-8 (byte 0xFF)" % (line, column) in daemon.output(),
                   "the daemon to log the bad byte")
        self.assertIsNone(daemon.proc.poll(), daemon.output())
        self.assertEqual(daemon.get("/healthz")[0], 200)
        self.assertIn("keeping the configuration loaded before", daemon.output())
        self.assertEqual(project.system_db("SELECT kind, name, version FROM catalog_objects ORDER BY kind, name"),
                         before, "the catalog kept what the daemon had")
        # A good file afterwards is applied as usual.
        project.write_config(sim_config(sim.url, BODY % "daily bars, fixed"))
        wait_until(lambda: "configuration reloaded" in daemon.output(), "the daemon to reload the good file")
        self.assertEqual(daemon.stop(), 0, daemon.output())


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
