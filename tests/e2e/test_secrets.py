"""Secrets never leave datasync: the vendor token, a database password, an SMTP password and a webhook token
are put where they would leak (a vendor that echoes the token in its error messages, a database URL with a
literal password pointing at a stopped server, an SMTP server that refuses the password, a webhook robot that
quotes its URL and access token in its error answer), then every command runs at --log-level trace and the
test searches everything a user or an operator could see: stdout, stderr, the log files, /metrics, the alert
messages, the system database and the data files.

The test proves it can fail: the same scenario runs first with redaction switched off
(DATASYNC_NO_REDACTION=1, honoured only by test builds), and there the search must find the token and the
webhook token where only redaction keeps them out. The database and SMTP passwords never appear even then:
they are masked by construction (a URL is shown with ':***@', the system database holds ${local:NAME} for a
literal password, curl never repeats credentials). With redaction on, the search must find nothing at all."""

import glob
import json
import os
import socket
import sys
import unittest

import harness
from harness import E2ETestCase, wait_until
from receivers import SmtpReceiver, WebhookReceiver
from test_serve import Daemon, cst_us, system_db

UNIT_NET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "net")
SECRETS = {
    "token": "tok-SECRET-7f3a9c2e51",
    "db_password": "pgpw-SECRET-51c0d8",
    "smtp_password": "smtp-SECRET-9d2b44",
    "hook_token": "hook-SECRET-33e1a7",
}


def closed_port():
    """A loopback port with no server behind it (bound, never listened on, kept open by the test)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


class Scenario:
    """One project and every command over it; `found` says which secret was seen where."""

    def __init__(self, test, unredacted):
        self.test = test
        self.found = {}  # secret name -> set of places
        self.clock = test.virtual_clock(cst_us("2024-06-03 17:00"))
        self.sim = test.start_sim("--clock", "file:" + self.clock.path, "--echo-token", "--no-permission",
                                  "adj_factor", tokens=SECRETS["token"], stocks=10)
        self.hook = WebhookReceiver()
        test.addCleanup(self.hook.stop)
        self.bad_hook = WebhookReceiver(status=400, echo_path=True)
        test.addCleanup(self.bad_hook.stop)
        self.smtp = SmtpReceiver(cert=os.path.join(UNIT_NET, "test_server_cert.pem"),
                                 key=os.path.join(UNIT_NET, "test_server_key.pem"), user="alerts",
                                 password="the-right-password", require_tls=True)
        test.addCleanup(self.smtp.stop)
        sock, self.db_port = closed_port()
        test.addCleanup(sock.close)
        self.project = test.new_project(self.sim)
        env = self.project.env
        env["E2E_TOKEN"] = SECRETS["token"]
        env["E2E_SMTP_PASSWORD"] = SECRETS["smtp_password"]
        env["E2E_HOOK_URL"] = self.hook.url + "?access_token=" + SECRETS["hook_token"]
        env["E2E_BAD_HOOK_URL"] = self.bad_hook.url + "?access_token=" + SECRETS["hook_token"]
        env["DATASYNC_CLOCK_FILE"] = self.clock.path
        if unredacted:
            env["DATASYNC_NO_REDACTION"] = "1"
        self.project.write_config(self.config())
        self.outputs = []  # (command, text)

    def config(self):
        return """version: 1
project: {name: secrets-e2e}
sources:
  tushare:
    provider: tushare
    endpoint: %s
    token: ${E2E_TOKEN}
    limits: {concurrency: 2}
datasets:
  daily: {source: tushare}
  adj_factor: {source: tushare}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
  files: {kind: csv, path: data/csv}
  lake: {kind: parquet, path: data/lake}
  gone: {kind: postgres, url: "postgres://synctest:%s@127.0.0.1:%d/synctest", connect_timeout_secs: 2}
plans:
  bars:
    dataset: daily
    storages: [db, files, lake]
    params:
      trade_date: ["20240102", "20241345", "20240103"]
    schedule: "30 17 * * *"
  refused:
    dataset: adj_factor
    storages: [db]
    params: {trade_date: "20240531"}
    schedule: "30 17 * * *"
  lost_db:
    dataset: daily
    storages: [gone]
    params: {trade_date: "20240102"}
templates:
  days:
    params:
      trade_date: {dates: {start: "20240102", end: "20240105"}}
alerts:
  group_secs: 30
  channels:
    mail:
      type: email
      smtp_url: smtp://127.0.0.1:%d
      require_tls: true
      ca_file: %s
      username: alerts
      password: ${E2E_SMTP_PASSWORD}
      from: datasync <datasync@example.com>
      to: [ops@example.com]
    hook:
      type: webhook
      format: dingtalk
      url: ${E2E_HOOK_URL}
    bad_hook:
      type: webhook
      format: dingtalk
      url: ${E2E_BAD_HOOK_URL}
  rules:
    - {events: [run_failed, permission], channels: [mail, hook, bad_hook]}
""" % (self.sim.url, SECRETS["db_password"], self.db_port, self.smtp.port,
       os.path.join(UNIT_NET, "test_server_cert.pem"))

    def ds(self, *args):
        proc = self.project.ds("--log-level", "trace", *args, check=False)
        self.outputs.append((" ".join(args), proc.stdout + proc.stderr))
        return proc

    def run_every_command(self):
        p = self.project
        for args in (["validate"], ["apply"], ["sources"], ["datasets"], ["storages"], ["plans"], ["plugins"]):
            self.ds(*args)
            self.ds("--json", *args)
        self.ds("run", "bars")                 # the vendor echoes the token in the invalid argument's error
        self.ds("run", "refused")              # ...and in the permission error
        self.ds("run", "lost_db")              # the database is not there
        for args in (["runs"], ["status"], ["summary", "2024-06-03"], ["schedule", "next", "bars"],
                     ["schedule", "slots"], ["migrations"], ["migrate", "--dry-run"], ["template", "list"],
                     ["template", "show", "days"], ["template", "test", "days"], ["dataset", "show", "daily"]):
            self.ds(*args)
            self.ds("--json", *args)
        for run_id, in p.system_db("SELECT id FROM runs"):
            self.ds("report", str(run_id))
            self.ds("--json", "report", str(run_id))
        failed = p.system_db("SELECT id FROM runs WHERE status = 'failed' ORDER BY id LIMIT 1")[0][0]
        self.ds("retry", str(failed))
        self.ds("resume", str(failed))
        self.ds("pause", str(failed))
        self.ds("cancel", str(failed))
        self.ds("compact", "lake", "--dry-run")
        self.ds("dataset", "import", self.sim.url + "/document/2?doc_id=27", "--yaml")
        self.ds("dataset", "refresh", "--all", "--dry-run")
        # The daemon: scheduled runs fail (permission), alerts go to a webhook and to an SMTP server that
        # refuses the password; /metrics and /healthz are scraped.
        daemon = Daemon(self.test, p, "serve", log_level="trace")
        slot = cst_us("2024-06-03 17:30")
        self.clock.set(slot + 1_000_000)
        wait_until(lambda: len(system_db(p, "SELECT 1 FROM schedule_slots WHERE state = 'done'")) == 2,
                   "the scheduled runs")
        # run_failed and permission of the refused plan
        wait_until(lambda: daemon.output().count(" queued for [") >= 2, "the alerts to be queued")
        self.clock.set(slot + 40_000_000)
        self.hook.wait(1)
        self.bad_hook.wait(1)
        wait_until(lambda: "alert channel 'mail'" in daemon.output() and "alert channel 'bad_hook'" in
                   daemon.output(), "the SMTP and webhook refusals to be logged")
        for path in ("/metrics", "/healthz"):
            self.outputs.append(("GET " + path, daemon.get(path)[1]))
        self.test.assertEqual(daemon.stop(), 0, daemon.output())
        self.outputs.append(("serve", daemon.output()))

    def search(self):
        def look(place, text):
            for name, secret in SECRETS.items():
                if secret in text:
                    self.found.setdefault(name, set()).add(place)
        for command, text in self.outputs:
            look("output of `%s`" % command, text)
        for path in glob.glob(self.project.path(".datasync", "logs", "*")):
            look("log " + os.path.basename(path), harness.read_text(path))
        for post in self.hook.posts + self.bad_hook.posts:
            look("webhook post body", post["body"])
        for mail in self.smtp.messages:
            look("e-mail", str(mail["message"]))
        # Every table and column of the system database, dumped as SQL text.
        import sqlite3
        con = sqlite3.connect(self.project.path(".datasync", "datasync.db"))
        try:
            look("system database", "\n".join(con.iterdump()))
        finally:
            con.close()
        for path in glob.glob(self.project.path("data", "**", "*"), recursive=True):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    look("data file " + os.path.relpath(path, self.project.dir), f.read().decode("latin-1"))
        return self.found


class SecretsTest(E2ETestCase):
    def test_the_search_finds_every_secret_when_redaction_is_off(self):
        scenario = Scenario(self, unredacted=True)
        scenario.run_every_command()
        found = scenario.search()
        # Where each secret leaks without redaction: the proof that the search below can fail.
        self.assertIn("token", found, found)
        places = found["token"]
        self.assertTrue(any(p.startswith("output of `run bars`") for p in places), places)
        self.assertTrue(any(p.startswith("log ") for p in places), places)
        self.assertIn("system database", places)
        self.assertIn("webhook post body", places)
        self.assertIn("hook_token", found, found)
        self.assertTrue(any(p.startswith("log ") or p == "output of `serve`" for p in found["hook_token"]), found)
        # Masked by construction, not by redaction: absent even now.
        self.assertNotIn("db_password", found, found)
        self.assertNotIn("smtp_password", found, found)

    def test_no_secret_appears_anywhere(self):
        scenario = Scenario(self, unredacted=False)
        scenario.run_every_command()
        found = scenario.search()
        self.assertEqual(found, {}, "secrets leaked: %s" % json.dumps({k: sorted(v) for k, v in found.items()},
                                                                      indent=1))
        # The scenario did what it should: the vendor refused, the database was away, the mail was refused.
        text = "\n".join(t for _, t in scenario.outputs)
        self.assertIn("PERMISSION", text)
        self.assertIn("INVALID_INPUT", text)
        self.assertIn("alert channel 'mail'", text)
        self.assertIn("check the SMTP user name and password", text)
        self.assertIn("alert channel 'bad_hook': the webhook answered HTTP 400", text)
        self.assertGreaterEqual(len(scenario.hook.posts), 1)


class ListingsMaskEveryPasswordFormTest(E2ETestCase):
    """A password can sit in a database URL's userinfo, in its query (?password=, which libpq takes, or
    &sslpassword=) with any case of the key, or in a key=value DSN. None of them may reach a listing, an error
    or the system database, redaction or not: `storages` once printed ?password= from the query in clear."""

    # One secret per form: a userinfo password that `apply` takes is registered for redaction when it is
    # resolved, and would then hide the others by redaction rather than by masking.
    SECRETS = {"query": "S3cret-query-q7Z", "case": "S3cret-case-k2M", "ssl": "S3cret-ssl-w9P",
               "userinfo": "S3cret-user-b4T", "dsn": "S3cret-dsn-x5R"}

    def config(self, storages):
        return """version: 1
project: {name: masking-e2e}
sources:
  tushare: {provider: tushare, endpoint: "http://127.0.0.1:1", token: "${E2E_TOKEN}"}
datasets:
  daily: {source: tushare}
storages:
%s
""" % storages

    def outputs(self, project, *commands):
        text = ""
        for args in commands:
            for json_flag in ([], ["--json"]):
                proc = project.ds(*json_flag, *args, check=False)
                text += "$ datasync %s\n%s%s" % (" ".join(json_flag + list(args)), proc.stdout, proc.stderr)
        return text

    def assertNoSecret(self, text, where):
        for name, secret in self.SECRETS.items():
            self.assertNotIn(secret, text, "the %s password in %s" % (name, where))

    def test_storages_show_no_password_of_any_form(self):
        sock, port = closed_port()
        self.addCleanup(sock.close)
        project = self.new_project()
        s = self.SECRETS
        project.write_config(self.config("""\
  by_query: {kind: postgres, url: "postgres://synctest@127.0.0.1:%d/synctest?sslmode=disable&password=%s"}
  by_case: {kind: postgres, url: "postgres://synctest@127.0.0.1:%d/synctest?PassWord=%s&sslpassword=%s"}
  by_userinfo: {kind: postgres, url: "postgres://synctest:%s@127.0.0.1:%d/synctest"}
""" % (port, s["query"], port, s["case"], s["ssl"], s["userinfo"], port)))
        text = self.outputs(project, ["validate"], ["apply"], ["storages"], ["plans"], ["migrations"])
        self.assertEqual(project.ds("apply", check=False).returncode, 0, text)
        listing = project.ds_json("storages")
        self.assertEqual(sorted(x["name"] for x in listing), ["by_case", "by_query", "by_userinfo"], text)
        urls = {x["name"]: x["options"]["url"] for x in listing}
        self.assertEqual(urls["by_query"],
                         "postgres://synctest@127.0.0.1:%d/synctest?sslmode=disable&password=***" % port)
        self.assertEqual(urls["by_case"],
                         "postgres://synctest@127.0.0.1:%d/synctest?PassWord=***&sslpassword=***" % port)
        self.assertEqual(urls["by_userinfo"], "postgres://synctest:***@127.0.0.1:%d/synctest" % port)
        self.assertNoSecret(text, "the listings")
        # `apply` took every literal password out of the catalog, into .datasync/secrets.json.
        import sqlite3
        con = sqlite3.connect(project.path(".datasync", "datasync.db"))
        try:
            self.assertNoSecret("\n".join(con.iterdump()), "the system database")
        finally:
            con.close()
        # A key=value DSN is not a URL: refused, and the refusal does not quote it.
        project.write_config(self.config("""\
  by_dsn: {kind: postgres, url: "host=127.0.0.1 port=%d dbname=synctest user=synctest password=%s"}
""" % (port, s["dsn"])))
        text = self.outputs(project, ["validate"], ["apply"], ["storages"])
        self.assertIn("not a URL", text)
        self.assertNoSecret(text, "the refusal of a DSN")


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
