"""The declarative `rest` provider end to end: the real datasync binary syncs from a tiny JSON API written
here (python's http.server on 127.0.0.1), described in datasync.yaml alone. Every pagination kind (cursor with
rows + columns as Nasdaq Data Link sends them, offset, page_number, link), an API key in a header, and error
rules for a rate limit (wait read from the message) and a daily quota (the run is deferred and continues),
each checked by comparing the rows stored in SQLite with what the API served, value for value; and an API
that ignores its page param, stopped at max_pages with exactly those pages stored."""

import datetime
import decimal
import http.server
import json
import re
import sys
import threading
import unittest
import urllib.parse

import harness
from harness import E2ETestCase

API_KEY = "rest-e2e-key-5d4c3b2a19"
PAGE = 4


def item(region, i):
    """Row i of a region: every type the provider conforms, a NULL in every third row."""
    return {
        "id": i,
        "region": region,
        "name": "%s item %d é" % (region, i),
        "price": "%d.%04d" % (10 + i, (i * 37) % 10000),
        "day": "2024-01-%02d" % (1 + i % 28),
        "active": i % 2 == 0,
        "note": None if i % 3 == 0 else "n%d" % i,
    }


ROWS = {r: [item(r, i) for i in range(1, 11)] for r in ("north", "south")}
COLUMNS = ["id", "region", "name", "price", "day", "active", "note"]


class Api(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.calls = []             # (path, query) of every call
        self.refuse_once = set()    # paths that answer with their error once
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        api = self.server
        with api.lock:
            api.calls.append((url.path, q))
            refuse = url.path in api.refuse_once
            api.refuse_once.discard(url.path)
        if self.headers.get("X-Api-Token") != API_KEY:
            return self.answer(401, {"error": {"code": "AUTH", "message": "unknown key %s" % self.headers.get("X-Api-Token")}})
        if "api_key" in q or API_KEY in self.path:
            return self.answer(400, {"error": {"code": "LEAK", "message": "the key must not be in the URL"}})
        region = q.get("region", "north")
        rows = ROWS.get(region, [])
        if url.path == "/api/v3/datatables/DEMO/PRICES.json":
            # Nasdaq Data Link's shape: rows of arrays, a column list of objects, a cursor in meta.
            start = int(q.get("qopts.cursor_id", "0"))
            page = rows[start:start + PAGE]
            nxt = str(start + PAGE) if start + PAGE < len(rows) else None
            return self.answer(200, {"datatable": {"data": [[r[c] for c in COLUMNS] for r in page],
                                                   "columns": [{"name": c, "type": "String"} for c in COLUMNS]},
                                     "meta": {"next_cursor_id": nxt}})
        if url.path in ("/v1/offset", "/v1/slow", "/v1/daily"):
            if refuse and url.path == "/v1/slow":
                return self.answer(429, {"error": {"code": "SLOW", "message": "too many requests, retry in 1 s"}})
            if refuse and url.path == "/v1/daily":
                return self.answer(429, {"error": {"code": "DAILY", "message": "daily call limit reached"}})
            offset, limit = int(q["offset"]), int(q["limit"])
            return self.answer(200, {"items": rows[offset:offset + limit]})
        if url.path == "/v1/pages":
            page, per = int(q["page"]), int(q["per_page"])
            return self.answer(200, {"results": rows[(page - 1) * per:page * per]})
        if url.path == "/v1/stuck":
            # An API that ignores the page param: the first page, full, whatever page is asked for.
            return self.answer(200, {"results": rows[:int(q["per_page"])]})
        if url.path == "/v1/link":
            page = int(q.get("page", "1"))
            headers = []
            if page * PAGE < len(rows):
                nxt = "%s/v1/link?region=%s&page=%d" % (api.url, region, page + 1)
                headers.append(("Link", '<%s/v1/link?page=1>; rel="first", <%s>; rel="next"' % (api.url, nxt)))
            return self.answer(200, rows[(page - 1) * PAGE:page * PAGE], headers)
        return self.answer(404, {"error": {"code": "NOT_FOUND", "message": "no route " + url.path}})


FIELDS = """    fields:
      - {name: id, type: int64}
      - {name: region, type: string}
      - {name: name, type: string}
      - {name: price, type: "decimal(12,4)"}
      - {name: day, type: date}
      - {name: active, type: bool}
      - {name: note, type: string}
    primary_key: [region, id]
"""


def config(url):
    datasets = {
        "by_cursor": "    path: /api/v3/datatables/DEMO/PRICES.json\n    rows: datatable.data\n"
                     "    columns: datatable.columns\n    paginate: cursor\n    cursor_path: meta.next_cursor_id\n"
                     "    cursor_param: qopts.cursor_id\n",
        "by_offset": "    path: /v1/offset\n    records: items\n    paginate: offset\n    page_size: 4\n",
        "by_page": "    path: /v1/pages\n    records: results\n    paginate: page_number\n    page_size: 4\n"
                   "    limit_param: per_page\n",
        "by_link": "    path: /v1/link\n    records: $\n    paginate: link\n",
        "slow": "    path: /v1/slow\n    records: items\n    paginate: offset\n    page_size: 4\n",
        "daily": "    path: /v1/daily\n    records: items\n    paginate: offset\n    page_size: 4\n",
        "stuck": "    path: /v1/stuck\n    records: results\n    paginate: page_number\n    page_size: 4\n"
                 "    limit_param: per_page\n    max_pages: 3\n",
    }
    text = """version: 1
sources:
  api:
    provider: rest
    endpoint: %s
    auth: api_key
    api_key: ${REST_E2E_KEY}
    api_key_in: header
    api_key_name: X-Api-Token
    timezone: America/New_York
    limits: {windows: [{every_secs: 10, limit: 300}, {every_secs: 600, limit: 2000}], per_day: 50000, concurrency: 1, scope: per_credential}
    error_rules:
      - {status: 429, code_path: error.code, code_match: "^SLOW$", message_path: error.message, class: RATE_LIMITED, wait_pattern: "retry in ([0-9]+) s"}
      - {code_path: error.code, code_match: "^DAILY$", class: QUOTA_EXHAUSTED, wait_secs: 1}
storages:
  db: {kind: sqlite, path: data/warehouse.db}
datasets:
""" % url
    for name, keys in datasets.items():
        # `stuck` stores the same rows once per page: without a key, so that every page stored is counted.
        fields = FIELDS.replace("    primary_key: [region, id]\n", "") if name == "stuck" else FIELDS
        text += "  %s:\n    source: api\n%s%s" % (name, keys, fields)
    text += "plans:\n"
    for name in datasets:
        text += ("  %s:\n    dataset: %s\n    storages: [db]\n    params:\n      region: [north, south]\n"
                 "    retry: {max_attempts: 3, initial_backoff_ms: 20, max_backoff_ms: 200}\n") % (name, name)
        if name == "stuck":
            text += "    mode: append\n"  # every page stored is counted, the same rows included
    return text


def expected():
    out = []
    for region in ("north", "south"):
        for r in ROWS[region]:
            out.append((r["id"], r["region"], r["name"], str(decimal.Decimal(r["price"])), r["day"],
                        1 if r["active"] else 0, r["note"]))
    return sorted(out, key=lambda t: (t[1], t[0]))


class RestProviderTest(E2ETestCase):
    def setUp(self):
        self.api = Api()
        self.addCleanup(self.api.stop)
        self.project = self.new_project(config=None)
        self.project.env["REST_E2E_KEY"] = API_KEY
        self.project.write_config(config(self.api.url))

    def stored(self, table):
        return self.project.sqlite("SELECT id, region, name, price, day, active, note FROM %s ORDER BY region, id"
                                   % table)

    def calls(self, path):
        with self.api.lock:
            return [q for p, q in self.api.calls if p == path]

    def test_every_pagination_kind_stores_exactly_what_the_api_served(self):
        self.project.ds("validate")
        for plan, path, pages in (("by_cursor", "/api/v3/datatables/DEMO/PRICES.json", 3),
                                  ("by_offset", "/v1/offset", 3), ("by_page", "/v1/pages", 3),
                                  ("by_link", "/v1/link", 3)):
            with self.subTest(plan=plan):
                out = self.project.ds("run", plan, "--json")
                report = json.loads(out.stdout)[0]["report"]
                self.assertEqual(report["status"], "succeeded", out.stdout)
                self.assertEqual(self.stored(plan), expected())
                # Ten rows per region in pages of four: three calls each, none repeated.
                self.assertEqual(len(self.calls(path)), 2 * pages, self.calls(path))
        # The cursor went back as the vendor named it, and the offset and page params as configured.
        self.assertEqual(sorted(q.get("qopts.cursor_id") or "" for q in self.calls("/api/v3/datatables/DEMO/PRICES.json")),
                         ["", "", "4", "4", "8", "8"])
        self.assertEqual(sorted(q["offset"] for q in self.calls("/v1/offset")), ["0", "0", "4", "4", "8", "8"])
        self.assertEqual(sorted(q["page"] for q in self.calls("/v1/pages")), ["1", "1", "2", "2", "3", "3"])
        # The types were kept: SQLite's column catalog says date, decimal and bool.
        types = dict(self.project.sqlite("SELECT column_name, logical_type FROM _datasync_columns WHERE table_name = 'by_cursor'"))
        self.assertEqual((types["price"], types["day"], types["active"]), ("decimal(12,4)", "date", "bool"))

    def test_fields_inferred_from_one_call_are_written_into_the_file_and_a_run_stores_with_them(self):
        # A dataset described without its fields: the loader says how to get them.
        text = config(self.api.url).replace("plans:\n", "  inferred:\n    source: api\n    path: /v1/offset\n"
                                            "    records: items  # the orders\n    paginate: offset\n"
                                            "    page_size: 4\n    primary_key: [region, id]\nplans:\n", 1)
        text += ("  inferred:\n    dataset: inferred\n    storages: [db]\n    params:\n      region: [north, south]\n")
        self.project.write_config(text)
        out = self.project.ds("validate", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("`datasync dataset sample inferred --param NAME=VALUE...` infers them", out.stdout + out.stderr)

        # Sampling prints the fields and changes nothing; the call went out with the source's key and params.
        out = self.project.ds("dataset", "sample", "inferred", "--param", "region=south", "--param", "offset=0",
                              "--param", "limit=10")
        self.assertIn("- {name: price, type: \"decimal(18,4)\"}", out.stdout)
        self.assertIn("- {name: day, type: date}", out.stdout)
        self.assertIn("note: price: decimal numbers as text, declared decimal(18,4)", out.stderr)
        self.assertNotIn(API_KEY, out.stdout + out.stderr)
        self.assertEqual(self.calls("/v1/offset")[-1], {"region": "south", "offset": "0", "limit": "10"})
        with open(self.project.path("datasync.yaml")) as f:
            self.assertEqual(f.read(), text)

        # --write freezes them into the dataset's entry; the rest of the file is kept as written.
        out = self.project.ds("dataset", "sample", "inferred", "--param", "region=south", "--param", "offset=0",
                              "--param", "limit=10", "--write")
        self.assertIn("wrote 7 fields into datasets.inferred", out.stdout)
        with open(self.project.path("datasync.yaml")) as f:
            written = f.read()
        self.assertIn("  inferred:\n    # fields inferred by `datasync dataset sample` from 10 records: check the "
                      "types\n    fields:\n      - {name: id, type: int64}\n", written)
        self.assertIn("    records: items  # the orders\n", written)
        self.assertNotIn("date_key", text)
        self.assertIn("    date_key: day\n", written)  # proposed, as the file had none
        self.assertEqual(written.count("primary_key: [region, id]"), text.count("primary_key: [region, id]"))
        self.project.ds("validate")
        again = self.project.ds("dataset", "sample", "inferred", "--param", "region=south", "--write", check=False)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("already lists its fields", again.stdout + again.stderr)

        # A run stores every row with the inferred types: the same values as the hand-written schema's.
        out = self.project.ds("run", "inferred", "--json")
        self.assertEqual(json.loads(out.stdout)[0]["report"]["status"], "succeeded", out.stdout)
        self.assertEqual(self.stored("inferred"), expected())
        types = dict(self.project.sqlite("SELECT column_name, logical_type FROM _datasync_columns "
                                         "WHERE table_name = 'inferred'"))
        self.assertEqual(types, {"id": "int64", "region": "string", "name": "string", "price": "decimal(18,4)",
                                 "day": "date", "active": "bool", "note": "string"})

    def test_a_rate_limit_rule_cools_down_by_the_message_and_the_task_succeeds(self):
        self.api.refuse_once.add("/v1/slow")
        out = self.project.ds("run", "slow", "--json")
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded", out.stdout)
        self.assertEqual(self.stored("slow"), expected())
        self.assertEqual(len(self.calls("/v1/slow")), 7, "six pages and the one refused call")
        # The rule named the class and read the wait from the message; a cool-down is not a failed attempt.
        self.assertEqual([(e["kind"], e["count"]) for e in report["errors"]], [("RATE_LIMITED", 1)], report["errors"])
        self.assertIn("retry in 1 s (error_rules[0]: RATE_LIMITED); cooling down 1 s", report["errors"][0]["examples"][0])
        self.assertEqual(report["retries"], 0)
        self.assertEqual(report["tasks"]["failed"], 0)

    def test_a_daily_quota_rule_defers_the_run_and_it_continues_after_the_wait(self):
        self.api.refuse_once.add("/v1/daily")
        out = self.project.ds("run", "daily", "--wait", "--json")
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded", out.stdout)
        # Deferred once, until the rule's wait (1 s after the refusal), not the vendor's midnight.
        until = re.findall(r"deferred until (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", out.stderr)
        self.assertEqual(len(until), 1, out.stderr)
        deferred_to = datetime.datetime.strptime(until[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        started = datetime.datetime.fromtimestamp(report["started_at_us"] / 1e6, datetime.timezone.utc)
        self.assertLess(abs((deferred_to - started).total_seconds()), 30, (until, started))
        self.assertEqual(report["tasks"]["failed"], 0)
        self.assertEqual(self.stored("daily"), expected())
        self.assertEqual(len(self.calls("/v1/daily")), 7, "six pages and the one refused call")

    def test_a_refused_key_fails_the_run_as_permission_and_is_never_printed(self):
        self.project.env["REST_E2E_KEY"] = "wrong-key-0a9b8c7d6e"
        out = self.project.ds("run", "by_offset", "--json", check=False)
        self.assertNotEqual(out.returncode, 0, out.stdout)
        text = out.stdout + out.stderr + self.project.log()
        self.assertIn("PERMISSION", text)
        self.assertNotIn("wrong-key-0a9b8c7d6e", text)
        # Permission stops the plan: one call per task at most, never a retry loop.
        self.assertLessEqual(len(self.calls("/v1/offset")), 2)

    def test_an_api_that_ignores_its_page_param_stops_at_max_pages_with_those_pages_stored(self):
        out = self.project.ds("run", "stuck", "--json", check=False)
        self.assertNotEqual(out.returncode, 0, out.stdout)
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "failed", out.stdout)
        self.assertEqual(report["tasks"]["failed"], 2, report)
        self.assertEqual([(e["kind"], e["count"]) for e in report["errors"]], [("PERMANENT", 2)], report["errors"])
        example = report["errors"][0]["examples"][0]
        self.assertIn("took 3 pages", example)
        self.assertIn("datasets.stuck.max_pages", example)
        self.assertIn("page_param 'page'", example)
        # Three calls per region, none beyond max_pages, and the three pages stored stay (mode append).
        self.assertEqual(sorted(q["page"] for q in self.calls("/v1/stuck")), ["1", "1", "2", "2", "3", "3"])
        first_page = [r for r in expected() if r[0] <= PAGE]
        self.assertEqual(self.stored("stuck"), sorted(first_page * 3, key=lambda t: (t[1], t[0])))


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
