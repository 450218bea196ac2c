"""project.system_db chooses the system database by the scheme of its value: a plain path or sqlite:PATH opens
SQLite (relative paths start at the project folder); a server URL that this build has no backend for
(postgres, postgresql, mysql, mariadb) and an unknown scheme are refused, naming the config key and the
supported forms, never echoing the URL's password, and creating nothing. (It used to turn
postgres://u:pw@h/db into an SQLite file under the project, in folders named after the password.)"""

import os
import sys
import unittest

import harness
from harness import E2ETestCase

PASSWORD = "pw-SECRET-4b1e"
DEFAULT_LINE = "  # system_db: .datasync/datasync.db"


def tree(root):
    """Every path under root, relative to it."""
    out = set()
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            out.add(os.path.relpath(os.path.join(folder, name), root))
    return out


class SystemDbLocationTest(E2ETestCase):
    def project_with(self, value):
        project = self.new_project()
        text = harness.read_text(project.path("datasync.yaml"))
        self.assertIn(DEFAULT_LINE, text)
        project.write_config(text.replace(DEFAULT_LINE, "  system_db: " + value))
        return project

    def assert_refused(self, project, *expected):
        before = tree(project.dir)
        proc = project.ds("runs", check=False)
        shown = proc.stdout + proc.stderr + project.log()
        self.assertNotEqual(proc.returncode, 0, shown)
        self.assertIn("project.system_db", proc.stderr)
        self.assertIn("datasync.yaml", proc.stderr)
        for text in expected:
            self.assertIn(text, proc.stderr)
        self.assertNotIn(PASSWORD, shown)
        created = tree(project.dir) - before
        # The log file may appear; no folder named after the URL, no database.
        self.assertEqual({p for p in created if not p.startswith(os.path.join(".datasync", "logs"))}, set(), created)
        for path in tree(project.dir):
            self.assertNotIn(PASSWORD, path)
            self.assertNotIn(":", path, "a folder named after a URL: " + path)
        return proc.stderr

    def test_server_urls_are_refused_until_their_backend_exists(self):
        for scheme in ("postgres", "postgresql", "mysql", "mariadb"):
            with self.subTest(scheme=scheme):
                project = self.project_with("%s://sync:%s@db.example:5432/state" % (scheme, PASSWORD))
                self.assert_refused(project, "'%s'" % scheme, "sqlite:PATH", "server")

    def test_unknown_scheme_lists_the_allowed_ones(self):
        project = self.project_with("redis://cache:%s@localhost/0" % PASSWORD)
        self.assert_refused(project, "unknown scheme 'redis'", "sqlite")

    def test_validate_reports_the_refused_location_at_its_line(self):
        project = self.project_with("mysql://sync:%s@db.example:3306/state" % PASSWORD)
        lines = harness.read_text(project.path("datasync.yaml")).splitlines()
        line = next(i for i, text in enumerate(lines, 1) if text.startswith("  system_db: mysql://"))
        before = tree(project.dir)
        proc = project.ds("validate", check=False)
        self.assertNotEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        shown = proc.stdout + proc.stderr
        self.assertIn("datasync.yaml:%d:" % line, shown)
        self.assertIn("project.system_db: the 'mysql' system database is not available in this build", shown)
        self.assertNotIn(PASSWORD, shown + project.log())
        self.assertFalse(any(PASSWORD in p or ":" in p for p in tree(project.dir) - before))

    def test_sqlite_url_and_plain_path_open_sqlite_under_the_project(self):
        for value, where in (("sqlite:state/sys.db", ("state", "sys.db")),
                             ("sqlite://state2/sys.db", ("state2", "sys.db")),
                             ("other/ds.db", ("other", "ds.db"))):
            with self.subTest(value=value):
                project = self.project_with(value)
                project.ds("apply")
                runs = project.ds("runs")
                self.assertEqual(runs.returncode, 0)
                self.assertTrue(os.path.isfile(project.path(*where)), tree(project.dir))


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
