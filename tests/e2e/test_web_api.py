"""End-to-end tests of the web app's REST API (issue 13, docs/web.md) against a real `datasync serve` and
the simulator: every route refuses a request without credentials; the OpenAPI document lists exactly the
routes the server answers; viewers read and operators act; a browser session needs its CSRF token for
every change; hostile input in every field gets a 4xx with a clear message and stores nothing; tasks page,
filter and search on the server; live events arrive over SSE; the audit log records who did what from
where; the web app's files are served with ETags and gzip; secrets never appear in an answer."""

import datetime
import gzip
import http.client
import json
import re
import os
import socket
import ssl
import subprocess
import sys
import time
import unittest
import urllib.parse

import harness
from harness import E2ETestCase, sim_config, wait_until, weekdays
from receivers import WebhookReceiver
from test_serve import UNIT_NET, Daemon, system_db

PLAN_DAYS = weekdays("20240102", 60)


# The trading calendar plan that coverage reads (the simulator's SSE calendar, synced into the same file).
CALENDAR = """  cal:
    dataset: trade_cal
    storages: [db]
    params: {exchange: SSE, start_date: "20231201", end_date: "20241231"}
"""


def project_config(sim_url, days=PLAN_DAYS, limits="{concurrency: 4}", extra="", calendar=False):
    return sim_config(sim_url, """datasets:
  daily: {source: tushare}
  trade_cal: {source: tushare}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
plans:
  bars:
    dataset: daily
    storages: [db]
    params:
      trade_date: [%s]
%s%s""" % (", ".join('"%s"' % d for d in days), CALENDAR if calendar else "", extra), limits=limits)


class Client:
    """HTTP/1.1 to the daemon, with a bearer token or a session cookie (and its CSRF token)."""

    def __init__(self, url, token=None):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.token = token
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None, raw=None):
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if self.cookie:
            h["Cookie"] = self.cookie
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            payload = resp.read()
            return resp.status, dict(resp.getheaders()), payload
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None, raw=None):
        status, headers_out, payload = self.request(method, path, body, headers, raw)
        doc = json.loads(payload) if payload and headers_out.get("Content-Type", "").startswith(
            "application/json") else None
        return status, doc

    def sign_in(self, token):
        status, headers, payload = self.request("POST", "/api/v1/session", {"token": token})
        if status != 200:
            return status, json.loads(payload)
        cookie = headers["Set-Cookie"]
        self.cookie = cookie.split(";", 1)[0]
        doc = json.loads(payload)
        self.csrf = doc["csrf"]
        return status, doc


class WebDaemon(Daemon):
    """`datasync serve` whose one-time admin token is read from its output."""

    def __init__(self, test, project):
        super().__init__(test, project)
        m = wait_until(lambda: re.search(r"admin token \(shown once[^)]*\): (dst_\S+)", self.output()),
                       "the admin token in serve's output")
        self.admin = m.group(1)


def make_token(project, name, role):
    out = project.ds("token", "create", name, "--role", role, "--json")
    return json.loads(out.stdout)["token"]


def read_sse_event(resp):
    """The next event of a text/event-stream answer: (name, data as JSON); comments are skipped."""
    name, data = None, None
    while True:
        line = resp.fp.readline().decode()
        if line == "":
            raise AssertionError("the event stream ended")
        line = line.rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and name:
            return name, data


def wait_run_final(client, plan, timeout=120):
    def done():
        status, doc = client.json("GET", "/api/v1/runs?plan=" + plan)
        items = doc["items"] if status == 200 else []
        return items[0] if items and items[0]["status"] in ("succeeded", "failed", "cancelled") else None
    return wait_until(done, "a final run of " + plan, timeout=timeout)


class WebApiTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=20)

    def serve(self, config=None):
        project = self.new_project(self.sim, config or project_config(self.sim.url))
        daemon = WebDaemon(self, project)
        return project, daemon

    def test_the_openapi_document_lists_every_route_and_each_refuses_without_credentials(self):
        project, daemon = self.serve()
        anon = Client(daemon.url)
        status, doc = anon.json("GET", "/api/v1/openapi.json")
        self.assertEqual(status, 200)
        self.assertEqual(doc["openapi"], "3.0.3")
        routes = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
        expected = {
            ("POST", "/api/v1/session"), ("DELETE", "/api/v1/session"), ("GET", "/api/v1/me"),
            ("GET", "/api/v1/overview"), ("GET", "/api/v1/plans"), ("POST", "/api/v1/plans/{name}/run"),
            ("GET", "/api/v1/runs"), ("GET", "/api/v1/runs/{id}"), ("GET", "/api/v1/runs/{id}/tasks"), ("GET", "/api/v1/runs/{id}/timeline"),
            ("POST", "/api/v1/runs/{id}/pause"), ("POST", "/api/v1/runs/{id}/cancel"),
            ("POST", "/api/v1/runs/{id}/resume"), ("POST", "/api/v1/runs/{id}/retry"),
            ("GET", "/api/v1/datasets"), ("GET", "/api/v1/datasets/{name}"),
            ("GET", "/api/v1/datasets/{name}/coverage"), ("GET", "/api/v1/datasets/{name}/rows"),
            ("GET", "/api/v1/audit"),
            ("GET", "/api/v1/events"), ("GET", "/api/v1/openapi.json"),
            ("GET", "/api/v1/objects"), ("POST", "/api/v1/templates/test"), ("GET", "/api/v1/alerts"),
            ("POST", "/api/v1/datasets/{name}/migrations"), ("GET", "/api/v1/jobs"), ("GET", "/api/v1/jobs/{id}")}
        for section in ("sources", "datasets", "storages", "templates", "plans"):
            expected |= {("GET", "/api/v1/forms/" + section), ("POST", "/api/v1/objects/" + section),
                         ("GET", "/api/v1/objects/%s/{name}" % section), ("PUT", "/api/v1/objects/%s/{name}" % section),
                         ("DELETE", "/api/v1/objects/%s/{name}" % section)}
        self.assertEqual(routes, expected)
        # Every documented route is served (not 404/405), and only the public ones answer without credentials.
        for method, path in sorted(routes):
            concrete = path.replace("{id}", "1").replace("{name}", "bars")
            role = doc["paths"][path][method.lower()]["x-datasync-role"]
            status, body = anon.json(method, concrete, body={} if method in ("POST", "PUT") else None)
            if role == "none":
                self.assertNotIn(status, (401, 404, 405), (method, path))
                continue
            self.assertEqual(status, 401, (method, path, body))
            self.assertEqual(body["error"]["status"], 401)
            self.assertIn("sign in", body["error"]["message"])
            # A token that is not one: 401 too, whatever its form.
            for bad in ("dst_" + "A" * 43, "x", "' OR 1=1 --"):
                status, body = Client(daemon.url, bad).json(method, concrete)
                self.assertEqual(status, 401, (method, path, bad))
        # A path no route takes: 404 from the headers, not a page.
        status, _, _ = anon.request("GET", "/api/v1/nothing")
        self.assertEqual(status, 404)

    def test_viewers_read_operators_act_and_sessions_need_their_csrf_token(self):
        project, daemon = self.serve()
        viewer_token = make_token(project, "vera", "viewer")
        operator = Client(daemon.url, daemon.admin)
        viewer = Client(daemon.url, viewer_token)

        status, me = viewer.json("GET", "/api/v1/me")
        self.assertEqual((status, me), (200, {"user": "vera", "role": "viewer"}))
        status, doc = viewer.json("GET", "/api/v1/overview")
        self.assertEqual(status, 200)
        self.assertEqual([p["name"] for p in doc["plans"]], ["bars"])
        self.assertEqual(doc["plans"][0]["state"], "never run")

        # A viewer may not start a run; the refusal is not audited as an action.
        status, body = viewer.json("POST", "/api/v1/plans/bars/run")
        self.assertEqual(status, 403)
        self.assertIn("operator role", body["error"]["message"])
        self.assertEqual(system_db(project, "SELECT count(*) FROM runs")[0][0], 0)

        status, body = operator.json("POST", "/api/v1/plans/bars/run")
        self.assertEqual(status, 202, body)
        run = wait_run_final(operator, "bars")
        self.assertEqual(run["status"], "succeeded")
        self.assertEqual(run["tasks_done"], len(PLAN_DAYS))
        self.assertEqual(run["trigger"], "api")
        self.assertEqual(project.sqlite("SELECT count(*) FROM daily")[0][0], run["rows"])
        status, detail = viewer.json("GET", "/api/v1/runs/%d" % run["id"])
        self.assertEqual(status, 200)
        self.assertEqual(detail["report"]["rows"], run["rows"])
        status, doc = viewer.json("GET", "/api/v1/overview")
        self.assertEqual(doc["plans"][0]["state"], "ok")
        self.assertEqual(doc["plans"][0]["rows_per_run"], [run["rows"]])
        self.assertEqual(doc["plans"][0]["last_run"]["id"], run["id"])

        # A finished run: pause is a conflict, retry has nothing to retry but is accepted as a run.
        status, body = operator.json("POST", "/api/v1/runs/%d/pause" % run["id"])
        self.assertEqual(status, 409)
        self.assertIn("already succeeded", body["error"]["message"])
        status, body = operator.json("POST", "/api/v1/runs/999999/pause")
        self.assertEqual(status, 404)

        # A browser session: the cookie is HttpOnly and SameSite=Strict; changes need X-CSRF-Token.
        browser = Client(daemon.url)
        status, _, payload = browser.request("POST", "/api/v1/session", {"token": viewer_token})
        self.assertEqual(status, 200)
        status, headers, payload = browser.request("POST", "/api/v1/session", {"token": daemon.admin})
        cookie = headers["Set-Cookie"]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertIn("Path=/", cookie)
        browser.cookie = cookie.split(";", 1)[0]
        csrf = json.loads(payload)["csrf"]
        self.assertGreaterEqual(len(csrf), 24)
        status, me = browser.json("GET", "/api/v1/me")
        self.assertEqual(me, {"user": "admin", "role": "operator", "csrf": csrf})
        for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": csrf[:-1]}):
            status, body = browser.json("POST", "/api/v1/plans/bars/run", headers=headers)
            self.assertEqual(status, 403, headers)
            self.assertIn("X-CSRF-Token", body["error"]["message"])
        status, body = browser.json("POST", "/api/v1/runs/%d/cancel" % run["id"], headers={"X-CSRF-Token": csrf})
        self.assertEqual(status, 409, body)  # got past the CSRF check to the run's state
        # Only the sessions' hashes are stored.
        stored = [r[0] for r in system_db(project, "SELECT id_hash FROM api_sessions")]
        self.assertEqual(len(stored), 2)
        self.assertNotIn(browser.cookie.split("=", 1)[1], stored)
        status, _, _ = browser.request("DELETE", "/api/v1/session", headers={"X-CSRF-Token": csrf})
        self.assertEqual(status, 204)
        status, _ = browser.json("GET", "/api/v1/me")
        self.assertEqual(status, 401)

        # A revoked token signs nothing in any more, and its sessions end with it.
        session = Client(daemon.url)
        session.sign_in(viewer_token)
        self.assertEqual(session.json("GET", "/api/v1/me")[0], 200)
        project.ds("token", "revoke", "vera")
        self.assertEqual(viewer.json("GET", "/api/v1/me")[0], 401)
        self.assertEqual(session.json("GET", "/api/v1/me")[0], 401)

        # The audit log: who, what, from where; the CLI prints the same entries.
        status, audit = operator.json("GET", "/api/v1/audit?limit=100")
        actions = [(e["actor"], e["action"]) for e in reversed(audit["items"])]
        self.assertIn(("admin", "plan.run"), actions)
        self.assertIn(("vera", "session.create"), actions)
        self.assertIn(("admin", "session.delete"), actions)
        self.assertIn(("admin", "run.pause"), actions)
        self.assertIn(("admin", "run.cancel"), actions)
        self.assertTrue(any(a == "token.revoke" and actor.startswith("cli:") for actor, a in actions), actions)
        self.assertNotIn(("vera", "plan.run"), actions)  # a refusal by role is no action
        run_entry = next(e for e in audit["items"] if e["action"] == "plan.run")
        self.assertEqual(run_entry["remote"], "127.0.0.1")
        self.assertEqual(run_entry["role"], "operator")
        self.assertEqual(audit["total"], len(audit["items"]))
        cli = json.loads(project.ds("audit", "--json", "--limit", "100").stdout)
        self.assertEqual(cli, audit["items"])

        # No answer and no log line carries a token or a cookie.
        log = daemon.output()
        self.assertNotIn(viewer_token, log)
        self.assertNotIn(browser.cookie.split("=", 1)[1], log)
        self.assertEqual(log.count(daemon.admin), 1, "the admin token is shown once, at first start")
        for path in ("/api/v1/overview", "/api/v1/audit", "/api/v1/runs/%d" % run["id"], "/api/v1/datasets"):
            _, _, payload = operator.request("GET", path)
            for secret in (daemon.admin, viewer_token, harness.TOKEN):
                self.assertNotIn(secret.encode(), payload, path)

    def test_hostile_input_gets_a_clear_4xx_and_stores_nothing(self):
        project, daemon = self.serve()
        operator = Client(daemon.url, daemon.admin)
        anon = Client(daemon.url)
        before = system_db(project, "SELECT (SELECT count(*) FROM api_sessions), (SELECT count(*) FROM api_tokens), "
                                    "(SELECT count(*) FROM runs)")
        cases = [
            ("not JSON", b"{token: 1", "application/json", 400, "not valid JSON"),
            ("invalid UTF-8", b'{"token": "\xff\xfe"}', "application/json", 400, "not valid JSON"),
            ("an array", b'["x"]', "application/json", 400, "JSON object"),
            ("a number", b'{"token": 12}', "application/json", 400, "expected a string"),
            ("an unknown key", b'{"token": "x", "role": "operator"}', "application/json", 400, "unknown key 'role'"),
            ("form encoding", b"token=x", "application/x-www-form-urlencoded", 415, "JSON"),
            ("a wrong token", b'{"token": "<script>alert(1)</script>"}', "application/json", 401, "wrong token"),
        ]
        for what, raw, ctype, code, message in cases:
            status, body = anon.json("POST", "/api/v1/session", headers={"Content-Type": ctype}, raw=raw)
            self.assertEqual(status, code, what)
            self.assertIn(message, body["error"]["message"], what)
        # Oversized: refused from its headers (413) before the body is read, so only the headers are sent.
        with socket.create_connection((anon.host, anon.port), timeout=30) as sock:
            sock.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 2097152\r\n\r\n")
            answer = sock.recv(4096)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer)
        queries = [
            ("/api/v1/runs?limit=abc", "limit"), ("/api/v1/runs?limit=0", "limit"),
            ("/api/v1/runs?limit=100000", "limit"), ("/api/v1/runs?offset=-1", "offset"),
            ("/api/v1/runs?status=%3Cscript%3E", "is not one of pending, running, succeeded"),
            ("/api/v1/runs/1/tasks?state=done%27%20OR%201%3D1", "is not one of pending, running, done"),
            ("/api/v1/runs/1/tasks?q=%FF%FE", "UTF-8"), ("/api/v1/runs/1/tasks?q=" + "x" * 300, "longer"),
            ("/api/v1/audit?limit=1e3", "limit"),
        ]
        for path, message in queries:
            status, body = operator.json("GET", path)
            self.assertEqual(status, 400, path)
            self.assertIn(message, body["error"]["message"], path)
        for path in ("/api/v1/runs/99999", "/api/v1/runs/99999/tasks", "/api/v1/datasets/%3Cscript%3E",
                     "/api/v1/datasets/daily%27%3B%20DROP%20TABLE%20runs%3B--"):
            status, body = operator.json("GET", path)
            self.assertEqual(status, 404, path)
        status, body = operator.json("POST", "/api/v1/plans/%3Cb%3Enope%26amp%3B/run")
        self.assertEqual(status, 404)
        self.assertIn("no plan '<b>nope&amp;'", body["error"]["message"])  # data in JSON, never markup
        # A run id beyond 18 digits is no route at all.
        status, _, _ = operator.request("GET", "/api/v1/runs/1234567890123456789012")
        self.assertEqual(status, 404)
        after = system_db(project, "SELECT (SELECT count(*) FROM api_sessions), (SELECT count(*) FROM api_tokens), "
                                   "(SELECT count(*) FROM runs)")
        self.assertEqual(before, after)
        # The refused sign-in is audited, with where it came from, and without the token tried.
        refused = system_db(project, "SELECT actor, remote, detail FROM audit_log WHERE action = 'session.refused'")
        self.assertEqual(refused, [("", "127.0.0.1", "wrong token")])

    def test_tasks_are_paged_filtered_and_searched_on_the_server(self):
        project, daemon = self.serve()
        client = Client(daemon.url, daemon.admin)
        self.assertEqual(client.json("POST", "/api/v1/plans/bars/run")[0], 202)
        run = wait_run_final(client, "bars")
        rid = run["id"]
        seen = []
        offset = 0
        while True:
            status, page = client.json("GET", "/api/v1/runs/%d/tasks?limit=25&offset=%d" % (rid, offset))
            self.assertEqual(status, 200)
            self.assertEqual(page["total"], len(PLAN_DAYS))
            self.assertEqual((page["limit"], page["offset"]), (25, offset))
            if not page["items"]:
                break
            seen += page["items"]
            offset += 25
        self.assertEqual([t["id"] for t in seen], sorted(t["id"] for t in seen))
        self.assertEqual(len({t["id"] for t in seen}), len(PLAN_DAYS))
        self.assertEqual(sorted(t["params"]["trade_date"] for t in seen), PLAN_DAYS)
        self.assertEqual(sum(t["rows"] for t in seen), run["rows"])
        status, page = client.json("GET", "/api/v1/runs/%d/tasks?state=done&q=202402&limit=500" % rid)
        february = [d for d in PLAN_DAYS if d.startswith("202402")]
        self.assertEqual(page["total"], len(february))
        self.assertEqual(sorted(t["params"]["trade_date"] for t in page["items"]), february)
        status, page = client.json("GET", "/api/v1/runs/%d/tasks?state=failed" % rid)
        self.assertEqual((page["total"], page["items"]), (0, []))
        status, page = client.json("GET", "/api/v1/runs/%d/tasks?q=%s" % (rid, urllib.parse.quote("' OR 1=1 --")))
        self.assertEqual((status, page["total"]), (200, 0))
        status, page = client.json("GET", "/api/v1/runs?plan=bars&limit=1")
        self.assertEqual((page["total"], [r["id"] for r in page["items"]]), (1, [rid]))
        # The timeline counts each step of every task (started, done), in buckets from the run's creation.
        status, t = client.json("GET", "/api/v1/runs/%d/timeline?buckets=10" % rid)
        self.assertEqual(status, 200, t)
        self.assertEqual(t["run_id"], rid)
        self.assertLessEqual(t["buckets"], 10)
        self.assertTrue(all(len(series) == t["buckets"] for series in t["tasks_by_state"].values()))
        self.assertEqual(list(t["tasks_by_state"]), ["done", "running"])
        self.assertEqual(sum(t["tasks_by_state"]["done"]), len(PLAN_DAYS))
        self.assertEqual(sum(t["tasks_by_state"]["running"]), len(PLAN_DAYS), "each started once: no retries")
        self.assertGreaterEqual(t["width_us"], 1_000_000)
        self.assertEqual(client.json("GET", "/api/v1/runs/%d/timeline?buckets=0" % rid)[0], 400)
        self.assertEqual(client.json("GET", "/api/v1/runs/99999/timeline")[0], 404)

    def test_the_overview_lists_the_days_alerts_and_when_each_quota_window_resets(self):
        sim = self.start_sim("--no-permission", "adj_factor", stocks=20)
        hook = WebhookReceiver()
        self.addCleanup(hook.stop)
        config = project_config(sim.url, days=PLAN_DAYS[:3], limits="{per_minute: 500, per_day: 10000}", extra="""  perm:
    dataset: adj_factor
    storages: [db]
    params: {trade_date: "20240531"}
alerts:
  group_secs: 1
  channels:
    hook: {type: webhook, url: "${E2E_HOOK_URL}"}
  rules:
    - {events: [run_failed, permission], channels: [hook]}
""").replace("  trade_cal: {source: tushare}\n", "  trade_cal: {source: tushare}\n  adj_factor: {source: tushare}\n")
        project = self.new_project(sim, config)
        project.env["E2E_HOOK_URL"] = hook.url
        daemon = WebDaemon(self, project)
        client = Client(daemon.url, daemon.admin)
        status, doc = client.json("GET", "/api/v1/alerts?since_us=0")
        self.assertEqual((status, doc["total"], doc["items"]), (200, 0, []))

        self.assertEqual(client.json("POST", "/api/v1/plans/perm/run")[0], 202)
        self.assertEqual(wait_run_final(client, "perm")["status"], "failed")
        doc = wait_until(lambda: (lambda d: d if d["total"] >= 1 else None)(
            client.json("GET", "/api/v1/alerts?since_us=0")[1]), "the alert in the log", timeout=60)
        entry = doc["items"][0]
        self.assertEqual((entry["channel"], entry["outcome"], entry["plans"]), ("hook", "sent", ["perm"]))
        self.assertTrue(set(entry["events"]) <= {"run_failed", "permission"} and entry["events"], entry)
        self.assertGreaterEqual(entry["alerts"], 1)
        self.assertIn("perm", entry["title"])
        self.assertGreaterEqual(len(hook.posts), 1)
        # Alerts of another day are not today's; a bad bound is refused.
        status, doc = client.json("GET", "/api/v1/alerts?since_us=%d" % ((time.time() + 3600) * 1e6))
        self.assertEqual(doc["total"], 0)
        self.assertEqual(client.json("GET", "/api/v1/alerts?since_us=-1")[0], 400)
        self.assertEqual(client.json("GET", "/api/v1/alerts?limit=0")[0], 400)

        # Quota windows say when their use falls: the minute within a minute of the last call, the day at the
        # vendor's next midnight (Asia/Shanghai).
        self.assertEqual(client.json("POST", "/api/v1/plans/bars/run")[0], 202)
        self.assertEqual(wait_run_final(client, "bars")["status"], "succeeded")
        status, doc = client.json("GET", "/api/v1/overview")
        windows = {w["window"]: w for q in doc["quotas"] if q["label"] == "tushare/daily" for w in q["windows"]}
        now = doc["now_us"]
        self.assertGreaterEqual(windows["minute"]["used"], 3)
        self.assertTrue(now < windows["minute"]["reset_at_us"] <= now + 61_000_000, windows["minute"])
        day_reset = windows["day"]["reset_at_us"]
        self.assertTrue(now < day_reset <= now + 86_400_000_000, windows["day"])
        shanghai = datetime.datetime.fromtimestamp(day_reset / 1e6, datetime.timezone(datetime.timedelta(hours=8)))
        self.assertEqual((shanghai.hour, shanghai.minute, shanghai.second), (0, 0, 0))
        self.assertEqual(windows["concurrency"]["reset_at_us"], 0)
        # The gauges count the calls of every process on the token (the system database's call ledger): a
        # `datasync run` beside the server adds its calls to the day's use the server shows.
        day_before = windows["day"]["used"]
        project.ds("run", "bars")
        cli_run = [r for r in project.ds_json("runs") if r["plan"] == "bars"][0]
        self.assertGreater(cli_run["requests"], 0, cli_run)
        status, doc = client.json("GET", "/api/v1/overview")
        windows = {w["window"]: w for q in doc["quotas"] if q["label"] == "tushare/daily" for w in q["windows"]}
        self.assertEqual(windows["day"]["used"], day_before + cli_run["requests"], windows["day"])

    def test_a_migration_check_is_a_job_that_the_request_only_queues(self):
        project, daemon = self.serve()
        operator = Client(daemon.url, daemon.admin)
        viewer = Client(daemon.url, make_token(project, "vera", "viewer"))
        conn = http.client.HTTPConnection(operator.host, operator.port, timeout=30)
        self.addCleanup(conn.close)
        conn.request("GET", "/api/v1/events", headers={"Authorization": "Bearer " + daemon.admin})
        resp = conn.getresponse()
        self.assertEqual(read_sse_event(resp), ("hello", {"dropped": 0}))
        # The request answers 202 with the job at once; the storage is asked on the job's thread.
        status, headers, payload = operator.request("POST", "/api/v1/datasets/daily/migrations", {"storage": "db"})
        job = json.loads(payload)
        self.assertEqual(status, 202, job)
        self.assertEqual(headers["Location"], "/api/v1/jobs/%d" % job["id"])
        self.assertEqual((job["kind"], job["subject"], job["actor"]), ("migration.check", "dataset daily in db", "admin"))
        self.assertIn(job["state"], ("queued", "running", "succeeded"))
        # Its end is streamed, and the job then holds the answer the check gives.
        name, ended = read_sse_event(resp)
        while name != "job_ended":
            name, ended = read_sse_event(resp)
        self.assertEqual((ended["id"], ended["state"], ended["kind"]), (job["id"], "succeeded", "migration.check"))
        status, done = viewer.json("GET", "/api/v1/jobs/%d" % job["id"])
        self.assertEqual((status, done["state"], done["error"]), (200, "succeeded", ""), done)
        self.assertTrue(done["result"]["dry_run"])
        self.assertEqual([(i["storage"], i["scripted"]) for i in done["result"]["items"]], [("db", False)])
        self.assertTrue(done["queued_at_us"] <= done["started_at_us"] <= done["finished_at_us"], done)
        status, listed = viewer.json("GET", "/api/v1/jobs")
        self.assertEqual([j["id"] for j in listed["items"]], [job["id"]])
        # What cannot be a job is refused by the request itself, and queues nothing.
        self.assertEqual(operator.json("POST", "/api/v1/datasets/daily/migrations", {"storage": "nowhere"})[0], 404)
        self.assertEqual(operator.json("POST", "/api/v1/datasets/nothing/migrations", {})[0], 404)
        self.assertEqual(operator.json("POST", "/api/v1/datasets/daily/migrations", {"apply": "yes"})[0], 400)
        self.assertEqual(viewer.json("POST", "/api/v1/datasets/daily/migrations", {"storage": "db"})[0], 403)
        self.assertEqual(viewer.json("GET", "/api/v1/jobs/999")[0], 404)
        self.assertEqual(len(viewer.json("GET", "/api/v1/jobs")[1]["items"]), 1)

    def test_live_events_stream_a_runs_progress_and_its_end(self):
        project, daemon = self.serve(project_config(self.sim.url, limits="{concurrency: 1}"))
        client = Client(daemon.url, daemon.admin)
        conn = http.client.HTTPConnection(client.host, client.port, timeout=30)
        self.addCleanup(conn.close)
        conn.request("GET", "/api/v1/events", headers={"Authorization": "Bearer " + daemon.admin})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/event-stream"))
        events = []
        read_event = lambda: read_sse_event(resp)  # noqa: E731
        self.assertEqual(read_event(), ("hello", {"dropped": 0}))
        self.assertEqual(client.json("POST", "/api/v1/plans/bars/run")[0], 202)
        deadline = time.time() + 120
        while time.time() < deadline:
            name, data = read_event()
            events.append((name, data))
            if name == "run_ended" and data["plan"] == "bars":
                break
        names = [n for n, _ in events]
        self.assertIn("run_progress", names)
        ended = events[-1][1]
        self.assertEqual((events[-1][0], ended["status"], ended["tasks_done"]), ("run_ended", "succeeded",
                                                                                 len(PLAN_DAYS)))
        progress = [d for n, d in events if n == "run_progress"]
        self.assertTrue(all(d["plan"] == "bars" and d["tasks_total"] == len(PLAN_DAYS) for d in progress))
        done = [d["tasks_done"] for d in progress]
        self.assertEqual(done, sorted(done), "progress only moves forward")
        self.assertEqual(ended["run_id"], wait_run_final(client, "bars")["id"])

    def test_a_run_another_process_executes_streams_its_progress_and_end_too(self):
        sim = self.start_sim("--latency-ms", "150", stocks=20)
        project = self.new_project(sim, project_config(sim.url, days=PLAN_DAYS[:25], limits="{concurrency: 1}"))
        daemon = WebDaemon(self, project)
        conn = http.client.HTTPConnection("127.0.0.1", int(daemon.url.rsplit(":", 1)[1]), timeout=30)
        self.addCleanup(conn.close)
        conn.request("GET", "/api/v1/events", headers={"Authorization": "Bearer " + daemon.admin})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        read_event = lambda: read_sse_event(resp)  # noqa: E731
        self.assertEqual(read_event()[0], "hello")
        # `datasync run` in a process of its own: the daemon reads its progress from the system database.
        cli = project.spawn("run", "bars", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(cli.kill)
        events = []
        deadline = time.time() + 120
        while time.time() < deadline:
            name, data = read_event()
            events.append((name, data))
            if name == "run_ended" and data["plan"] == "bars":
                break
        self.assertEqual(cli.wait(timeout=60), 0)
        progress = [d for n, d in events if n == "run_progress" and d["plan"] == "bars"]
        self.assertTrue(progress, events)
        self.assertTrue(all(d["note"].startswith("running in %d@" % cli.pid) for d in progress), progress)
        done = [d["tasks_done"] for d in progress]
        self.assertEqual(done, sorted(done))
        self.assertEqual(progress[0]["tasks_total"], 25)
        ended = events[-1]
        self.assertEqual((ended[0], ended[1]["status"], ended[1]["tasks_done"]), ("run_ended", "succeeded", 25))
        self.assertEqual(ended[1]["rows"], project.sqlite("SELECT count(*) FROM daily")[0][0])

    def test_coverage_marks_every_calendar_day_and_names_the_missing_ones(self):
        project = self.new_project(self.sim, project_config(self.sim.url, calendar=True))
        project.ds("run", "cal", "bars")
        dropped = PLAN_DAYS[10]
        con = __import__("sqlite3").connect(project.path("data", "warehouse.db"))
        with con:
            gone = con.execute("DELETE FROM daily WHERE trade_date = ?", (harness.iso(dropped),)).rowcount
        con.close()
        self.assertGreater(gone, 0)
        daemon = WebDaemon(self, project)
        client = Client(daemon.url, daemon.admin)
        last = harness.iso(PLAN_DAYS[-1])
        status, cov = client.json("GET", "/api/v1/datasets/daily/coverage?to=" + last)
        self.assertEqual(status, 200, cov)
        self.assertEqual((cov["storage"], cov["calendar"], cov["date_key"]), ("db", "trade_cal", "trade_date"))
        self.assertEqual((cov["from"], cov["to"]), (harness.iso(PLAN_DAYS[0]), last))
        self.assertEqual(cov["missing_ranges"], [{"first": harness.iso(dropped), "last": harness.iso(dropped),
                                                  "days": 1}])
        self.assertEqual(cov["missing"], 1)
        # One mark per day from `from` to `to`: the dropped day is the one 'm'; weekends are closed.
        marks = cov["day_marks"]
        first = datetime.date.fromisoformat(cov["from"])
        self.assertEqual(len(marks), (datetime.date.fromisoformat(cov["to"]) - first).days + 1)
        day_of = lambda i: (first + datetime.timedelta(days=i)).strftime("%Y%m%d")
        self.assertEqual([day_of(i) for i, m in enumerate(marks) if m == "m"], [dropped])
        self.assertEqual(marks.count("p"), cov["present"])
        self.assertTrue(all(marks[i] == "-" for i in range(len(marks))
                            if (first + datetime.timedelta(days=i)).weekday() >= 5))
        # The CLI's JSON is the same report, without the marks.
        cli = json.loads(project.ds("coverage", "daily", "--to", last, "--json", check=False).stdout)
        self.assertEqual(cli, {k: v for k, v in cov.items() if k != "day_marks"})
        for path, code in (("/api/v1/datasets/daily/coverage?from=2024-13-01", 400),
                           ("/api/v1/datasets/daily/coverage?from=2024-03-01&to=2024-01-01", 400),
                           ("/api/v1/datasets/daily/coverage?storage=nope", 404),
                           ("/api/v1/datasets/daily/coverage?storage=%3Cscript%3E", 404),
                           ("/api/v1/datasets/nope/coverage", 404)):
            status, body = client.json("GET", path)
            self.assertEqual(status, code, (path, body))
            self.assertTrue(body["error"]["message"], path)

    def test_the_data_preview_reads_the_newest_rows_of_one_key(self):
        project, daemon = self.serve()
        project.ds("run", "bars")
        client = Client(daemon.url, daemon.admin)
        status, latest = client.json("GET", "/api/v1/datasets/daily/rows?limit=5")
        self.assertEqual(status, 200, latest)
        self.assertEqual((latest["storage"], latest["order_by"], latest["key_field"]), ("db", "trade_date", "ts_code"))
        names = [c["name"] for c in latest["columns"]]
        self.assertEqual(names[:3], ["ts_code", "trade_date", "open"])
        self.assertEqual(latest["columns"][2]["type"], "float64")
        self.assertEqual(len(latest["rows"]), 5)
        self.assertTrue(all(r[1] == harness.iso(PLAN_DAYS[-1]) for r in latest["rows"]), latest["rows"])
        code = latest["rows"][0][0]
        status, one = client.json("GET", "/api/v1/datasets/daily/rows?limit=1000&key=" + urllib.parse.quote(code))
        self.assertEqual(status, 200)
        stored = project.sqlite("SELECT trade_date, close FROM daily WHERE ts_code = ? ORDER BY trade_date DESC",
                                (code,))
        close_at = names.index("close")
        self.assertEqual([(r[1], r[close_at]) for r in one["rows"]], [(harness.iso(d) if len(str(d)) == 8 else d, c)
                                                                      for d, c in stored])
        self.assertEqual({r[0] for r in one["rows"]}, {code})
        for path, code_expected in (("/api/v1/datasets/daily/rows?key=%27%20OR%201%3D1--", 200),
                                    ("/api/v1/datasets/daily/rows?limit=0", 400),
                                    ("/api/v1/datasets/daily/rows?limit=100000", 400),
                                    ("/api/v1/datasets/daily/rows?storage=nope", 404),
                                    ("/api/v1/datasets/nope/rows", 404)):
            status, body = client.json("GET", path)
            self.assertEqual(status, code_expected, (path, body))
            if code_expected == 200:
                self.assertEqual(body["rows"], [])

    def test_the_web_app_is_served_from_the_binary_with_etags_gzip_and_a_strict_policy(self):
        project, daemon = self.serve()
        anon = Client(daemon.url)
        status, headers, page = anon.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn("script-src 'self'", headers["Content-Security-Policy"])
        self.assertEqual(headers["X-Frame-Options"], "DENY")
        scripts = re.findall(rb'src="(/assets/[^"]+)"', page)
        self.assertTrue(scripts, page)
        for src in scripts:
            status, h, body = anon.request("GET", src.decode())
            self.assertEqual(status, 200, src)
            self.assertTrue(h["Content-Type"].startswith("text/javascript"), (src, h["Content-Type"]))
            status, _, _ = anon.request("GET", src.decode(), headers={"If-None-Match": h["ETag"]})
            self.assertEqual(status, 304)
            status, hz, zipped = anon.request("GET", src.decode(), headers={"Accept-Encoding": "gzip"})
            self.assertEqual(hz.get("Content-Encoding"), "gzip")
            self.assertEqual(gzip.decompress(zipped), body)
        # The page loads nothing from elsewhere: every URL it names is this server's.
        self.assertNotRegex(page.decode(), r"(src|href)=\"(https?:)?//")
        status, _, _ = anon.request("GET", "/assets/../datasync.yaml")
        self.assertEqual(status, 404)
        status, _, _ = anon.request("GET", "/assets/nothing.js")
        self.assertEqual(status, 404)


class WebListenTest(E2ETestCase):
    def test_an_address_off_loopback_is_refused_without_allow_insecure(self):
        sim = self.start_sim(stocks=5)
        project = self.new_project(sim, project_config(sim.url, extra="serve:\n  listen: 0.0.0.0:9470\n"))
        out = project.ds("validate", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("serve.listen: '0.0.0.0:9470' is not a loopback address", out.stdout + out.stderr)
        self.assertIn("allow_insecure", out.stdout + out.stderr)
        project.write_config(project_config(sim.url, extra="serve:\n  listen: 0.0.0.0:9470\n  allow_insecure: true\n"))
        self.assertEqual(project.ds("validate", check=False).returncode, 0)
        project.write_config(project_config(sim.url))
        out = subprocess.run([harness.DATASYNC, "--project", project.dir, "serve", "--listen", "0.0.0.0:0"],
                             env=project.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 2)
        self.assertIn("not a loopback address", out.stderr)

    def test_tls_serves_everything_over_https_and_allows_any_address(self):
        cert = os.path.join(UNIT_NET, "test_server_cert.pem")
        key = os.path.join(UNIT_NET, "test_server_key.pem")
        sim = self.start_sim(stocks=5)
        tls = "serve:\n  listen: 0.0.0.0:9470\n  tls: {cert: %s, key: %s}\n" % (cert, key)
        project = self.new_project(sim, project_config(sim.url, extra=tls))
        self.assertEqual(project.ds("validate", check=False).returncode, 0)
        # A key that is not one, a file that is not there: serve says which and stops.
        for bad, expected in (("serve:\n  tls: {cert: %s, key: %s}\n" % (cert, cert), "serve.tls.key: cannot use"),
                              ("serve:\n  tls: {cert: nothing.pem, key: %s}\n" % key, "serve.tls.cert: cannot use")):
            project.write_config(project_config(sim.url, extra=bad))
            out = subprocess.run([harness.DATASYNC, "--project", project.dir, "serve", "--listen", "127.0.0.1:0"],
                                 env=project.env, capture_output=True, text=True, timeout=60)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn(expected, out.stderr)
        project.write_config(project_config(sim.url, extra="serve:\n  tls: {cert: %s}\n" % cert))
        out = project.ds("validate", check=False)
        self.assertIn("serve.tls: missing required key 'key'", out.stdout + out.stderr)

        project.write_config(project_config(sim.url, extra=tls))
        info = project.path(".datasync", "serve.json")
        token = make_token(project, "ops", "operator")
        proc = project.spawn("serve", "--listen", "0.0.0.0:0", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(proc.kill)
        url = wait_until(lambda: os.path.exists(info) and json.loads(harness.read_text(info)).get("url"),
                         "serve.json")
        self.assertTrue(url.startswith("https://0.0.0.0:"), url)
        port = int(url.rsplit(":", 1)[1])
        context = ssl.create_default_context(cafile=cert)

        def https(method, path, body=None, headers=None):
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
            try:
                h = dict(headers or {})
                data = None
                if body is not None:
                    data = json.dumps(body).encode()
                    h["Content-Type"] = "application/json"
                conn.request(method, path, body=data, headers=h)
                resp = conn.getresponse()
                return resp.status, dict(resp.getheaders()), resp.read()
            finally:
                conn.close()
        wait_until(lambda: https("GET", "/healthz")[0] == 200, "/healthz over https")
        status, headers, payload = https("GET", "/api/v1/me", headers={"Authorization": "Bearer " + token})
        self.assertEqual((status, json.loads(payload)["role"]), (200, "operator"))
        status, headers, _ = https("POST", "/api/v1/session", {"token": token})
        self.assertEqual(status, 200)
        self.assertIn("; Secure", headers["Set-Cookie"])
        status, _, metrics = https("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("# TYPE datasync_", metrics.decode())
        # Plain HTTP to the TLS port gets no answer, and the server goes on serving.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(10)
            try:
                got = s.recv(4096)
            except (ConnectionResetError, socket.timeout):
                got = b""
            self.assertNotIn(b"HTTP/1.1 200", got)
        # A client that does not trust the certificate is refused by its own TLS check.
        with self.assertRaises(ssl.SSLError):
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(), timeout=10)
            conn.request("GET", "/healthz")
        self.assertEqual(https("GET", "/healthz")[0], 200)
        proc.terminate()
        self.assertEqual(proc.wait(timeout=60), 0)

    def test_serve_auth_tokens_from_the_environment_sign_in_and_no_admin_token_is_made(self):
        sim = self.start_sim(stocks=5)
        project = self.new_project(sim, project_config(sim.url, extra="""serve:
  auth:
    tokens:
      - {name: alice, role: operator, token: "${ALICE_TOKEN}"}
      - {name: bob, role: viewer, token: "${BOB_TOKEN}"}
"""))
        project.env["ALICE_TOKEN"] = "alice-token-0123456789abcdef"
        project.env["BOB_TOKEN"] = "bob-token-0123456789abcdef"
        daemon = Daemon(self, project)
        self.assertNotIn("admin token", daemon.output())
        self.assertEqual(system_db(project, "SELECT count(*) FROM api_tokens")[0][0], 0)
        status, me = Client(daemon.url, "alice-token-0123456789abcdef").json("GET", "/api/v1/me")
        self.assertEqual((status, me), (200, {"user": "alice", "role": "operator"}))
        status, body = Client(daemon.url, "bob-token-0123456789abcdef").json("POST", "/api/v1/plans/bars/run")
        self.assertEqual(status, 403)
        # A literal token in the file is refused: it would be readable by anyone who reads the file.
        project.write_config(project_config(sim.url, extra="""serve:
  auth:
    tokens:
      - {name: carol, role: operator, token: literally-in-the-file-123}
"""))
        out = project.ds("validate", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("serve.auth.tokens[0].token: write a ${ENV_VAR} reference", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
