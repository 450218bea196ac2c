"""End-to-end tests of the web app's Manage API (issue 13 item 6, docs/web.md): the configuration objects with
their origin; forms generated from the option tables that validate datasync.yaml; objects made in the app
created, edited, run and deleted, each change read with the whole file by the same parser and refused with its
problems; a literal secret kept out of the system database and out of every answer; `template test` as a call;
`datasync export` printing YAML that pastes into the file."""

import json
import os
import sys
import unittest

import harness

from harness import TOKEN, E2ETestCase
from test_serve import system_db
from test_web_api import Client, WebDaemon, make_token, project_config, wait_run_final

CSV_PLAN_YAML = """dataset: daily
storages: [csvout]
params:
  trade_date: ["20240102", "20240103", "20240104"]
"""


class ManageApiTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=20)
        self.project = self.new_project(self.sim, project_config(self.sim.url, days=["20240102"]))
        self.daemon = WebDaemon(self, self.project)
        self.operator = Client(self.daemon.url, self.daemon.admin)

    def objects(self):
        status, doc = self.operator.json("GET", "/api/v1/objects")
        self.assertEqual(status, 200)
        return {(o["kind"], o["name"]): o for o in doc["items"]}

    def test_an_operator_makes_a_storage_and_a_plan_runs_it_and_export_pastes_into_the_file(self):
        objects = self.objects()
        self.assertEqual(objects[("plan", "bars")]["origin"], "config")
        self.assertFalse(objects[("plan", "bars")]["editable"])
        self.assertIn("datasync.yaml", objects[("plan", "bars")]["note"])
        self.assertEqual(objects[("source", "tushare")]["origin"], "config")

        # The forms come from the option tables: the storage form's csv variant is the csv sink's table.
        status, form = self.operator.json("GET", "/api/v1/forms/storages")
        self.assertEqual(status, 200)
        self.assertEqual(form["plugin_key"], "kind")
        self.assertEqual(form["fields"][0]["key"], "kind")
        csv_path = next(f for f in form["variants"]["csv"]["fields"] if f["key"] == "path")
        self.assertTrue(csv_path["required"])
        status, form = self.operator.json("GET", "/api/v1/forms/plans")
        fields = {f["key"]: f for f in form["fields"]}
        self.assertEqual(fields["dataset"]["type"], "ref")
        self.assertEqual(fields["dataset"]["ref"], "datasets")
        self.assertEqual(fields["storages"]["type"], "refs")
        self.assertEqual(fields["mode"]["choices"], ["upsert", "append", "replace"])
        self.assertEqual(fields["params"]["type"], "yaml")
        status, form = self.operator.json("GET", "/api/v1/forms/sources")
        token = next(f for f in form["variants"]["tushare"]["fields"] if f["key"] == "token")
        self.assertEqual(token["type"], "secret")

        status, body = self.operator.json("POST", "/api/v1/objects/storages",
                                          {"name": "csvout", "spec": {"kind": "csv", "path": "data/csv"}})
        self.assertEqual(status, 201, body)
        self.assertTrue(body["ok"])
        self.assertIn({"kind": "storage", "name": "csvout", "change": "created", "version": 1}, body["changes"])
        status, body = self.operator.json("POST", "/api/v1/objects/plans", {"name": "bars_csv", "yaml": CSV_PLAN_YAML})
        self.assertEqual(status, 201, body)
        self.assertEqual([c["name"] for c in body["changes"] if c["change"] == "created"], ["bars_csv"])

        # The plan made in the app runs like any other, into the storage made in the app.
        status, body = self.operator.json("POST", "/api/v1/plans/bars_csv/run")
        self.assertEqual(status, 202, body)
        run = wait_run_final(self.operator, "bars_csv")
        self.assertEqual(run["status"], "succeeded", run)
        self.assertEqual(run["tasks_done"], 3)
        csv_rows = 0
        for root, _, files in os.walk(self.project.path("data", "csv")):
            for f in files:
                if f.endswith(".csv"):
                    with open(os.path.join(root, f), encoding="utf-8") as fh:
                        csv_rows += sum(1 for _ in fh) - 1
        self.assertEqual(csv_rows, run["rows"])
        self.assertGreater(csv_rows, 0)

        status, plan = self.operator.json("GET", "/api/v1/objects/plans/bars_csv")
        self.assertEqual(status, 200)
        self.assertEqual((plan["origin"], plan["editable"], plan["updated_by"]), ("api", True, "admin"))
        self.assertEqual(plan["body"]["storages"], ["csvout"])
        self.assertEqual(plan["body"]["params"], {"trade_date": ["20240102", "20240103", "20240104"]})
        self.assertIn("trade_date:", plan["body_yaml"]["params"])
        self.assertTrue(plan["yaml"].startswith("plans:\n  bars_csv:\n"), plan["yaml"])

        # An edit: the catalog's version moves, and the next run uses it.
        status, body = self.operator.json(
            "PUT", "/api/v1/objects/plans/bars_csv",
            {"yaml": CSV_PLAN_YAML.replace('"20240104"', '"20240104", "20240105"') + "description: edited\n"})
        self.assertEqual(status, 200, body)
        self.assertIn({"kind": "plan", "name": "bars_csv", "change": "updated", "version": 2}, body["changes"])

        # `datasync export` prints the YAML the API shows; pasted under the file's plans: it is the file's.
        status, plan = self.operator.json("GET", "/api/v1/objects/plans/bars_csv")
        exported = self.project.ds("export", "plan", "bars_csv").stdout
        self.assertEqual(exported, plan["yaml"])
        keys = [line.split(":")[0].strip() for line in exported.splitlines()
                if line.startswith("    ") and not line.startswith("     ")]
        self.assertEqual(keys, ["dataset", "storages", "params", "description"], "the documented order:\n" + exported)
        every = self.project.ds("export", "--app").stdout
        self.assertIn("storages:\n  csvout:\n    kind: csv\n", every)
        self.assertIn("plans:\n  bars_csv:\n", every)
        cfg_path = self.project.path("datasync.yaml")
        with open(cfg_path, encoding="utf-8") as f:
            text = f.read()
        entry = exported.split("\n", 1)[1]
        storage_entry = self.project.ds("export", "storage", "csvout").stdout.split("\n", 1)[1]
        text = text.replace("plans:\n", "plans:\n" + entry, 1).replace("storages:\n", "storages:\n" + storage_entry, 1)
        with open(cfg_path, "w", encoding="utf-8") as f:
            f.write(text)
        out = self.project.ds("validate").stdout + self.project.ds("validate").stderr
        self.assertIn("datasync.yaml defines it too", out)
        objects = self.objects()
        self.assertEqual(objects[("plan", "bars_csv")]["origin"], "api")
        self.assertIn("the file's definition is used", objects[("plan", "bars_csv")]["note"])
        # Deleting the app's copies leaves the file's: the plan stays, now from datasync.yaml.
        for kind, name in (("plans", "bars_csv"), ("storages", "csvout")):
            status, body = self.operator.json("DELETE", "/api/v1/objects/%s/%s" % (kind, name))
            self.assertEqual(status, 200, body)
        objects = self.objects()
        self.assertEqual(objects[("plan", "bars_csv")]["origin"], "config")
        self.assertEqual(system_db(self.project, "SELECT count(*) FROM app_objects")[0][0], 0)

        # Every change is audited with who and from where.
        status, audit = self.operator.json("GET", "/api/v1/audit?limit=100")
        changes = [(e["action"], e["target"]) for e in reversed(audit["items"]) if e["action"].startswith("object.")]
        self.assertEqual(changes, [("object.create", "storage csvout"), ("object.create", "plan bars_csv"),
                                   ("object.update", "plan bars_csv"), ("object.delete", "plan bars_csv"),
                                   ("object.delete", "storage csvout")])

    def test_a_change_with_problems_is_refused_with_them_and_nothing_is_stored(self):
        viewer = Client(self.daemon.url, make_token(self.project, "vera", "viewer"))
        status, body = viewer.json("POST", "/api/v1/objects/storages", {"name": "x", "spec": {"kind": "csv", "path": "x"}})
        self.assertEqual(status, 403)
        # The file's objects are read only here.
        status, body = self.operator.json("POST", "/api/v1/objects/plans", {"name": "bars", "yaml": CSV_PLAN_YAML})
        self.assertEqual(status, 409)
        self.assertIn("datasync.yaml defines plan bars", body["error"]["message"])
        status, body = self.operator.json("PUT", "/api/v1/objects/plans/bars", {"yaml": CSV_PLAN_YAML})
        self.assertEqual(status, 409)
        status, body = self.operator.json("DELETE", "/api/v1/objects/storages/db")
        self.assertEqual(status, 409)
        self.assertIn("read only in the app", body["error"]["message"])
        status, body = self.operator.json("DELETE", "/api/v1/objects/plans/nothing")
        self.assertEqual(status, 404)

        # Problems the parser finds, each named where it is: an unknown key, an unknown storage, a bad mode.
        status, body = self.operator.json("POST", "/api/v1/objects/plans", {"name": "p1", "spec": {
            "dataset": "daily", "storages": ["nowhere"], "mode": "sideways", "colour": "red"}})
        self.assertEqual(status, 422, body)
        self.assertFalse(body["ok"])
        messages = [i["message"] for i in body["issues"] if i["severity"] == "error"]
        self.assertTrue(any("plans.p1" in m and "colour" in m for m in messages), messages)
        self.assertTrue(any("unknown storage 'nowhere'" in m for m in messages), messages)
        self.assertTrue(any("sideways" in m for m in messages), messages)
        self.assertTrue(all(i["file"] == "plans.p1 (made in the app)" for i in body["issues"]), body["issues"])
        self.assertIn("has problems", body["error"]["message"])

        hostile = [
            ({"name": "../etc", "spec": {"kind": "csv", "path": "x"}}, "not allowed"),
            ({"name": "x'; DROP TABLE app_objects; --", "spec": {"kind": "csv", "path": "x"}}, "not allowed"),
            ({"name": "<script>alert(1)</script>", "spec": {"kind": "csv", "path": "x"}}, "not allowed"),
            ({"name": "a" * 65, "spec": {"kind": "csv", "path": "x"}}, "not allowed"),
            ({"name": 5, "spec": {}}, "name"),
            ({"name": "x", "spec": [1, 2]}, "JSON object"),
            ({"name": "x", "spec": {}, "yaml": "kind: csv"}, "one of them"),
            ({"name": "x"}, "one of them"),
            ({"name": "x", "yaml": "kind: [csv\npath: x"}, "YAML syntax error at line"),
            ({"name": "x", "yaml": "- a\n- b\n"}, "mapping"),
            ({"name": "x", "yaml": "k: " + "v" * 70000}, "64 KiB"),
            ({"name": "x", "spec": {"kind": "csv", "path": "x"}, "owner": "root"}, "unknown key 'owner'"),
        ]
        for request, expected in hostile:
            status, body = self.operator.json("POST", "/api/v1/objects/storages", request)
            self.assertEqual(status, 400, (request, body))
            self.assertIn(expected, body["error"]["message"], request)
        # Nesting without end is refused before it is parsed; bytes that are not UTF-8 too.
        status, body = self.operator.json("POST", "/api/v1/objects/storages",
                                          raw=b'{"name": "x", "spec": ' + b"[" * 100000 + b"]" * 100000 + b"}",
                                          headers={"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertIn("nests deeper", body["error"]["message"])
        status, body = self.operator.json("POST", "/api/v1/objects/storages",
                                          raw=b'{"name": "x", "yaml": "kind: \xff\xfe"}',
                                          headers={"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        # SQL and HTML in values are data: stored and shown as written, or refused by the parser.
        status, body = self.operator.json("POST", "/api/v1/objects/plans", {"name": "p2", "spec": {
            "dataset": "daily", "storages": ["db"], "description": "<b>x</b>'; DROP TABLE runs; --",
            "params": {"trade_date": ["20240102"]}}})
        self.assertEqual(status, 201, body)
        status, plan = self.operator.json("GET", "/api/v1/objects/plans/p2")
        self.assertEqual(plan["body"]["description"], "<b>x</b>'; DROP TABLE runs; --")
        self.assertEqual(system_db(self.project, "SELECT count(*) FROM app_objects")[0][0], 1)

        # A storage that an object made in the app uses cannot go: the problem names the user.
        status, body = self.operator.json("POST", "/api/v1/objects/storages",
                                          {"name": "csvout", "spec": {"kind": "csv", "path": "data/csv"}})
        self.assertEqual(status, 201)
        status, body = self.operator.json("POST", "/api/v1/objects/plans", {"name": "p3", "yaml": CSV_PLAN_YAML})
        self.assertEqual(status, 201)
        status, body = self.operator.json("DELETE", "/api/v1/objects/storages/csvout")
        self.assertEqual(status, 409, body)
        self.assertTrue(any("unknown storage 'csvout'" in i["message"] for i in body["issues"]), body)
        status, body = self.operator.json("POST", "/api/v1/objects/storages",
                                          {"name": "csvout", "spec": {"kind": "csv", "path": "data/csv"}})
        self.assertEqual(status, 409)
        self.assertIn("exists", body["error"]["message"])
        self.assertEqual(system_db(self.project, "SELECT count(*) FROM app_objects")[0][0], 3)

    def test_a_literal_secret_goes_to_the_secrets_file_and_never_into_an_answer(self):
        spec = {"provider": "tushare", "endpoint": self.sim.url, "token": TOKEN, "limits": {"per_minute": 100}}
        status, body = self.operator.json("POST", "/api/v1/objects/sources", {"name": "second", "spec": spec})
        self.assertEqual(status, 201, body)
        stored = system_db(self.project, "SELECT body_json FROM app_objects")[0][0]
        self.assertNotIn(TOKEN, stored)
        self.assertEqual(json.loads(stored)["token"], "${local:sources.second.token}")
        with open(self.project.path(".datasync", "secrets.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["sources.second.token"], TOKEN)
        for path in ("/api/v1/objects", "/api/v1/objects/sources/second"):
            status, _, payload = self.operator.request("GET", path)
            self.assertEqual(status, 200)
            self.assertNotIn(TOKEN.encode(), payload)
        # Sending back what was shown keeps the secret; "***" for a secret with nothing behind it is refused.
        status, shown = self.operator.json("GET", "/api/v1/objects/sources/second")
        shown["body"]["limits"] = {"per_minute": 50}
        status, body = self.operator.json("PUT", "/api/v1/objects/sources/second", {"spec": shown["body"]})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(system_db(self.project, "SELECT body_json FROM app_objects")[0][0])["token"],
                         "${local:sources.second.token}")
        status, body = self.operator.json("POST", "/api/v1/objects/sources", {"name": "third", "spec": dict(
            spec, token="***")})
        self.assertEqual(status, 400)
        self.assertIn("how a secret is shown", body["error"]["message"])
        # A dataset and a plan over the new source run with the kept token.
        status, body = self.operator.json("POST", "/api/v1/objects/datasets",
                                          {"name": "daily2", "spec": {"source": "second", "api": "daily"}})
        self.assertEqual(status, 201, body)
        status, body = self.operator.json("POST", "/api/v1/objects/plans", {"name": "p", "spec": {
            "dataset": "daily2", "storages": ["db"], "params": {"trade_date": ["20240102"]}}})
        self.assertEqual(status, 201, body)
        self.assertEqual(self.operator.json("POST", "/api/v1/plans/p/run")[0], 202)
        run = wait_run_final(self.operator, "p")
        self.assertEqual(run["status"], "succeeded", run)
        self.assertEqual(self.project.sqlite("SELECT count(*) FROM daily2")[0][0], run["rows"])
        self.assertNotIn(TOKEN, self.project.ds("export", "source", "second").stdout)
        self.assertNotIn(TOKEN, self.daemon.output())

    def test_template_test_shows_the_first_argument_sets_of_an_unsaved_template(self):
        request = {"name": "jan", "limit": 3,
                   "yaml": "params:\n  trade_date:\n    dates: {start: 2024-01-01, end: 2024-01-10}\n"}
        status, body = self.operator.json("POST", "/api/v1/templates/test", request)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["count"], 10)
        self.assertEqual(len(body["first"]), 3)
        self.assertEqual(list(body["first"][0]), ["trade_date"])
        self.assertEqual(system_db(self.project, "SELECT count(*) FROM app_objects")[0][0], 0)
        status, body = self.operator.json("POST", "/api/v1/templates/test",
                                          {"name": "jan", "yaml": "params:\n  trade_date:\n    dates: {end: x}\n"})
        self.assertEqual(status, 422, body)
        self.assertTrue(any("start" in i["message"] for i in body["issues"]), body)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
