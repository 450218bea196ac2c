"""Point-in-time history end to end (`history: true`, `datasync asof`) on SQLite: a quarter of daily bars is
synced into a versioned table; an unchanged re-run adds no version; after the simulator revises some values
and drops a row (its revision and hole modes), a re-run closes exactly those versions and adds the new ones.
`asof` before the revision returns the first answer and after it the second, and every other reader (the
latest view, reconcile against a plain copy) sees only the current rows. A storage that cannot keep history,
and a table written without it, are refused with what to change."""

import csv
import io
import json
import sys
import unittest

import harness
from harness import E2ETestCase, sim_config

BODY = """datasets:
  trade_cal: {source: tushare}
  daily: {source: tushare}
storages:
  warehouse: {kind: sqlite, path: data/warehouse.db}
  plain: {kind: sqlite, path: data/plain.db}
plans:
  cal:
    dataset: trade_cal
    storages: [warehouse]
    params: {exchange: SSE, start_date: "20231201", end_date: "20240331"}
  bars:
    dataset: daily
    storages: [warehouse]
    history: true
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
  bars_plain:
    dataset: daily
    storages: [plain]
    depends_on: [cal]
    params:
      trade_date: {trading_days: {start: "20240102", end: "20240329"}}
"""

FIELDS = "ts_code, trade_date, open, high, low, close, pre_close, change, pct_chg, vol, amount"


def compact(day):
    return day.replace("-", "")


class HistoryTest(E2ETestCase):
    def setUp(self):
        self.sim = self.start_sim(stocks=6)
        self.project = self.new_project(self.sim, sim_config(self.sim.url, BODY))
        self.project.ds("run", "cal", "bars")
        self.first = self.current()
        self.days = sorted({r[1] for r in self.first})
        self.codes = sorted({r[0] for r in self.first})
        self.assertGreater(len(self.first), 200)

    def current(self):
        return self.project.sqlite("SELECT %s FROM daily_latest ORDER BY ts_code, trade_date" % FIELDS)

    def versions(self):
        return self.project.sqlite("SELECT count(*), count(_valid_to), count(DISTINCT _valid_from) FROM daily")[0]

    def asof(self, time, *args):
        out = self.project.ds("asof", "daily", time, *args)
        rows = list(csv.reader(io.StringIO(out.stdout)))
        return rows[0], sorted(rows[1:]), out.stderr

    def test_versions_are_kept_and_asof_returns_each(self):
        # One version per row, all current, stamped by one commit or a few.
        self.assertEqual(self.versions()[:2], (len(self.first), 0))
        # An unchanged vendor adds no version.
        self.project.ds("run", "bars")
        self.assertEqual(self.versions()[:2], (len(self.first), 0))
        t1 = self.project.sqlite("SELECT max(_valid_from) FROM daily")[0][0]

        revised_days, hole_day = self.days[10:12], self.days[20]
        code = self.codes[2]
        self.sim.admin("config", {
            "revisions": [{"api": "daily", "start_date": compact(revised_days[0]),
                           "end_date": compact(revised_days[1]), "codes": [code], "fields": ["close"],
                           "scale": 1.1}],
            "holes": [{"api": "daily", "start_date": compact(hole_day), "end_date": compact(hole_day),
                       "codes": [self.codes[0]]}]})
        self.project.ds("run", "bars")
        total, closed, stamps = self.versions()
        # Two revised rows and a vanished one were closed; the two revisions are new versions.
        self.assertEqual((total, closed), (len(self.first) + 2, 3))
        t2 = self.project.sqlite("SELECT max(_valid_from) FROM daily")[0][0]
        self.assertGreater(t2, t1)
        closed_rows = self.project.sqlite(
            "SELECT ts_code, trade_date, _valid_to FROM daily WHERE _valid_to IS NOT NULL ORDER BY 1, 2")
        self.assertEqual(sorted((c, d) for c, d, _ in closed_rows),
                         sorted([(code, revised_days[0]), (code, revised_days[1]), (self.codes[0], hole_day)]))
        # A revised row's old version ends where its new one starts.
        started = dict(((c, d), s) for c, d, s in self.project.sqlite(
            "SELECT ts_code, trade_date, _valid_from FROM daily WHERE _valid_to IS NULL"))
        for c, d, ended in closed_rows:
            self.assertGreater(ended, t1)
            if c == code:
                self.assertEqual(started[(c, d)], ended)
        now = self.current()
        self.assertEqual(len(now), len(self.first) - 1)
        new_close = {r[1]: r[5] for r in now if r[0] == code and r[1] in revised_days}
        old_close = {r[1]: r[5] for r in self.first if r[0] == code and r[1] in revised_days}
        for day in revised_days:
            self.assertAlmostEqual(new_close[day], round(old_close[day] * 1.1, 2), places=2)

        # asof before the revision is the first answer, after it the second; before any run, nothing.
        header, rows, note = self.asof(t1)
        self.assertEqual(header[:3], ["ts_code", "trade_date", "open"])
        self.assertNotIn("_valid_from", header)
        self.assertEqual(rows, sorted(self.as_text(self.first)))
        self.assertIn("%d row(s) of daily as known at" % len(self.first), note)
        header, rows, _ = self.asof(t2)
        self.assertEqual(rows, sorted(self.as_text(now)))
        self.assertEqual(self.asof("2000-01-01")[1], [])
        # Days of the date key narrow it; JSON lines carry numbers as numbers.
        _, rows, _ = self.asof(t1, "--from", revised_days[0], "--to", revised_days[1])
        self.assertEqual(len(rows), 2 * len(self.codes))
        out = self.project.ds("asof", "daily", t1, "--format", "jsonl", "--from", revised_days[0], "--to",
                              revised_days[0]).stdout
        lines = [json.loads(x) for x in out.splitlines()]
        mine = [x for x in lines if x["ts_code"] == code]
        self.assertEqual(mine[0]["close"], old_close[revised_days[0]])
        # To a file: the same rows, and a summary.
        target = self.project.path("asof.csv")
        summary = self.project.ds_json("asof", "daily", t2, "--output", target)
        self.assertEqual((summary["rows"], summary["storage"]), (len(now), "warehouse"))
        with open(target, newline="") as f:
            self.assertEqual(sorted(list(csv.reader(f))[1:]), sorted(self.as_text(now)))

        # Readers see the current rows: a plain copy of the same vendor answer reconciles clean.
        self.project.ds("run", "bars_plain")
        out = self.project.ds("reconcile", "daily", "--storages", "warehouse,plain", "--json", check=False)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(json.loads(out.stdout)["left_rows"], len(now))
        # A table without history has no past to read.
        out = self.project.ds("asof", "daily", t1, "--storage", "plain", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("keeps no history", out.stderr)

    def as_text(self, rows):
        def text(v):
            if isinstance(v, float):
                return str(int(v)) if v == int(v) else repr(v)
            return str(v)
        return [[text(v) for v in r] for r in rows]

    def test_a_bad_time_and_storages_without_history_are_refused(self):
        out = self.project.ds("asof", "daily", "yesterday", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("is not a time", out.stderr)
        # A CSV storage cannot keep versions: validate says so at the plan.
        cfg = sim_config(self.sim.url, BODY.replace(
            "  plain: {kind: sqlite, path: data/plain.db}",
            "  plain: {kind: sqlite, path: data/plain.db}\n  files: {kind: csv, path: data/csv}").replace(
            "    storages: [warehouse]\n    history: true", "    storages: [warehouse, files]\n    history: true"))
        self.project.write_config(cfg)
        out = self.project.ds("validate", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("cannot keep history", out.stdout + out.stderr)
        # A table written without history is not turned into a versioned one, nor the other way round.
        cfg = sim_config(self.sim.url, BODY).replace("    storages: [plain]\n", "    storages: [plain]\n    history: true\n")
        self.project.write_config(sim_config(self.sim.url, BODY))
        self.project.ds("run", "bars_plain")
        self.project.write_config(cfg.replace("    storages: [warehouse]\n    history: true\n", "    storages: [warehouse]\n"))
        out = self.project.ds("run", "bars_plain", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("needs a table of its own", out.stdout + out.stderr)
        out = self.project.ds("run", "bars", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("keeps history", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
