"""Point-in-time history on Parquet (`history: true` on a parquet storage), end to end: a quarter of daily bars
is synced into a parquet storage partitioned by month; every part file is a version of a unit, named with its
stamp and digest, and carries _ds_unit and _valid_from. An unchanged re-run adds no file. After the simulator
revises some values and drops a row, a re-run adds exactly one version of each changed day. `asof` before the
revision returns the first answer and after it the second; DuckDB, running the query docs/configuration.md
gives users, returns the same rows at both times, also after `datasync compact` merged the versions; reconcile
against a plain SQLite copy of the vendor's current answers is clean. A day that comes back empty gets an
empty version, which both readers honour. A folder of the other kind is refused
with what to change."""

import csv
import datetime
import glob
import io
import json
import os
import re
import subprocess
import sys
import unittest

import harness
from harness import E2ETestCase, sim_config

BODY = """datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  warehouse: {kind: sqlite, path: data/warehouse.db}
  lake: {kind: parquet, path: data/lake, partition_by: trade_date, partition_granularity: month, compact_at_parts: 0}
plans:
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20231201", end_date: "20240331"}
  bars:
    dataset: daily
    storages: [lake]
    history: true
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
  bars_plain:
    dataset: daily
    storages: [warehouse]
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
"""

ORACLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles")
VERSION = re.compile(r"^part-(.+)\.v(\d{16})-([0-9a-f]{16})\.parquet$")

# The query docs/configuration.md gives for DuckDB, with {files} for the files and {at} for the time.
AS_OF = """SELECT * EXCLUDE (_ds_unit, _valid_from) FROM (SELECT * FROM {files}
WHERE _valid_from <= TIMESTAMPTZ '{at}+00'
QUALIFY _valid_from = max(_valid_from) OVER (PARTITION BY _ds_unit)) WHERE ts_code IS NOT NULL"""


def compact(day):
    return day.replace("-", "")


def stamp_text(us):
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=us)).strftime("%Y-%m-%d %H:%M:%S.%f")


class ParquetHistoryTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=6)
        self.project = self.new_project(self.sim, sim_config(self.sim.url, BODY))
        self.project.ds("run", "cal", "bars")
        self.first = self.asof("2100-01-01")
        self.days = sorted({r[1] for r in self.first})
        self.codes = sorted({r[0] for r in self.first})
        self.assertGreater(len(self.first), 200)

    def lake(self):
        return self.project.path("data", "lake", "daily")

    def parts(self):
        return sorted(os.path.relpath(p, self.lake()) for p in glob.glob(os.path.join(self.lake(), "*", "*.parquet")))

    def asof(self, time):
        out = self.project.ds("asof", "daily", time, "--storage", "lake")
        rows = list(csv.reader(io.StringIO(out.stdout)))
        return sorted(rows[1:])

    def duckdb(self, at_us):
        proc = subprocess.run(["node", os.path.join(ORACLES, "read_parquet.mjs"), "--sql",
                               AS_OF.replace("{at}", stamp_text(at_us)), self.lake()],
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(proc.stdout)
        names = [c["name"] for c in doc["columns"]]
        code, day, close = names.index("ts_code"), names.index("trade_date"), names.index("close")
        epoch = datetime.date(1970, 1, 1)
        return sorted((r[code], (epoch + datetime.timedelta(days=int(r[day]))).isoformat(), float(r[close]))
                      for r in doc["rows"])

    @staticmethod
    def keyed(rows):
        return sorted((r[0], r[1], float(r[5])) for r in rows)  # ts_code, trade_date, close

    def test_versions_are_files_and_asof_and_duckdb_return_each(self):
        parts = self.parts()
        self.assertEqual(len(parts), len(self.days))  # one version of each day (a unit)
        stamps = set()
        for p in parts:
            m = VERSION.match(os.path.basename(p))
            self.assertIsNotNone(m, p)
            stamps.add(int(m.group(2)))
        # Every file carries the version columns, as DuckDB reads them.
        proc = subprocess.run(["node", os.path.join(ORACLES, "read_parquet.mjs"), "--no-meta",
                               os.path.join(self.lake(), parts[0])], capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(proc.stdout)
        columns = {c["name"]: c["type"] for c in doc["columns"]}
        self.assertEqual((columns["_ds_unit"], columns["_valid_from"]), ("string", "timestamp"))
        row = doc["rows"][0]
        self.assertEqual(int(row[list(columns).index("_valid_from")]), int(VERSION.match(
            os.path.basename(parts[0])).group(2)))

        # An unchanged vendor adds no version.
        self.project.ds("run", "bars")
        self.assertEqual(self.parts(), parts)
        t1 = max(stamps)

        revised, hole = self.days[10:12], self.days[20]
        code = self.codes[2]
        vendor = {
            "revisions": [{"api": "daily", "start_date": compact(revised[0]), "end_date": compact(revised[1]),
                           "codes": [code], "fields": ["close", "vol"], "scale": 1.1}],
            "holes": [{"api": "daily", "start_date": compact(hole), "end_date": compact(hole),
                       "codes": [self.codes[0]]}]}
        self.sim.admin("config", vendor)
        self.project.ds("run", "bars")
        added = sorted(set(self.parts()) - set(parts))
        self.assertEqual(len(added), 3, added)
        self.assertEqual(set(self.parts()) - set(added), set(parts))  # nothing replaced
        # New versions of three units (days) already there, in the month folders of those days.
        units = {VERSION.match(os.path.basename(p)).group(1) for p in added}
        self.assertEqual(len(units), 3)
        self.assertLessEqual(units, {VERSION.match(os.path.basename(p)).group(1) for p in parts})
        self.assertEqual(sorted(os.path.dirname(p)[-7:] for p in added), sorted(d[:7] for d in revised + [hole]))
        added_stamps = [int(VERSION.match(os.path.basename(p)).group(2)) for p in added]
        learned, t2 = min(added_stamps), max(added_stamps)  # each unit's version is stamped as it arrived
        self.assertGreater(learned, t1)

        # asof: the first answer up to the revision, the second from it on.
        self.assertEqual(self.asof(stamp_text(t1)), self.first)
        self.assertEqual(self.asof(stamp_text(learned - 1)), self.first)
        now = self.asof(stamp_text(t2))
        self.assertEqual(len(now), len(self.first) - 1)
        changed = [r for r in now if r not in self.first]
        self.assertEqual(sorted((r[0], r[1]) for r in changed), [(code, revised[0]), (code, revised[1])])
        self.assertNotIn((self.codes[0], hole), {(r[0], r[1]) for r in now})
        out = self.project.ds("asof", "daily", "2000-01-01", "--storage", "lake")
        self.assertEqual(out.stdout.count("\n"), 1)  # the header: nothing was known then

        # DuckDB over the files, with the documented query, at both times.
        self.assertEqual(self.duckdb(t1), self.keyed(self.first))
        self.assertEqual(self.duckdb(t2), self.keyed(now))

        # Every reader sees the current rows: a plain SQLite copy of the vendor's answers reconciles clean.
        self.project.ds("run", "bars_plain")
        out = self.project.ds("reconcile", "daily", "--storages", "lake,warehouse", "--json", check=False)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(json.loads(out.stdout)["left_rows"], len(now))

        # Compaction merges the versions into fewer files; both readers still tell the times apart.
        self.project.ds("compact", "lake", "daily")
        self.assertLess(len(self.parts()), len(parts))
        self.assertEqual(self.asof(stamp_text(t1)), self.first)
        self.assertEqual(self.asof(stamp_text(t2)), now)
        self.assertEqual(self.duckdb(t1), self.keyed(self.first))
        self.assertEqual(self.duckdb(t2), self.keyed(now))
        # A later unchanged run still recognises the newest versions inside the merged files.
        self.project.ds("run", "bars")
        self.assertEqual(len(self.parts()), len(set(self.parts())))
        self.assertEqual(self.asof("2100-01-01"), now)
        self.assertFalse([p for p in self.parts() if VERSION.match(os.path.basename(p))
                          and int(VERSION.match(os.path.basename(p)).group(2)) > t2])

        # A whole day comes back empty: an empty version in the dataset's folder, whose marker row (NULL key)
        # datasync's readers skip by its name and the documented query drops.
        gone = self.days[30]
        vendor["holes"].append({"api": "daily", "start_date": compact(gone), "end_date": compact(gone),
                                "codes": self.codes})
        self.sim.admin("config", vendor)
        self.project.ds("run", "bars")
        empty = glob.glob(os.path.join(self.lake(), "part-*.parquet"))
        self.assertEqual(len(empty), 1, empty)
        m = VERSION.match(os.path.basename(empty[0]))
        self.assertEqual(m.group(3), "0" * 16)
        t3 = int(m.group(2))
        after = self.asof(stamp_text(t3))
        self.assertEqual(after, [r for r in now if r[1] != gone])
        self.assertEqual(self.asof(stamp_text(t3 - 1)), now)
        self.assertEqual(self.duckdb(t3), self.keyed(after))
        self.assertEqual(self.duckdb(t3 - 1), self.keyed(now))
        self.project.ds("run", "bars")  # still empty: no new version
        self.assertEqual(glob.glob(os.path.join(self.lake(), "part-*.parquet")), empty)

    def test_a_folder_of_the_other_kind_is_refused(self):
        # The folder keeps history: a plan without it may not write there.
        plain = BODY.replace("    history: true\n", "")
        self.project.write_config(sim_config(self.sim.url, plain))
        out = self.project.ds("run", "bars", check=False)
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("keeps history", out.stdout + out.stderr)
        self.assertIn("set history: true on the plan", out.stdout + out.stderr)
        # And a folder without history cannot become one with it.
        other = plain.replace("path: data/lake,", "path: data/plain_lake,")
        self.project.write_config(sim_config(self.sim.url, other))
        self.project.ds("run", "bars")
        self.project.write_config(sim_config(self.sim.url, other.replace(
            "    storages: [lake]\n", "    storages: [lake]\n    history: true\n")))
        out = self.project.ds("run", "bars", check=False)
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("holds the dataset without history", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
