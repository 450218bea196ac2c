"""Schema evolution end to end, on every sink: the vendor changes its schema (the simulator's schema change:
daily gains vwap, trade_cal's is_open turns from an integer into a float), the user edits the datasets in
datasync.yaml, and the next run migrates each storage by itself. Rows written before stay intact, new rows
carry the new column, the database columns change type, `datasync migrate --dry-run` showed the scripts
first, and the system database recorded every step."""

import json
import os
import sys
import unittest

import dbs
import harness
from harness import Project, Sim, sim_config, wait_until
from test_serve import Daemon
from test_web_api import Client

DAILY = ["ts_code", "trade_date", "open", "high", "low", "close", "pre_close", "change", "pct_chg", "vol", "amount"]
DAILY_V1 = {f: "str" if f == "ts_code" else "date" if f == "trade_date" else "float" for f in DAILY}
DAILY_V2 = dict(DAILY_V1, vwap="float")
CAL_V1 = {"exchange": "str", "cal_date": "date", "is_open": "int", "pretrade_date": "date"}
CAL_V2 = dict(CAL_V1, is_open="float")
DB_KINDS = ["postgres", "mysql", "clickhouse"]


def field_yaml(types):
    kinds = {"str": "string", "date": "date", "float": "float64", "int": "int32"}
    return "\n".join("      - {name: %s, type: %s}" % (f, kinds[k]) for f, k in types.items())


def config(sim_url, storages, daily_fields="", cal_fields="", plans=""):
    datasets = "datasets:\n  daily:\n    source: tushare\n" + (
        "    fields:\n" + daily_fields + "\n" if daily_fields else "") + \
        "  trade_cal:\n    source: tushare\n" + ("    fields:\n" + cal_fields + "\n" if cal_fields else "")
    return sim_config(sim_url, datasets + "storages:\n" + storages + "plans:\n" + plans)


def plan(name, dataset, params, storages):
    return "  %s:\n    dataset: %s\n    storages: [%s]\n    params: %s\n" % (name, dataset, ", ".join(storages), params)


class SchemaEvolutionTest(unittest.TestCase):
    def migration_job(self, client, body):
        """POSTs a migration check or apply (a job: 202) and returns the job's answer once it succeeded."""
        status, job = client.json("POST", "/api/v1/datasets/daily/migrations", body)
        self.assertEqual(status, 202, job)
        done = wait_until(lambda: (lambda j: j if j["state"] in ("succeeded", "failed") else None)(
            client.json("GET", "/api/v1/jobs/%d" % job["id"])[1]), "the migration job's end", timeout=60)
        self.assertEqual(done["state"], "succeeded", done)
        return done["result"]

    def test_a_new_column_and_an_int_to_float_change_reach_every_sink(self):
        ns = "e2e_evolve_%d" % os.getpid()
        servers = {k: dbs.Server(k) for k in DB_KINDS}
        for s in servers.values():
            s.drop_namespace(ns)
        sim = Sim(stocks=12)
        project = Project(sim)
        names = {"postgres": "pg", "mysql": "my", "clickhouse": "ch"}
        storages = ("  lite: {kind: sqlite, path: data/warehouse.db}\n  csv_files: {kind: csv, path: data/csv}\n"
                    "  json_files: {kind: jsonl, path: data/jsonl}\n")
        storages += "".join("  %s: %s\n" % (names[k], servers[k].storage_yaml(ns)) for k in DB_KINDS)
        every = ["lite", "csv_files", "json_files", "pg", "my", "ch"]
        days_before = {"trade_date": {"dates": {"start": "20240102", "end": "20240104"}}}
        days_after = {"trade_date": {"dates": {"start": "20240105", "end": "20240109"}}}
        try:
            project.write_config(config(sim.url, storages, plans=(
                plan("daily_before", "daily", days_before, every) +
                plan("cal_before", "trade_cal", {"start_date": "20240101", "end_date": "20240131"}, every))))
            project.ds("run", "daily_before", "cal_before")
            # The test servers' URLs carry a literal password: every listing masks it.
            for listing in (project.ds("storages").stdout, project.ds("storages", "--json").stdout):
                self.assertNotIn(":synctest@", listing)
                self.assertIn(":***@", listing)
            daily_v1 = self.served(sim, "daily", DAILY_V1, ["20240102", "20240103", "20240104"])
            cal_v1 = dbs.normalize(sim.rows("trade_cal", {"start_date": "20240101", "end_date": "20240131"}), CAL_V1)
            for store in every:
                self.assertEqual(self.stored(project, servers, store, ns, "daily", DAILY_V1), daily_v1, store)
                self.assertEqual(self.stored(project, servers, store, ns, "trade_cal", CAL_V1), cal_v1, store)

            # The vendor changes its schema; the user describes it in datasync.yaml.
            sim.admin("config", {"schema_change": True})
            project.write_config(config(sim.url, storages, field_yaml(DAILY_V2), field_yaml(CAL_V2), plans=(
                plan("daily_before", "daily", days_before, every) +
                plan("daily_after", "daily", days_after, every) +
                plan("cal_before", "trade_cal", {"start_date": "20240101", "end_date": "20240131"}, every) +
                plan("cal_after", "trade_cal", {"start_date": "20240201", "end_date": "20240229"}, every))))
            applied = project.ds_json("apply")
            versions = {(c["kind"], c["name"]): c["version"] for c in applied["changes"]}
            self.assertEqual(versions[("dataset", "daily")], 2)
            self.assertEqual(versions[("dataset", "trade_cal")], 2)

            dry = project.ds_json("migrate", "--dry-run")
            by_pair = {(m["storage"], m["dataset"]): m for m in dry}
            for k in DB_KINDS:
                daily_steps = by_pair[(names[k], "daily")]["steps"]
                cal_steps = by_pair[(names[k], "trade_cal")]["steps"]
                self.assertEqual([(s["change"], s["held"], s["applied"]) for s in daily_steps],
                                 [("add_column", False, False)], k)
                self.assertIn("vwap", daily_steps[0]["statements"][0])
                self.assertEqual([(s["change"], s["held"]) for s in cal_steps], [("widen_column", False)], k)
                self.assertIn("is_open", cal_steps[0]["statements"][0])
            self.assertFalse(by_pair[("lite", "daily")]["scripted"])
            text = project.ds("migrate", "--dry-run", "pg").stdout
            self.assertIn('ADD COLUMN "vwap" double precision;', text)
            self.assertIn('ALTER COLUMN "is_open" TYPE double precision;', text)
            self.assertIn("dry run", text)
            # The first runs recorded creating the tables; a dry run records (and changes) nothing.
            first = project.ds_json("migrations")
            self.assertEqual(sorted((m["storage"], m["change"]) for m in first),
                             sorted((names[k], "create_table") for k in DB_KINDS for _ in ("daily", "trade_cal")))

            # The web app's dataset page does the same for one storage: the pending step, then applied by an
            # operator (recorded as `migrate`, audited), with the dataset's versions and storages.
            web = Daemon(self, project, name="web")
            token = json.loads(project.ds("token", "create", "ops", "--role", "operator", "--json").stdout)["token"]
            client = Client(web.url, token)
            doc = self.migration_job(client, {"storage": "pg"})
            self.assertEqual([(i["storage"], [(s["change"], s["held"], s["applied"]) for s in i["steps"]])
                              for i in doc["items"]], [("pg", [("add_column", False, False)])])
            self.assertTrue(doc["dry_run"])
            doc = self.migration_job(client, {"storage": "pg", "apply": True})
            self.assertEqual(doc["items"][0]["applied_steps"], 1, doc)
            self.assertEqual(servers["postgres"].column_types(ns, "daily")["vwap"], "double precision")
            status, detail = client.json("GET", "/api/v1/datasets/daily")
            self.assertEqual([v["version"] for v in detail["versions"]], [1, 2])
            self.assertTrue(any("vwap" in c for c in detail["versions"][1]["changes"]), detail["versions"])
            self.assertIn({"name": "pg", "kind": "postgres", "plan": "daily_after"}, detail["storages"])
            self.assertEqual([(m["storage"], m["change"], m["applied_by"]) for m in detail["migrations"]
                              if m["dataset_version"] == 2], [("pg", "add_column", "migrate")])
            status, viewer_doc = Client(web.url, json.loads(project.ds(
                "token", "create", "vera", "--role", "viewer", "--json").stdout)["token"]).json(
                "POST", "/api/v1/datasets/daily/migrations", {"storage": "pg", "apply": True})
            self.assertEqual(status, 403)
            audit = project.ds_json("audit")
            self.assertIn(("ops", "migration.apply", "dataset daily in pg"),
                          [(e["actor"], e["action"], e["target"]) for e in audit])
            web.stop()

            project.ds("run", "daily_after", "cal_after")
            daily_new = self.served(sim, "daily", DAILY_V2, ["20240105", "20240108", "20240109"])
            old_with_null = [row + (None,) for row in daily_v1]
            cal_new = dbs.normalize(sim.rows("trade_cal", {"start_date": "20240201", "end_date": "20240229"}), CAL_V2)
            cal_old_as_float = [tuple(float(v) if i == 2 else v for i, v in enumerate(row)) for row in cal_v1]
            for store in every:
                self.assertEqual(self.stored(project, servers, store, ns, "daily", DAILY_V2),
                                 sorted(old_with_null + daily_new, key=repr), store)
                self.assertEqual(self.stored(project, servers, store, ns, "trade_cal", CAL_V2),
                                 sorted(cal_old_as_float + cal_new, key=repr), store)
            native = {"postgres": "double precision", "mysql": "double", "clickhouse": "Nullable(Float64)"}
            for k in DB_KINDS:
                self.assertEqual(servers[k].column_types(ns, "trade_cal")["is_open"], native[k], k)
                self.assertEqual(servers[k].column_types(ns, "daily")["vwap"], native[k], k)

            history = project.ds_json("migrations")
            recorded = sorted((m["storage"], m["dataset"], m["change"], m["dataset_version"], m["applied_by"])
                              for m in history if m["dataset_version"] == 2)
            self.assertEqual(recorded, sorted([(names[k], "daily", "add_column", 2, "migrate" if k == "postgres" else "run")
                                               for k in DB_KINDS] +
                                              [(names[k], "trade_cal", "widen_column", 2, "run") for k in DB_KINDS]))
            # Nothing is left to migrate, and a re-run of the old days rewrites them with vwap.
            self.assertTrue(all(not m["steps"] for m in project.ds_json("migrate", "--dry-run") if m["scripted"]))
            project.ds("run", "daily_before")
            daily_all = self.served(sim, "daily", DAILY_V2, ["20240102", "20240103", "20240104", "20240105",
                                                             "20240108", "20240109"])
            for store in ["pg", "my", "ch", "lite"]:
                self.assertEqual(self.stored(project, servers, store, ns, "daily", DAILY_V2), daily_all, store)
        finally:
            project.cleanup()
            sim.stop()
            for s in servers.values():
                s.drop_namespace(ns)

    def served(self, sim, api, types, days):
        rows = []
        for day in days:
            rows += sim.rows(api, {"trade_date": day})
        return dbs.normalize(rows, types)

    def stored(self, project, servers, store, ns, dataset, types):
        if store == "lite":
            rows = dbs.sqlite_rows(project.path("data", "warehouse.db"), dataset)
        elif store == "csv_files":
            rows = dbs.csv_rows(project.path("data", "csv"), dataset)
        elif store == "json_files":
            rows = dbs.jsonl_rows(project.path("data", "jsonl"), dataset)
        else:
            kind = {"pg": "postgres", "my": "mysql", "ch": "clickhouse"}[store]
            rows = servers[kind].rows(ns, dataset)
        return dbs.normalize(rows, types)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
