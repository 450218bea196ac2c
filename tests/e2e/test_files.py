"""End-to-end tests of the file storages: the real datasync binary syncs the simulator's `daily` bars into
Parquet (Hive partitions by month), xlsx, JSON and gzip CSV, and independent readers check what landed:
DuckDB (npm) reads the Parquet dataset with hive_partitioning and union_by_name as a researcher would,
pandas/openpyxl read the xlsx with typed columns, Python's json and gzip read the rest. Then
`datasync compact` merges the small Parquet and gzip CSV parts without changing a row, and a re-run leaves
identical data."""

import datetime
import glob
import gzip
import json
import os
import subprocess
import sys
import unittest

import dbs
import harness
from harness import Project, Sim, sim_config

ORACLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles")
DAILY = ["ts_code", "trade_date", "open", "high", "low", "close", "pre_close", "change", "pct_chg", "vol", "amount"]
DAYS = [d.strftime("%Y%m%d") for d in (datetime.date(2024, 1, 29) + datetime.timedelta(n) for n in range(10))
        if d.weekday() < 5]

CONFIG = """
datasets:
  daily: {source: tushare}
storages:
  lake: {kind: parquet, path: data/lake, partition_by: trade_date, partition_granularity: month}
  sheets: {kind: xlsx, path: data/sheets}
  docs: {kind: json, path: data/docs}
  text: {kind: csv, path: data/text, compression: gzip, quoting: strings}
plans:
  daily_days:
    dataset: daily
    storages: [lake, sheets, docs, text]
    params:
      trade_date: {dates: {start: "20240129", end: "20240207", weekdays_only: true}}
"""


def duckdb(args):
    proc = subprocess.run(["node", os.path.join(ORACLES, "read_parquet.mjs"), *args], capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError("read_parquet.mjs failed: " + proc.stderr)
    return json.loads(proc.stdout)


def served_rows(sim):
    rows = []
    for day in DAYS:
        rows += sim.rows("daily", {"trade_date": day}, ",".join(DAILY))
    return rows


def days_since_epoch(yyyymmdd):
    return (datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])) - datetime.date(1970, 1, 1)).days


class FileStoragesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(stocks=200)
        cls.project = Project(cls.sim, sim_config(cls.sim.url, CONFIG))
        cls.first_run = cls.project.ds("run", "daily_days")
        cls.served = served_rows(cls.sim)

    @classmethod
    def tearDownClass(cls):
        cls.project.cleanup()
        cls.sim.stop()

    def lake(self):
        return self.project.path("data", "lake", "daily")

    def parquet_rows(self):
        doc = duckdb(["--hive", self.lake()])
        names = [c["name"] for c in doc["columns"]]
        return doc, [dict(zip(names, r)) for r in doc["rows"]]

    def expected_parquet(self):
        out = []
        for r in self.served:
            row = {"ts_code": r["ts_code"], "trade_date": str(days_since_epoch(r["trade_date"]))}
            for f in DAILY[2:]:
                v = r[f]
                row[f] = None if v is None else repr(float(v)).replace("inf", "Infinity")
            row["trade_date_month"] = r["trade_date"][:4] + "-" + r["trade_date"][4:6]
            out.append(row)
        return sorted(out, key=lambda x: (x["trade_date"], x["ts_code"]))

    def test_run_succeeds_for_every_storage(self):
        self.assertIn("status succeeded", self.first_run.stdout, self.first_run.stdout)
        self.assertGreater(len(self.served), 1000)

    def test_duckdb_reads_the_hive_partitioned_parquet_exactly(self):
        doc, rows = self.parquet_rows()
        types = {c["name"]: c["type"] for c in doc["columns"]}
        self.assertEqual(types["ts_code"], "string")
        self.assertEqual(types["trade_date"], "date")
        self.assertEqual(types["close"], "float64")
        self.assertIn("trade_date_month", types)  # the Hive key, read from the folder names
        got = sorted(rows, key=lambda x: (x["trade_date"], x["ts_code"]))
        # read_parquet.mjs prints floats as JS's shortest text; Python's repr is the same shortest form.
        for g in got:
            for f in DAILY[2:]:
                if g[f] is not None:
                    g[f] = repr(float(g[f]))
        self.assertEqual(got, self.expected_parquet())
        folders = sorted(os.path.basename(p) for p in glob.glob(os.path.join(self.lake(), "trade_date_month=*")))
        self.assertEqual(folders, ["trade_date_month=2024-01", "trade_date_month=2024-02"])
        with open(os.path.join(self.lake(), "_schema.json"), encoding="utf-8") as f:
            sidecar = json.load(f)
        self.assertEqual(sidecar["format"], "parquet")
        self.assertEqual([v["version"] for v in sidecar["versions"]], [1])

    def test_pandas_reads_the_xlsx_with_types(self):
        parts = sorted(glob.glob(self.project.path("data", "sheets", "daily", "part-*.xlsx")))
        self.assertEqual(len(parts), len(DAYS))
        script = """
import json, sys
import pandas as pd
frames = [pd.read_excel(p, sheet_name="data") for p in sys.argv[1:]]
df = pd.concat(frames)
print(json.dumps({"dtypes": {c: str(t) for c, t in df.dtypes.items()}, "rows": len(df),
                  "first": {c: str(v) for c, v in df.sort_values(["trade_date", "ts_code"]).iloc[0].items()}}))
"""
        proc = subprocess.run(["/usr/bin/python3", "-c", script, *parts], capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(proc.stdout)
        self.assertEqual(doc["rows"], len(self.served))
        self.assertEqual(doc["dtypes"]["ts_code"], "object")
        self.assertEqual(doc["dtypes"]["trade_date"], "datetime64[ns]")
        for f in DAILY[2:]:
            self.assertEqual(doc["dtypes"][f], "float64", f)
        first = min(self.served, key=lambda r: (r["trade_date"], r["ts_code"]))
        self.assertEqual(doc["first"]["ts_code"], first["ts_code"])
        self.assertEqual(doc["first"]["close"], str(float(first["close"])))

    def test_json_and_gzip_csv_hold_the_same_rows(self):
        objs = []
        for p in glob.glob(self.project.path("data", "docs", "daily", "part-*.json")):
            with open(p, encoding="utf-8") as f:
                objs += json.load(f)
        self.assertEqual(sorted((o["trade_date"], o["ts_code"], o["close"]) for o in objs),
                         sorted((harness.iso(r["trade_date"]), r["ts_code"], r["close"]) for r in self.served))
        lines = 0
        for p in glob.glob(self.project.path("data", "text", "daily", "part-*.csv.gz")):
            with gzip.open(p, "rt", encoding="utf-8") as f:
                text = f.read().splitlines()
            self.assertEqual(text[0], ",".join('"%s"' % c for c in DAILY))  # quoting: strings quotes the header
            self.assertTrue(text[1].startswith('"'), text[1])                 # and the ts_code text
            lines += len(text) - 1
        self.assertEqual(lines, len(self.served))

    def test_compact_merges_parts_and_changes_no_row(self):
        _, before = self.parquet_rows()
        parts_before = glob.glob(os.path.join(self.lake(), "*", "*.parquet"))
        self.assertEqual(len(parts_before), len(DAYS))
        dry = self.project.ds_json("compact", "lake", "daily", "--dry-run")
        self.assertEqual(len(dry[0]["merged"]), 2)  # two month partitions with several parts each
        self.assertEqual(len(glob.glob(os.path.join(self.lake(), "*", "*.parquet"))), len(DAYS))
        done = self.project.ds("compact", "lake", "daily", "--partition", "trade_date_month=2024-01")
        self.assertIn("merged", done.stdout)
        after_one = glob.glob(os.path.join(self.lake(), "*", "*.parquet"))
        self.assertEqual(len(after_one), 1 + len([d for d in DAYS if d.startswith("202402")]))
        self.project.ds("compact", "lake")
        merged = glob.glob(os.path.join(self.lake(), "*", "*.parquet"))
        self.assertEqual(len(merged), 2)
        self.assertTrue(all(os.path.basename(p).startswith("part-compact-") for p in merged), merged)
        _, after = self.parquet_rows()
        key = lambda x: (x["trade_date"], x["ts_code"])
        self.assertEqual(sorted(after, key=key), sorted(before, key=key))
        # Running the plan again rewrites every unit: still exactly the served rows, none twice.
        rerun = self.project.ds("run", "daily_days")
        self.assertIn("status succeeded", rerun.stdout)
        self.project.ds("compact", "lake")
        _, again = self.parquet_rows()
        self.assertEqual(sorted(again, key=key), sorted(before, key=key))
        # The gzip CSV storage merges too: one file of gzip members, which test_json_and_gzip_csv_hold_the_same_rows
        # (run after this one) reads with Python's gzip.
        text = self.project.ds_json("compact", "text", "daily")
        self.assertEqual([len(m["inputs"]) for m in text[0]["merged"]], [len(DAYS)])
        merged = glob.glob(self.project.path("data", "text", "daily", "part-*.csv.gz"))
        self.assertEqual(len(merged), 1, merged)
        self.assertTrue(os.path.exists(self.project.path("data", "text", "daily",
                                                         "." + os.path.basename(merged[0]) + ".units")))
        bad = self.project.ds("compact", "docs", check=False)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("json part files cannot be compacted", bad.stderr)


AUTO_CONFIG = """
datasets:
  daily: {source: tushare}
storages:
  lake: {kind: parquet, path: data/lake, partition_by: trade_date, partition_granularity: year, compact_at_parts: 20}
  raw: {kind: parquet, path: data/raw, partition_by: trade_date, partition_granularity: year, compact_at_parts: 0}
  text: {kind: csv, path: data/text, partition_by: trade_date, partition_granularity: year, compact_at_parts: 20}
  lines: {kind: jsonl, path: data/lines, partition_by: trade_date, partition_granularity: year, compact_at_parts: 0}
plans:
  bars:
    dataset: daily
    storages: [lake, raw, text, lines]
    params:
      trade_date: {dates: {start: "20231218", end: "20240209", weekdays_only: true}}
"""


class AutoCompactTest(unittest.TestCase):
    """A run compacts a partition by itself once it holds compact_at_parts small parts (issue 19: thousands of
    one-task files make readers slow); 0 leaves the parts as they are. DuckDB reads the same rows either way."""

    def setUp(self):
        self.sim = Sim(stocks=30)
        self.project = Project(self.sim, sim_config(self.sim.url, AUTO_CONFIG))

    def tearDown(self):
        self.project.cleanup()
        self.sim.stop()

    def files(self, storage):
        root = self.project.path("data", storage, "daily")
        return {os.path.basename(d): sorted(os.path.basename(f) for f in glob.glob(os.path.join(d, "*.parquet")))
                for d in glob.glob(os.path.join(root, "*"))}

    def text_files(self, storage, ext):
        root = self.project.path("data", storage, "daily")
        return {os.path.basename(d): sorted(os.path.basename(f) for f in glob.glob(os.path.join(d, "*." + ext)))
                for d in glob.glob(os.path.join(root, "*"))}

    def text_rows(self, storage):
        """(ts_code, trade_date as days since the epoch, close) of a CSV or JSON Lines storage, as DuckDB's
        rows() gives them (close as a float)."""
        read = dbs.csv_rows if storage == "text" else dbs.jsonl_rows
        return sorted((r["ts_code"], str(days_since_epoch(str(r["trade_date"]).replace("-", ""))),
                       float(r["close"])) for r in read(self.project.path("data", storage), "daily"))

    def rows(self, storage):
        doc = duckdb(["--hive", self.project.path("data", storage, "daily")])
        names = [c["name"] for c in doc["columns"]]
        return sorted(tuple(r[names.index(f)] for f in ("ts_code", "trade_date", "close")) for r in doc["rows"])

    def test_a_partition_is_compacted_once_it_holds_enough_parts(self):
        out = self.project.ds("run", "bars")
        self.assertIn("status succeeded", out.stdout)
        # One part per trading day (holidays have no rows, so no part): 2023's 10 stay below 20; 2024's 28
        # are merged into one file after the run. `raw` (compact_at_parts: 0) keeps them all.
        raw = self.files("raw")
        self.assertEqual((len(raw["trade_date_year=2023"]), len(raw["trade_date_year=2024"])), (10, 28), raw)
        lake = self.files("lake")
        self.assertEqual(lake["trade_date_year=2023"], raw["trade_date_year=2023"])
        self.assertEqual(len(lake["trade_date_year=2024"]), 1, lake)
        self.assertTrue(lake["trade_date_year=2024"][0].startswith("part-compact-"), lake)
        self.assertRegex(out.stderr, r"storage 'lake': compacted 28 part files of dataset 'daily' into 1 \(\d+ rows\)")
        self.assertNotIn("storage 'raw': compacted", out.stderr)
        # CSV merges the same way (its unit lists hidden beside the merged files); JSON Lines with
        # compact_at_parts: 0 keeps one file per day.
        text = self.text_files("text", "csv")
        self.assertEqual(text["trade_date_year=2023"],
                         [f.replace(".parquet", ".csv") for f in raw["trade_date_year=2023"]])
        self.assertEqual(len(text["trade_date_year=2024"]), 1, text)
        merged = text["trade_date_year=2024"][0]
        self.assertTrue(os.path.exists(self.project.path("data", "text", "daily", "trade_date_year=2024",
                                                         "." + merged + ".units")))
        self.assertEqual(sum(len(v) for v in self.text_files("lines", "jsonl").values()), 38)
        self.assertNotIn("could not compact", out.stderr)
        rows = self.rows("raw")
        self.assertEqual(len(rows), len(set(rows)))
        self.assertEqual(self.rows("lake"), rows)
        floats = sorted((code, day, float(close)) for code, day, close in rows)
        self.assertEqual(self.text_rows("text"), floats)
        self.assertEqual(self.text_rows("lines"), floats)
        # A re-run writes every unit again as its own part: the next compaction keeps each unit once.
        again = self.project.ds("run", "bars")
        self.assertIn("status succeeded", again.stdout)
        self.assertEqual(len(self.files("lake")["trade_date_year=2024"]), 1)
        self.assertEqual(self.rows("lake"), rows)
        self.assertEqual(len(self.text_files("text", "csv")["trade_date_year=2024"]), 1)
        self.assertEqual(self.text_rows("text"), floats)


REPEAT_CONFIG = """
datasets:
  daily: {source: tushare}
storages:
  text: {kind: csv, path: data/text}
  lines: {kind: jsonl, path: data/lines}
  lake: {kind: parquet, path: data/lake}
  lite: {kind: sqlite, path: data/warehouse.db}
plans:
  days:
    dataset: daily
    storages: [text, lines, lake, lite]
    mode: append
    concurrency: 1
    params:
      trade_date: ["20240129", "20240130", "20240129", "20240129", "20240130"]
"""


class RepeatedArgumentsTest(unittest.TestCase):
    """A plan that lists a day twice makes two tasks of one key, which usually reach the sink writers
    together. Their rows are stored once: a commit group never holds one unit twice, since a file sink
    appends all batches of a unit that it gets before the commit."""

    def test_a_day_listed_three_times_is_stored_once_in_every_storage(self):
        sim = Sim(stocks=40)
        project = Project(sim, sim_config(sim.url, REPEAT_CONFIG))
        try:
            out = project.ds("run", "days")
            self.assertIn("5 total: 5 ok", out.stdout)
            want = sorted((r["ts_code"], r["trade_date"]) for d in ("20240129", "20240130")
                          for r in sim.rows("daily", {"trade_date": d}))
            self.assertGreater(len(want), 40)
            iso = lambda d: d.replace("-", "")[:8]
            for name, rows in [("text", dbs.csv_rows(project.path("data", "text"), "daily")),
                               ("lines", dbs.jsonl_rows(project.path("data", "lines"), "daily")),
                               ("lake", dbs.parquet_rows(project.path("data", "lake"), "daily")),
                               ("lite", dbs.sqlite_rows(project.path("data", "warehouse.db"), "daily"))]:
                got = sorted((r["ts_code"], iso(str(r["trade_date"]))) for r in rows)
                self.assertEqual(got, want, name)
        finally:
            project.cleanup()
            sim.stop()


if __name__ == "__main__":
    sys.argv = harness.parse_args(sys.argv)
    unittest.main(verbosity=2)
