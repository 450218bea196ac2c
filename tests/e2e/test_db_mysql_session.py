"""What a mysql storage's connection guarantees, whatever the server does or how it is configured, proven with
the real binary:

- A server's LOAD DATA LOCAL file request is answered only with datasync's own batch, during its own load and
  under the name its statement sent: a rogue server (tests/e2e/rogue_mysql.py) that asks for a canary file in
  reply to any statement, with either load method, or a man in the middle that asks for it in reply to
  datasync's own LOAD DATA, never gets a byte of it, and the run fails saying what the server asked for.
- ssl_mode required refuses a session that is not encrypted (the rogue server and a MariaDB without TLS).
- String literals and the LOAD DATA text mean the same under a server whose sql_mode has
  NO_BACKSLASH_ESCAPES: quotes, backslashes, control characters and unicode round-trip exactly through both
  load methods, and a quote cannot end a literal early.

The MariaDB tests start a private server (scripts/services/, its own state folder and port, no TLS), because
they change its global sql_mode, which would change what the tests beside them see."""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest

import dbs
import harness
from harness import E2ETestCase, sim_config
from rogue_mysql import MitmProxy, RogueMySql

SERVICES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "services", "services.sh")


def outcome(project, proc):
    """Everything a failed run said: its output and the project's log."""
    return proc.stdout + proc.stderr + project.log()


class RogueServerTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=5)
        self.tmp = tempfile.mkdtemp(prefix="ds-rogue-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.tmp], check=False)
        # A stand-in for /proc/self/environ: what must never leave the machine.
        self.secret = "CANARY-%d-do-not-send" % os.getpid()
        self.canary = os.path.join(self.tmp, "canary.txt")
        with open(self.canary, "w") as f:
            f.write(self.secret + "\n")

    def run_into(self, rogue, extra="", database="warehouse"):
        project = self.new_project(self.sim)
        project.write_config(sim_config(self.sim.url, """datasets:
  daily: {source: tushare}
storages:
  rogue: {kind: mysql, url: "mysql://synctest:synctest@127.0.0.1:%d/%s"%s}
plans:
  bars:
    dataset: daily
    storages: [rogue]
    retry: {max_attempts: 1}
    params:
      trade_date: ["20240104"]
""" % (rogue.port, database, extra)))
        return project, project.ds("run", "bars", check=False, timeout=300)

    def rogue(self, **kwargs):
        rogue = RogueMySql(**kwargs)
        self.addCleanup(rogue.close)
        return rogue

    def test_a_file_request_in_reply_to_any_statement_gets_nothing(self):
        for method in ("load_data", "insert"):
            with self.subTest(load_method=method):
                rogue = self.rogue(file_name=self.canary, request_on="every")
                project, proc = self.run_into(rogue, ", load_method: %s" % method)
                said = outcome(project, proc)
                self.assertNotEqual(proc.returncode, 0, said)
                self.assertTrue(rogue.statements, "datasync never reached the rogue server")
                self.assertNotIn(self.secret.encode(), rogue.all_received())
                self.assertEqual(rogue.all_received(), b"", "datasync sent data for a file it did not offer")
                self.assertIn("the server asked for", said)
                self.assertIn("datasync refused", said)
                if method == "load_data":
                    self.assertIn(json.dumps(self.canary), said)
                else:
                    self.assertIn("none with load_method insert", said)
                self.assertNotIn(self.secret, said)

    def test_a_man_in_the_middle_gets_nothing_during_a_load_either(self):
        # Between datasync and the test MariaDB, hiding its TLS offer (ssl_mode preferred then accepts clear
        # text) and answering datasync's own LOAD DATA LOCAL with a request for another file.
        server = dbs.Server("mysql")
        db = "e2e_mitm_%d" % os.getpid()
        server.drop_namespace(db)
        self.addCleanup(server.drop_namespace, db)
        proxy = MitmProxy(server.parts["port"], self.canary)
        self.addCleanup(proxy.close)
        project, proc = self.run_into(proxy, database=db)
        said = outcome(project, proc)
        self.assertNotEqual(proc.returncode, 0, said)
        self.assertTrue(proxy.intercepted, "datasync sent no LOAD DATA LOCAL")
        self.assertEqual(proxy.all_received(), b"")
        self.assertIn("datasync refused", said)
        self.assertIn(json.dumps(self.canary), said)
        self.assertNotIn(self.secret, said)

    def test_ssl_mode_required_refuses_a_server_that_offers_no_tls(self):
        rogue = self.rogue(file_name=None, request_on="load")
        project, proc = self.run_into(rogue, ", ssl_mode: required")
        said = outcome(project, proc)
        self.assertNotEqual(proc.returncode, 0, said)
        self.assertIn("with ssl_mode required: the session is not encrypted", said)
        self.assertEqual(rogue.statements, [], "a statement was sent in clear text")


# The vendor's strings: each would break a literal or a LOAD DATA field read with the wrong escaping.
STRINGS = [
    "it's",
    "x'), (99, 'injected') -- ",
    "back\\slash",
    "ends with a backslash\\",
    "\\'; DROP TABLE bystander; -- ",
    "line\nbreak\ttab\rreturn",
    "nul\x00byte",
    "ctrl-z\x1a",
    "\\N",
    "\\0\\n\\t not escapes",
    '"double" `tick`',
    "平安银行 🚀",
    None,
]


class VendorHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        items = [[i + 1, s] for i, s in enumerate(STRINGS)]
        body = json.dumps({"request_id": "0" * 32, "code": 0, "msg": "",
                           "data": {"fields": ["id", "text"], "items": items, "has_more": False,
                                    "count": len(items)}}, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class PrivateMariaTest(E2ETestCase):
    """A MariaDB of this class's own: without TLS, and with NO_BACKSLASH_ESCAPES in its global sql_mode."""

    @classmethod
    def setUpClass(cls):
        # The server's user must be able to traverse the folder (../shared/notes/environment.md §2).
        cls.tmp = tempfile.mkdtemp(prefix="ds-maria-")
        os.chmod(cls.tmp, 0o755)
        cls.env = {k: v for k, v in os.environ.items() if k not in ("MARIA_PORT", "SERVICES_TEST_FIRST_PORT")}
        cls.env.update(BASE=os.path.join(cls.tmp, "state"), MARIA_TLS="off")
        try:
            cls.services("start")
            with open(os.path.join(cls.env["BASE"], "ports.env")) as f:
                port = dict(line.strip().split("=", 1) for line in f if "=" in line)["MARIA_PORT"]
            cls.url = "mysql://synctest:synctest@127.0.0.1:%s/synctest" % port
            cls.server = dbs.Server("mysql", cls.url)
            cls.server.sql("SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_BACKSLASH_ESCAPES')")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.services("stop")
        finally:
            subprocess.run(["rm", "-rf", cls.tmp], check=False)

    @classmethod
    def services(cls, command):
        proc = subprocess.run(["bash", SERVICES, command, "maria"], env=cls.env, capture_output=True, text=True,
                              timeout=300)
        if proc.returncode != 0:
            raise AssertionError("services.sh %s maria failed:\n%s%s" % (command, proc.stdout, proc.stderr))

    def test_strings_round_trip_exactly_under_no_backslash_escapes(self):
        self.assertIn("NO_BACKSLASH_ESCAPES", self.server.sql("SELECT @@GLOBAL.sql_mode")[0])
        vendor = http.server.ThreadingHTTPServer(("127.0.0.1", 0), VendorHandler)
        threading.Thread(target=vendor.serve_forever, daemon=True).start()
        self.addCleanup(vendor.server_close)
        self.addCleanup(vendor.shutdown)
        ns = {"load_data": "e2e_nbe_load_%d" % os.getpid(), "insert": "e2e_nbe_insert_%d" % os.getpid()}
        for db in ns.values():
            self.server.drop_namespace(db)
            self.addCleanup(self.server.drop_namespace, db)
        storages = "".join("  my_%s: {kind: mysql, url: %s, load_method: %s}\n" % (
            method, json.dumps(dbs.with_database(self.url, db)), method) for method, db in ns.items())
        project = self.new_project()
        project.write_config(sim_config("http://127.0.0.1:%d" % vendor.server_address[1], """datasets:
  quirky:
    source: tushare
    api: quirky_api
    primary_key: [id]
    fields:
      - {name: id, type: int64}
      - {name: text, type: string}
storages:
%splans:
  quirky:
    dataset: quirky
    storages: [%s]
""" % (storages, ", ".join("my_" + m for m in ns))))
        expected = [(i + 1, s) for i, s in enumerate(STRINGS)]
        # The second run finds every key: load_data then goes through INSERT ... ON DUPLICATE KEY UPDATE too.
        for attempt in (1, 2):
            project.ds("run", "quirky")
            for method, db in ns.items():
                rows = sorted((int(r["id"]), r["text"]) for r in self.server.rows(db, "quirky"))
                self.assertEqual(rows, expected, "load_method %s, run %d" % (method, attempt))

    def test_ssl_mode_required_refuses_a_server_without_tls(self):
        project = self.new_project()
        db = "e2e_notls_%d" % os.getpid()
        self.addCleanup(self.server.drop_namespace, db)
        project.write_config(sim_config("http://127.0.0.1:1", """datasets:
  daily: {source: tushare}
storages:
  maria: {kind: mysql, url: %s, ssl_mode: required}
plans:
  bars: {dataset: daily, storages: [maria], params: {trade_date: ["20240104"]}}
""" % json.dumps(dbs.with_database(self.url, db))))
        proc = project.ds("migrate", "--dry-run", check=False)
        said = outcome(project, proc)
        self.assertNotEqual(proc.returncode, 0, said)
        self.assertIn("with ssl_mode required: the session is not encrypted (the server offered no TLS)", said)
        # The same server, ssl_mode preferred: clear text is accepted.
        project.write_config(project_config_with(project, "required", "preferred"))
        proc = project.ds("migrate", "--dry-run", check=False)
        self.assertEqual(proc.returncode, 0, outcome(project, proc))


def project_config_with(project, old, new):
    with open(project.path("datasync.yaml"), encoding="utf-8") as f:
        return f.read().replace(old, new)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
