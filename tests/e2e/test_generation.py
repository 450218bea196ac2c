"""End-to-end tests of issue 6: datasets imported from the simulator's doc pages (one page, a saved page, the
whole doc tree), kept through `apply`, run with argument templates that read other local datasets (trading days
of the calendar x the codes of stock_basic) in dependency order, refreshed after the simulator's schema change
(the diff, the new version, the added column in SQLite), refreshed after a run whose responses drifted and on
schedule, and the template commands. Stored rows are compared with what the simulator serves."""

import json
import os
import sqlite3
import sys
import unittest

import harness
from harness import Project, Sim, iso, sim_config

DOCS = os.path.join(os.path.dirname(__file__), "..", "data", "tushare_docs")
DAILY = ["ts_code", "trade_date", "open", "high", "low", "close", "pre_close", "change", "pct_chg", "vol", "amount"]
SIM_FIELDS = {
    "trade_cal": ["exchange", "cal_date", "is_open", "pretrade_date"],
    "stock_basic": ["ts_code", "symbol", "name", "area", "industry", "fullname", "enname", "cnspell", "market",
                    "exchange", "curr_type", "list_status", "list_date", "delist_date", "is_hs", "act_name",
                    "act_ent_type"],
    "daily": DAILY,
    "adj_factor": ["ts_code", "trade_date", "adj_factor"],
    "daily_basic": ["ts_code", "trade_date", "close", "turnover_rate", "turnover_rate_f", "volume_ratio", "pe", "pe_ttm",
                    "pb", "ps", "ps_ttm", "dv_ratio", "dv_ttm", "total_share", "float_share", "free_share", "total_mv",
                    "circ_mv"],
}

BASE = """datasets:
  trade_cal: {source: tushare}
  stock_basic: {source: tushare}
storages:
  warehouse: {kind: sqlite, path: data/warehouse.db}
plans:
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20240501", end_date: "20240630"}
  stocks:
    dataset: stock_basic
    storages: [warehouse]
    params: {list_status: L}
"""

TEMPLATES = """templates:
  sse_codes_by_day:
    description: every listed SSE code on every SSE trading day of a week
    params:
      trade_date: {trading_days: {start: "20240527", end: "20240603"}}
      ts_code: {column: {dataset: stock_basic, where: {exchange: SSE, list_status: L}}}
"""


def doc(sim, doc_id):
    return "%s/document/2?doc_id=%d" % (sim.url, doc_id)


def columns(project, table):
    con = sqlite3.connect(project.path("data", "warehouse.db"))
    try:
        return [r[1] for r in con.execute('PRAGMA table_info("%s")' % table)]
    finally:
        con.close()


class ImportApplyRunTest(unittest.TestCase):
    """One doc page imported, a template over local data, plans run in dependency order."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(stocks=80)
        cls.project = Project(cls.sim, sim_config(cls.sim.url, BASE))
        cls.project.ds("apply")
        cls.imported = cls.project.ds_json("dataset", "import", doc(cls.sim, 27), "--name", "doc_daily")
        cls.project.write_config(sim_config(cls.sim.url, BASE + """  bars:
    dataset: doc_daily
    storages: [warehouse]
    template: sse_codes_by_day
""" + TEMPLATES))
        cls.before = cls.project.ds("template", "test", "--plan", "bars", check=False)
        cls.ran = cls.project.ds_json("run", "bars", "stocks", "cal")

    @classmethod
    def tearDownClass(cls):
        cls.project.cleanup()
        cls.sim.stop()

    def test_the_page_becomes_a_dataset(self):
        r = self.imported
        self.assertEqual(r["change"], "created")
        self.assertEqual(r["version"], 1)
        d = r["dataset"]
        self.assertEqual(d["api"], "daily")
        self.assertEqual(d["origin"], "import")
        self.assertEqual(d["doc_url"], doc(self.sim, 27))
        self.assertEqual([f["name"] for f in d["fields"]], DAILY)
        self.assertEqual({f["name"]: f["type"] for f in d["fields"]}["trade_date"], "date")
        self.assertEqual({f["type"] for f in d["fields"][2:]}, {"float64"})
        self.assertEqual(d["primary_key"], ["ts_code", "trade_date"])
        self.assertEqual(d["date_key"], "trade_date")
        self.assertEqual(d["row_cap"], 6000)
        # 二选一: both documented Y, neither required alone.
        self.assertEqual([(p["name"], p["required"]) for p in d["params"]],
                         [("ts_code", False), ("trade_date", False), ("start_date", False), ("end_date", False)])

    def test_template_test_counts_without_calling_the_vendor(self):
        days = [r["cal_date"] for r in self.sim.rows(
            "trade_cal", {"exchange": "SSE", "start_date": "20240527", "end_date": "20240603", "is_open": "1"})]
        codes = [r["ts_code"] for r in self.sim.rows("stock_basic", {"list_status": "L", "exchange": "SSE"})]
        # Before the run the calendar was not synced yet: nothing to generate from, and it says so.
        self.assertEqual(self.before.returncode, 2)
        self.assertIn("has no table \"trade_cal\" yet; run the plan that syncs dataset 'trade_cal' first",
                      self.before.stderr)
        out = self.project.ds_json("template", "test", "sse_codes_by_day", "--limit", "2")
        self.assertEqual(out["count"], len(days) * len(codes))
        self.assertEqual(out["first"], [{"trade_date": min(days), "ts_code": c} for c in sorted(codes)[:2]])

    def test_plans_run_in_dependency_order_and_rows_equal_the_vendor(self):
        by = {o["plan"]: o["report"] for o in self.ran}
        self.assertEqual({p: r["status"] for p, r in by.items()}, dict.fromkeys(["bars", "stocks", "cal"], "succeeded"))
        # bars reads what cal and stocks store: it starts after both finished (they may run at once).
        self.assertGreaterEqual(by["bars"]["started_at_us"], max(by["cal"]["finished_at_us"],
                                                                  by["stocks"]["finished_at_us"]))
        days = sorted(r["cal_date"] for r in self.sim.rows(
            "trade_cal", {"exchange": "SSE", "start_date": "20240527", "end_date": "20240603", "is_open": "1"}))
        codes = {r["ts_code"] for r in self.sim.rows("stock_basic", {"list_status": "L", "exchange": "SSE"})}
        self.assertGreater(len(codes), 5)
        self.assertEqual(by["bars"]["tasks"]["total"], len(days) * len(codes))
        expected = []
        for day in days:
            for r in self.sim.rows("daily", {"trade_date": day}, ",".join(DAILY)):
                if r["ts_code"] in codes:
                    expected.append((r["ts_code"], iso(r["trade_date"]), r["close"], r["vol"]))
        stored = self.project.sqlite("SELECT ts_code, trade_date, close, vol FROM doc_daily ORDER BY trade_date, ts_code")
        self.assertEqual(stored, sorted(expected, key=lambda x: (x[1], x[0])))

    def test_apply_keeps_imported_datasets_and_plans_list_derived_dependencies(self):
        out = self.project.ds("apply").stdout
        self.assertNotIn("removed", out)
        names = {d["name"]: d for d in self.project.ds_json("datasets")}
        self.assertEqual(names["doc_daily"]["origin"], "import")
        plans = {p["name"]: p for p in self.project.ds_json("plans")}
        self.assertEqual(plans["bars"]["depends_on"], ["cal", "stocks"])
        self.assertEqual(plans["bars"]["template"], "sse_codes_by_day")

    def test_yaml_output_pastes_into_the_config(self):
        yaml = self.project.ds("dataset", "import", doc(self.sim, 28), "--name", "adj_from_yaml", "--yaml").stdout
        self.assertTrue(yaml.startswith("datasets:\n  adj_from_yaml:\n"), yaml)
        body = BASE.replace("datasets:\n", yaml.rstrip("\n").replace("datasets:\n", "datasets:\n", 1) + "\n", 1)
        check = Project(self.sim, sim_config(self.sim.url, body))
        try:
            out = check.ds("validate").stdout
            self.assertIn("valid (1 source(s), 3 dataset(s)", out)
            check.ds("apply")
            d = {x["name"]: x for x in check.ds_json("datasets")}["adj_from_yaml"]
            self.assertNotIn("origin", d)  # pasted into the file: a config dataset now
            self.assertEqual([f["name"] for f in d["fields"]], SIM_FIELDS["adj_factor"])
        finally:
            check.cleanup()

    def test_saved_pages_and_hostile_pages(self):
        r = self.project.ds_json("dataset", "import", "--file", os.path.join(DOCS, "hostile.html"), "--name", "evil")
        names = [f["name"] for f in r["dataset"]["fields"]]
        self.assertEqual(names, ["ts_code", "trade_date", "value"])
        self.assertTrue(any("not an identifier" in n for n in r["notes"]))
        self.assertTrue(r["dataset"]["doc_url"].startswith("file:"))
        # A name taken by datasync.yaml is not replaced by an import.
        p = self.project.ds("dataset", "import", doc(self.sim, 26), "--name", "trade_cal", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("dataset 'trade_cal' is defined in datasync.yaml", p.stderr)
        bad = self.project.ds("dataset", "import", doc(self.sim, 14), check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("no API name", bad.stderr)


class CatalogTest(unittest.TestCase):
    def test_the_doc_tree_is_walked_and_every_dataset_page_imported(self):
        sim = Sim(stocks=30)
        project = Project(sim, sim_config(sim.url, BASE))
        try:
            project.ds("apply")
            out = project.ds_json("dataset", "import", "--catalog", sim.url + "/document/2", "--prefix", "doc_",
                                  "--delay-ms", "5")
            got = {d["dataset"]["api"]: d for d in out["datasets"]}
            self.assertEqual(set(got), set(SIM_FIELDS))
            for api, fields in SIM_FIELDS.items():
                d = got[api]["dataset"]
                self.assertEqual(d["name"], "doc_" + api)
                self.assertEqual([f["name"] for f in d["fields"]], fields, api)
                self.assertEqual(d["row_cap"], 6000, api)
            types = {f["name"]: f["type"] for f in got["trade_cal"]["dataset"]["fields"]}
            self.assertEqual(types, {"exchange": "string", "cal_date": "date", "is_open": "int64", "pretrade_date": "date"})
            self.assertEqual(got["stock_basic"]["dataset"]["points"], 120)
            self.assertEqual(got["stock_basic"]["dataset"]["default_fields"][:3], ["ts_code", "symbol", "name"])
            self.assertEqual(got["daily_basic"]["dataset"]["points"], 2000)
            self.assertEqual(len(out["skipped"]), 3)  # the three category pages
            self.assertFalse(out["truncated"])
            # Walking again changes nothing.
            again = project.ds_json("dataset", "import", "--catalog", sim.url + "/document/2", "--prefix", "doc_",
                                    "--delay-ms", "0")
            self.assertEqual({d["change"] for d in again["datasets"]}, {"unchanged"})
            # Without a prefix the names collide with datasync.yaml's: skipped, not replaced.
            clash = project.ds_json("dataset", "import", "--catalog", doc(sim, 24), "--delay-ms", "0")
            self.assertEqual({d["dataset"]["api"]: d["change"] for d in clash["datasets"]},
                             {"trade_cal": "skipped", "stock_basic": "skipped"})
        finally:
            project.cleanup()
            sim.stop()


class SchemaChangeTest(unittest.TestCase):
    """The simulator's schema change: refresh on demand, after drift, and on schedule."""

    def setUp(self):
        self.sim = Sim(stocks=20)
        self.project = Project(self.sim, sim_config(self.sim.url, BASE))
        self.project.ds("apply")
        self.project.ds("dataset", "import", doc(self.sim, 27), "--name", "doc_daily")
        self.project.ds("dataset", "import", doc(self.sim, 26), "--name", "doc_cal")
        self.project.write_config(sim_config(self.sim.url, BASE + """  bars:
    dataset: doc_daily
    storages: [warehouse]
    params:
      ts_code: [000001.SZ, 600000.SH]
      trade_date: "20240531"
"""))
        first = self.project.ds_json("run", "bars")
        self.assertEqual(first[0]["report"]["status"], "succeeded")
        self.assertEqual(first[0]["schema"], [])
        self.assertNotIn("vwap", columns(self.project, "doc_daily"))
        self.sim.admin("config", {"schema_change": True})

    def tearDown(self):
        self.project.cleanup()
        self.sim.stop()

    def check_vwap_stored(self):
        served = {r["ts_code"]: r for r in self.sim.rows("daily", {"trade_date": "20240531"}, "ts_code,vwap,amount,vol")}
        stored = self.project.sqlite("SELECT ts_code, vwap FROM doc_daily WHERE trade_date = '2024-05-31'")
        self.assertEqual(len(stored), 2)
        for code, vwap in stored:
            self.assertEqual(vwap, served[code]["vwap"])
            self.assertAlmostEqual(vwap, served[code]["amount"] * 1000 / (served[code]["vol"] * 100), delta=0.006)

    def test_refresh_records_the_diff_and_the_next_run_adds_the_column(self):
        out = self.project.ds_json("dataset", "refresh", "doc_daily", "doc_cal")
        by = {r["dataset"]: r for r in out}
        self.assertEqual(by["doc_daily"]["changes"], ["+ field vwap (float64)"])
        self.assertTrue(by["doc_daily"]["stored"])
        self.assertEqual((by["doc_daily"]["version_before"], by["doc_daily"]["version_after"]), (1, 2))
        self.assertTrue(by["doc_daily"]["additive"])
        self.assertEqual(by["doc_daily"]["migration"],
                         ["storage 'warehouse' (sqlite), plan 'bars': the next run will add column vwap (float64)"])
        self.assertEqual(by["doc_cal"]["changes"], ["~ field is_open: int64 -> float64 (widening)"])
        self.assertEqual(by["doc_cal"]["migration"],
                         ["no plan syncs dataset 'doc_cal' yet; its storages start with the new schema"])
        shown = self.project.ds_json("dataset", "show", "doc_daily")
        self.assertEqual(shown["schema_version"], 2)
        self.assertEqual([v["changes"] for v in shown["versions"]], [[], ["+ field vwap (float64)"]])
        again = self.project.ds_json("dataset", "refresh", "doc_daily")
        self.assertEqual((again[0]["stored"], again[0]["changes"]), (False, []))
        run = self.project.ds_json("run", "bars")
        self.assertEqual(run[0]["report"]["status"], "succeeded")
        self.assertEqual(run[0]["schema"], [])
        self.assertEqual(columns(self.project, "doc_daily")[-1], "vwap")
        self.check_vwap_stored()

    def test_a_run_that_sees_drift_refreshes_the_dataset(self):
        run = self.project.ds_json("run", "bars")
        self.assertEqual(run[0]["report"]["status"], "succeeded")
        schema = run[0]["schema"]
        self.assertIn("the vendor's responses differ from dataset 'doc_daily'; new fields: vwap", schema)
        self.assertTrue(any(s.endswith("(after schema drift): version 1 -> 2") for s in schema), schema)
        self.assertIn("  + field vwap (float64)", schema)
        self.assertEqual(self.project.ds_json("dataset", "show", "doc_daily")["schema_version"], 2)
        self.project.ds_json("run", "bars")
        self.check_vwap_stored()

    def test_the_scheduled_check_refreshes_stale_datasets_before_a_run(self):
        # Checked long ago, and checks are due every hour.
        with open(self.project.path(".datasync", "schema_checks.json"), "w") as f:
            json.dump({"datasets": {"doc_daily": 0, "doc_cal": 0}}, f)
        config = sim_config(self.sim.url, BASE + """  bars:
    dataset: doc_daily
    storages: [warehouse]
    params:
      ts_code: [000001.SZ, 600000.SH]
      trade_date: "20240531"
""").replace("version: 1\n", "version: 1\nproject: {schema_refresh_hours: 1}\n", 1)
        self.project.write_config(config)
        run = self.project.ds_json("run", "bars")
        self.assertTrue(any("(scheduled): version 1 -> 2" in s for s in run[0]["schema"]), run[0]["schema"])
        # The refreshed schema was used at once: no drift in this run, and vwap is stored.
        self.assertFalse(any("differ from dataset" in s for s in run[0]["schema"]), run[0]["schema"])
        self.check_vwap_stored()
        with open(self.project.path(".datasync", "schema_checks.json")) as f:
            self.assertGreater(json.load(f)["datasets"]["doc_daily"], 0)
        # Only the datasets the run uses are checked.
        self.assertEqual(self.project.ds_json("dataset", "show", "doc_cal")["schema_version"], 1)


class TemplateCommandsTest(unittest.TestCase):
    def test_list_show_and_mistakes(self):
        sim = Sim(stocks=20)
        bars = """  bars:
    dataset: %s
    storages: [warehouse]
    template: sse_codes_by_day
    params:
      ts_code: {format: "{{_code}}"}
      _code: {column: {dataset: stock_basic, column: ts_code, where: {exchange: SSE}}}
"""
        with_daily = BASE.replace("datasets:\n", "datasets:\n  daily: {source: tushare}\n", 1)
        project = Project(sim, sim_config(sim.url, with_daily + bars % "daily" + TEMPLATES))
        try:
            listed = project.ds_json("template", "list")
            self.assertEqual(listed[0]["name"], "sse_codes_by_day")
            self.assertEqual(listed[0]["sends"], ["trade_date", "ts_code"])
            self.assertEqual(listed[0]["reads"], ["trade_cal", "stock_basic"])
            self.assertEqual(listed[0]["used_by"], ["bars"])
            shown = project.ds("template", "show", "sse_codes_by_day").stdout
            self.assertIn("trade_date: trading days of trade_cal (exchange=SSE, is_open=1), 20240527..20240603", shown)
            self.assertIn("ts_code: values of stock_basic.ts_code (exchange=SSE, list_status=L)", shown)
            # The plan's ts_code (a format of a variable) replaces the template's; the run order follows the reads.
            plans = {p["name"]: p for p in project.ds_json("plans")} if project.ds("apply") else {}
            self.assertEqual(plans["bars"]["depends_on"], ["cal", "stocks"])
            project.ds("run", "cal", "stocks")
            tested = project.ds_json("template", "test", "--plan", "bars", "--limit", "1")
            sse = sorted(r["ts_code"] for r in sim.rows("stock_basic", {"list_status": "L", "exchange": "SSE"}))
            self.assertEqual(tested["first"], [{"trade_date": "20240527", "ts_code": sse[0]}])

            # stock_basic takes no trade_date: the template's parameter is refused where the template writes it.
            project.write_config(sim_config(sim.url, BASE + bars % "stock_basic" + TEMPLATES))
            bad = project.ds("validate", check=False)
            self.assertEqual(bad.returncode, 2)
            self.assertIn("templates.sse_codes_by_day.params (used by plans.bars): dataset 'stock_basic' has no "
                          "request parameter 'trade_date'", bad.stderr)
            # A plan that reads a dataset no plan syncs.
            no_cal = BASE.replace("  cal:\n    dataset: trade_cal\n    storages: [warehouse]\n    params: {exchange: "
                                  "SSE, start_date: \"20240501\", end_date: \"20240630\"}\n", "")
            project.write_config(sim_config(sim.url, no_cal + """  lonely:
    dataset: stock_basic
    storages: [warehouse]
    params:
      name: {trading_days: {start: "20240101"}}
"""))
            missing = project.ds("validate", check=False)
            self.assertEqual(missing.returncode, 2)
            self.assertIn("datasync.yaml:22:7: plans.lonely.params.name: reads dataset 'trade_cal': no plan syncs "
                          "dataset 'trade_cal' (add a plan with dataset: trade_cal, or name a storage that holds it "
                          "with storage:)", missing.stderr)
        finally:
            project.cleanup()
            sim.stop()


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
