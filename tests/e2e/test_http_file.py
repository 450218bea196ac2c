"""File sources end to end (issue 16): the real binary downloads the simulator's Binance kline archives
(tools/vendor-sim/README.md, "Binance files") through an `http_file` source. Rows are compared with what the
simulator served, read independently with Python's zipfile and csv. Covered here:
- one task per symbol and day, across the 2025-01-01 switch of spot timestamps from ms to µs;
- futures files with a header row and monthly files;
- every download checked against its .CHECKSUM, with damaged, cut and refused downloads fetched again;
- a regenerated archive re-ingested without a duplicate or a stale row;
- a file whose checksum is the one stored not downloaded again (unless `run --refetch`, or for a new storage);
- days before a listing: empty, or a clear failure."""

import csv
import datetime
import io
import json
import sqlite3
import sys
import unittest
import urllib.request
import zipfile

import harness
from harness import E2ETestCase

SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
COLUMNS = ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades",
           "taker_buy_base", "taker_buy_quote", "_"]
DECIMALS = ["open", "high", "low", "close", "volume", "quote_volume", "taker_buy_base", "taker_buy_quote"]


def fields_yaml():
    out = "    fields:\n      - {name: symbol, type: string}\n"
    for c in COLUMNS[:-1]:
        t = "timestamp" if c.endswith("_time") else "int64" if c == "trades" else '"decimal(28,8)"'
        out += "      - {name: %s, type: %s}\n" % (c, t)
    return out + "    primary_key: [symbol, open_time]\n"


def config(url, datasets, plans):
    text = """version: 1
sources:
  binance:
    provider: http_file
    endpoint: %s
storages:
  db: {kind: sqlite, path: data/warehouse.db}
  files: {kind: csv, path: data/csv}
datasets:
""" % url
    for name, keys in datasets.items():
        text += "  %s:\n    source: binance\n    checksum: sha256\n    columns: [%s]\n%s%s" % (
            name, ", ".join(COLUMNS), keys, fields_yaml())
    text += "plans:\n"
    for name, (dataset, params) in plans.items():
        text += ("  %s:\n    dataset: %s\n    storages: [db, files]\n    params:\n%s"
                 "    retry: {max_attempts: 6, initial_backoff_ms: 20, max_backoff_ms: 200}\n") % (name, dataset, params)
    return text


DAILY = "    path: /data/spot/daily/klines/{symbol}/1h/{symbol}-1h-{day}.zip\n"


def micros_text(value, unit_us):
    """A timestamp as SQLite holds it from datasync ("YYYY-MM-DD HH:MM:SS[.ffffff]")."""
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=int(value) * unit_us)
    text = dt.strftime("%Y-%m-%d %H:%M:%S")
    return text + (".%06d" % dt.microsecond if dt.microsecond else "")


def dec(text):
    """A decimal's text without trailing zeros, as the stored decimals are compared."""
    t = text.rstrip("0").rstrip(".") if "." in text else text
    return t or "0"


class Archive:
    """The simulator's files read without datasync: zipfile + csv."""

    def __init__(self, sim):
        self.sim = sim

    def get(self, path):
        with urllib.request.urlopen(self.sim.url + path, timeout=60) as resp:
            return resp.read()

    def rows(self, path, symbol):
        data = zipfile.ZipFile(io.BytesIO(self.get(path)))
        [name] = data.namelist()
        records = list(csv.reader(io.StringIO(data.read(name).decode())))
        if records and records[0][0] == "open_time":
            records = records[1:]
        out = []
        for r in records:
            unit_us = 1 if len(r[0]) >= 16 else 1000  # 16 digits: µs (spot from 2025), else ms
            out.append((symbol, micros_text(r[0], unit_us), *[dec(r[i]) for i in (1, 2, 3, 4, 5)],
                        micros_text(r[6], unit_us), dec(r[7]), int(r[8]), dec(r[9]), dec(r[10])))
        return out


class HttpFileTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim()
        self.archive = Archive(self.sim)

    def project_for(self, datasets, plans):
        project = self.new_project(config=config(self.sim.url, datasets, plans))
        return project

    def stored(self, project, table):
        con = sqlite3.connect(project.path("data", "warehouse.db"))
        try:
            cols = ["symbol"] + COLUMNS[:-1]
            rows = con.execute("SELECT %s FROM %s ORDER BY symbol, open_time" % (", ".join(cols), table)).fetchall()
        finally:
            con.close()
        out = []
        for r in rows:
            out.append(tuple(dec(str(v)) if cols[i] in DECIMALS else v for i, v in enumerate(r)))
        return out

    def csv_rows(self, project, table):
        import glob
        import os
        out = []
        for f in sorted(glob.glob(project.path("data", "csv", table, "**", "*.csv"), recursive=True)):
            with open(f, newline="", encoding="utf-8") as fh:
                out += [(r["symbol"], r["open_time"]) for r in csv.DictReader(fh)]
        return sorted(out)

    def expected(self, symbols, days, market="spot", interval="1h", period="daily"):
        out = []
        for s in symbols:
            for d in days:
                out += self.archive.rows("/data/%s/%s/klines/%s/%s/%s-%s-%s.zip" % (
                    market, period, s, interval, s, interval, d), s)
        return sorted(out, key=lambda r: (r[0], r[1]))

    def run_plan(self, project, plan, *flags, check=True):
        """The run's report (`datasync run PLAN --json` lists one entry per plan)."""
        proc = project.ds("run", plan, *flags, "--json", check=check)
        [entry] = json.loads(proc.stdout)
        return entry["report"]

    def test_daily_archives_across_the_switch_to_microseconds(self):
        days = ["2024-12-30", "2024-12-31", "2025-01-01", "2025-01-02"]
        project = self.project_for(
            {"klines_1h": DAILY},
            {"klines": ("klines_1h", "      symbol: [%s]\n      day: {dates: {start: \"2024-12-30\", end: "
                                     "\"2025-01-02\", format: YYYY-MM-DD}}\n" % ", ".join(SYMBOLS))})
        report = self.run_plan(project, "klines")
        self.assertEqual(report["status"], "succeeded", report)
        # Each file was checked: one CHECKSUM and one archive download per task (before this test reads them).
        stats = self.sim.admin("binance/stats")
        self.assertEqual(sum(stats["checksum_downloads"].values()), 12)
        self.assertEqual(sum(stats["zip_downloads"].values()), 12)
        want = self.expected(SYMBOLS, days)
        self.assertEqual(len(want), 3 * 4 * 24)
        got = self.stored(project, "klines_1h")
        self.assertEqual(got, want)
        # The seam: the last hour of 2024 closes at .999 (ms), the first of 2025 at .999999 (µs).
        btc = [r for r in got if r[0] == "BTCUSDT"]
        self.assertEqual(btc[47][7], "2024-12-31 23:59:59.999000")
        self.assertEqual(btc[48][7], "2025-01-01 00:59:59.999999")
        self.assertEqual(self.csv_rows(project, "klines_1h"), sorted((r[0], r[1]) for r in want))

    def test_futures_with_a_header_row_and_a_monthly_file(self):
        project = self.project_for(
            {"futures_1h": "    path: /data/futures/um/daily/klines/{symbol}/1h/{symbol}-1h-{day}.zip\n",
             "monthly_4h": "    path: /data/spot/monthly/klines/{symbol}/4h/{symbol}-4h-{month}.zip\n"},
            {"futures": ("futures_1h", "      symbol: [BTCUSDT]\n      day: [\"2025-03-03\", \"2025-03-04\"]\n"),
             "monthly": ("monthly_4h", "      symbol: [ETHUSDT]\n      month: [\"2024-02\", \"2025-02\"]\n")})
        self.assertEqual(self.run_plan(project, "futures")["status"], "succeeded")
        self.assertEqual(self.stored(project, "futures_1h"),
                         self.expected(["BTCUSDT"], ["2025-03-03", "2025-03-04"], market="futures/um"))
        self.assertEqual(self.run_plan(project, "monthly")["status"], "succeeded")
        want = self.expected(["ETHUSDT"], ["2024-02", "2025-02"], interval="4h", period="monthly")
        self.assertEqual(len(want), (29 + 28) * 6)  # 2024 is a leap year
        self.assertEqual(self.stored(project, "monthly_4h"), want)

    def test_damaged_downloads_are_fetched_again_and_nothing_is_stored_twice(self):
        days = ["2024-06-03", "2024-06-04", "2024-06-05"]
        project = self.project_for(
            {"klines_1h": DAILY},
            {"klines": ("klines_1h", "      symbol: [BTCUSDT, ETHUSDT]\n      day: [%s]\n" %
                        ", ".join('"%s"' % d for d in days))})
        self.sim.admin("binance/faults", {"bad_checksum": 2, "truncated_zip": 1, "status_503": 1, "status_429": 1},
                       method="POST")
        report = self.run_plan(project, "klines")
        self.assertEqual(report["status"], "succeeded", report)
        self.assertEqual(self.stored(project, "klines_1h"), self.expected(["BTCUSDT", "ETHUSDT"], days))
        injected = self.sim.admin("binance/stats")["faults_injected"]
        self.assertEqual(injected, {"bad_checksum": 2, "truncated_zip": 1, "status_503": 1, "status_429": 1})
        # Each damaged or refused download failed an attempt of its task (a task whose checksum and archive
        # were both damaged fails once), and was downloaded again.
        examples = {e["kind"]: " ".join(e["examples"]) for e in report["errors"]}
        self.assertIn("the file's SHA-256 is", examples.get("TRANSIENT", ""), report)
        self.assertIn("HTTP 429", examples.get("RATE_LIMITED", ""), report)
        self.assertGreaterEqual(report["retries"], 2, report)
        self.assertGreater(sum(self.sim.admin("binance/stats")["zip_downloads"].values()), 6)

    def test_a_regenerated_archive_replaces_its_rows(self):
        days = ["2024-06-03", "2024-06-04"]
        project = self.project_for(
            {"klines_1h": DAILY},
            {"klines": ("klines_1h", "      symbol: [BTCUSDT]\n      day: [\"2024-06-03\", \"2024-06-04\"]\n")})
        self.assertEqual(self.run_plan(project, "klines")["status"], "succeeded")
        before = self.stored(project, "klines_1h")
        path = "/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-06-04.zip"
        self.sim.admin("binance/regenerate", {"path": path}, method="POST")
        self.assertEqual(self.run_plan(project, "klines")["status"], "succeeded")
        after = self.stored(project, "klines_1h")
        self.assertEqual(after, self.expected(["BTCUSDT"], days))
        self.assertEqual(len(after), 48)
        self.assertEqual(before[:24], after[:24], "the unchanged day is unchanged")
        self.assertNotEqual(before[24:], after[24:], "the regenerated day holds the new values")
        self.assertEqual(self.csv_rows(project, "klines_1h"), sorted((r[0], r[1]) for r in after))

    def test_unchanged_files_are_not_downloaded_again(self):
        days = ["2024-06-03", "2024-06-04", "2024-06-05"]
        plans = {"klines": ("klines_1h", "      symbol: [BTCUSDT, ETHUSDT]\n      day: [%s]\n" %
                            ", ".join('"%s"' % d for d in days))}
        project = self.project_for({"klines_1h": DAILY}, plans)
        only_db = project.path("datasync.yaml")
        with open(only_db, encoding="utf-8") as f:
            text = f.read()
        with open(only_db, "w", encoding="utf-8") as f:
            f.write(text.replace("storages: [db, files]", "storages: [db]"))

        def counts():
            stats = self.sim.admin("binance/stats")
            return sum(stats["zip_downloads"].values()), sum(stats["checksum_downloads"].values())

        def downloads(*args):
            """The run's report, and the archives and checksums it downloaded (the simulator's reset would
            also forget regenerations, so the counts are differences)."""
            zips, sums = counts()
            report = self.run_plan(project, *args)
            self.assertEqual(report["status"], "succeeded", report)
            after = counts()
            return report, after[0] - zips, after[1] - sums

        report, zips, sums = downloads("klines")
        self.assertEqual((zips, sums), (6, 6))
        first = self.stored(project, "klines_1h")
        # Again: every checksum is the one stored, so no archive is downloaded and nothing is written.
        report, zips, sums = downloads("klines")
        self.assertEqual((zips, sums), (0, 6))
        self.assertEqual(report["tasks"]["done"], 6)
        self.assertEqual(report["rows"], 0)
        self.assertTrue(any("6 task(s) unchanged since their last store" in w for w in report["warnings"]), report)
        self.assertEqual(self.stored(project, "klines_1h"), first)
        # A regenerated archive has a new checksum: that one file is downloaded and its rows replaced.
        self.sim.admin("binance/regenerate", {"path": "/data/spot/daily/klines/ETHUSDT/1h/ETHUSDT-1h-2024-06-04.zip"},
                       method="POST")
        report, zips, _ = downloads("klines")
        self.assertEqual(zips, 1)
        self.assertEqual(report["rows"], 24)
        want = self.expected(["BTCUSDT", "ETHUSDT"], days)  # (these downloads are the test's own)
        self.assertEqual(self.stored(project, "klines_1h"), want)
        self.assertNotEqual(self.stored(project, "klines_1h"), first)
        # `--refetch` downloads and writes everything again.
        report, zips, _ = downloads("klines", "--refetch")
        self.assertEqual((zips, report["rows"]), (6, 144))
        # A storage added to the plan has none of the files: everything is downloaded for it.
        project.write_config(text)
        report, zips, _ = downloads("klines")
        self.assertEqual(zips, 6)
        self.assertEqual(self.csv_rows(project, "klines_1h"), sorted((r[0], r[1]) for r in want))
        self.assertEqual(self.stored(project, "klines_1h"), want)

    def test_days_before_a_listing(self):
        # SOLUSDT was listed on 2020-08-11: the archive has no file for the days before.
        params = "      symbol: [SOLUSDT]\n      day: [\"2020-08-10\", \"2020-08-11\"]\n"
        project = self.project_for({"sol_empty": DAILY + "    not_found: empty\n", "sol_strict": DAILY},
                                   {"empty": ("sol_empty", params), "strict": ("sol_strict", params)})
        report = self.run_plan(project, "empty")
        self.assertEqual(report["status"], "succeeded", report)
        self.assertEqual(self.stored(project, "sol_empty"), self.expected(["SOLUSDT"], ["2020-08-11"]))
        report = self.run_plan(project, "strict", check=False)
        self.assertEqual(report["status"], "failed", report)
        text = json.dumps(report)
        self.assertIn("SOLUSDT-1h-2020-08-10.zip", text)
        self.assertIn("the vendor has no such file (yet)", text)
        self.assertEqual(len(self.stored(project, "sol_strict")), 24, "the day that exists is stored")


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
