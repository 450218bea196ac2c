"""Nasdaq Data Link end to end (issue 15): the real binary against the simulator's NDL side
(tools/vendor-sim/README.md, "Nasdaq Data Link"). Datasets are imported from the vendor's metadata endpoints,
then synced through templates (ticker batches x date windows for a table, codes x windows for time series);
the 10-second, 10-minute and daily windows and the one call in flight are planned together with zero
rejected calls; when the vendor's limits are lower than the configured ones they are hit mid-run and handled
(a 10-minute limit cools the task down, a daily limit defers the run to the vendor's day roll); QEAx07 waits
30 s without counting as a failed attempt; an invalid cursor restarts its task's pagination and no row is
stored twice; a `rest` source described in YAML alone stores the same data as the native provider, and its
RESTART_PAGING rule restarts pages whose cursors expired mid-run without a duplicate or a lost row.

Time is virtual where the windows matter (harness.VirtualClock): the simulator and datasync read one clock
file that moves only when every datasync worker waits for a time."""

import datetime
import decimal
import json
import sqlite3
import sys
import unittest

import dbs
import harness
from harness import E2ETestCase

START_US = 1741003200 * 1000000  # 2025-03-03T12:00:00Z
EQ_TYPES = {"ticker": "str", "date": "date", "open": "decimal", "high": "decimal", "low": "decimal",
            "close": "decimal", "volume": "int", "adj_close": "float"}
QTS_COLUMNS = ["Date", "Open", "High", "Low", "Close", "Volume"]


def ndl_config(sim_url, body, source_extra=""):
    return """version: 1
sources:
  ndl:
    provider: nasdaq_data_link
    endpoint: %s
    api_key: ${E2E_NDL_KEY}
%s
storages:
  db: {kind: sqlite, path: data/warehouse.db}
  files: {kind: csv, path: data/csv}
%s""" % (sim_url, source_extra, body)


def windows_param(start, end, months=None, days=None, names=("date.gte", "date.lte")):
    step = "months: %d" % months if months else "days: %d" % days
    return "{windows: {start: \"%s\", end: \"%s\", %s, align: start, names: [%s], format: YYYY-MM-DD}}" % (
        start, end, step, ", ".join(names))


def month_windows(start, end, months):
    """The [start, end] windows a `windows: {months: N, align: start}` source makes (clipped to the range)."""
    out = []
    s = start
    while s <= end:
        m = s.month - 1 + months
        nxt = datetime.date(s.year + m // 12, m % 12 + 1, 1)
        out.append((s, min(end, nxt - datetime.timedelta(days=1))))
        s = nxt
    return out


def typed(value, kind):
    if value is None:
        return None
    if kind == "decimal":
        return decimal.Decimal(str(value)).normalize()
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "date":
        s = str(value)
        return s[:10] if "-" in s else "%s-%s-%s" % (s[:4], s[4:6], s[6:8])
    return str(value)


def normalize(rows, types):
    return sorted((tuple(typed(r.get(f), k) for f, k in types.items()) for r in rows), key=repr)


class NdlProject:
    """Helpers over one project whose source `ndl` speaks to the simulator's NDL side."""

    def __init__(self, test, sim, body, source_extra="", clock=None):
        self.sim = sim
        # The plans name datasets that exist once imported: the source is applied first, the plans written after.
        self.full = ndl_config(sim.url, body, source_extra)
        self.project = test.new_project(sim, ndl_config(sim.url, "", source_extra))
        self.project.env["E2E_NDL_KEY"] = harness.NDL_KEY
        if clock:
            self.project.env["DATASYNC_CLOCK_FILE"] = clock.path
        self.project.ds("apply")

    def import_api(self, api, name):
        out = self.project.ds("dataset", "import", "--source", "ndl", "--api", api, "--name", name)
        self.project.write_config(self.full)
        return out

    def sqlite(self, table, types):
        return normalize(harness_rows(self.project, table), types)

    def usage(self):
        return self.sim.ndl_admin("usage")["by_caller"].get(harness.NDL_KEY, {})


def harness_rows(project, table):
    con = sqlite3.connect(project.path("data", "warehouse.db"))
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute('SELECT * FROM "%s"' % table)]
    finally:
        con.close()


def expected_eq(sim, batches, windows):
    rows = []
    for batch in batches:
        for a, b in windows:
            got, _ = sim.ndl_table("QSIM/EQ", [("ticker", batch), ("date.gte", a.isoformat()),
                                               ("date.lte", b.isoformat())])
            rows += got
    return normalize(rows, EQ_TYPES)


def expected_qts(sim, codes, windows):
    rows = []
    for code in codes:
        for a, b in windows:
            doc = sim.ndl_get("datasets/QTS/%s/data.json" % code,
                              [("start_date", a.isoformat()), ("end_date", b.isoformat()), ("order", "asc")])
            names = doc["dataset_data"]["column_names"]
            rows += [dict(zip(names, r), code=code) for r in doc["dataset_data"]["data"]]
    return rows


class NdlSyncTest(E2ETestCase):
    """Import from the metadata endpoints, a templated backfill of a table with cursor pages, exact data."""

    def test_imported_table_synced_by_ticker_batches_and_windows_is_exact(self):
        sim = self.start_sim("--ndl-tickers", "60")
        batches = ["AAPL,GE,IBM", "KO,MSFT"]
        start, end = datetime.date(2024, 1, 1), datetime.date(2024, 8, 31)
        p = NdlProject(self, sim, """plans:
  eq:
    dataset: eq
    storages: [db, files]
    mode: append
    params:
      ticker: [%s]
      window: %s
""" % (", ".join('"%s"' % b for b in batches), windows_param(start.isoformat(), end.isoformat(), months=3)),
            source_extra="    per_page: 100\n")
        out = p.import_api("datatables/QSIM/EQ", "eq")
        self.assertIn("eq", out.stdout + out.stderr)
        shown = p.project.ds_json("dataset", "show", "eq")
        params = [x["name"] for x in shown.get("params", [])]
        self.assertIn("ticker", params, shown)
        self.assertIn("date", params, shown)
        self.assertEqual(shown["primary_key"], ["ticker", "date"], shown)
        out = p.project.ds("run", "eq", "--json")
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded", out.stdout)
        expected = expected_eq(sim, batches, month_windows(start, end, 3))
        self.assertGreater(len(expected), 700)
        self.assertEqual(p.sqlite("eq", EQ_TYPES), expected)
        # Pages of 100 rows: the tasks followed the vendor's cursors.
        self.assertGreater(p.usage()["accepted"], len(batches) * 3)
        self.assertEqual(p.usage()["rejected_total"], 0)


class NdlQuotaTest(E2ETestCase):
    """The three windows and the one call in flight, planned and, when the vendor is stricter, handled."""

    def qts_project(self, clock, sim, codes, source_extra, plan_extra=""):
        p = NdlProject(self, sim, """plans:
  bars:
    dataset: qts
    storages: [db]
    mode: append
    params:
      code: [%s]
      window: %s
    retry: {max_attempts: 3, initial_backoff_ms: 20, max_backoff_ms: 200}
%s""" % (", ".join(codes), windows_param("2024-01-01", "2024-12-31", months=1, names=("start_date", "end_date")),
         plan_extra), source_extra=source_extra, clock=clock)
        p.import_api("datasets/QTS/AAPL", "qts")
        return p

    def stored_qts(self, p):
        return sorted((r["Date"][:10], str(r["Close"])) for r in harness_rows(p.project, "qts"))

    def test_three_windows_planned_together_have_zero_rejected_calls(self):
        clock = self.virtual_clock(START_US)
        sim = self.start_sim("--clock", "file:" + clock.path, "--ndl-tickers", "40", "--ndl-per-10s", "4",
                             "--ndl-per-10min", "30", "--ndl-per-day", "0")
        codes = ["AAPL", "MSFT", "KO", "IBM"]
        p = self.qts_project(clock, sim, codes, """    limits:
      windows: [{every_secs: 10, limit: 4}, {every_secs: 600, limit: 30}]
""")
        sim.ndl_admin("usage/reset", {}, "POST")
        sim.ndl_admin("limits/reset", {}, "POST")  # the import's metadata call is not the run's
        clock.drive([sim])
        out = p.project.ds("run", "bars", "--json")
        clock.stop_driving()
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded", out.stdout)
        usage = p.usage()
        sim.ndl_admin("config", {"per_10s": 0, "per_10min": 0, "per_day": 0}, "POST")  # the test reads freely
        self.assertEqual(usage["accepted"], 48, usage)
        self.assertEqual(usage["rejected_total"], 0, usage)
        self.assertLessEqual(usage["max_accepted_in_any_10s"], 4, usage)
        self.assertLessEqual(usage["max_accepted_in_any_600s"], 30, usage)
        # 48 calls at 30 per 10 minutes: the run waited for the 10-minute window once.
        self.assertGreaterEqual(clock.now_us - START_US, 600 * 1_000_000)
        self.assertEqual(len(harness_rows(p.project, "qts")), len(expected_qts(sim, codes, month_windows(
            datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), 1))))

    def test_stricter_vendor_limits_are_hit_mid_run_and_handled(self):
        clock = self.virtual_clock(START_US)
        sim = self.start_sim("--clock", "file:" + clock.path, "--ndl-tickers", "40", "--ndl-per-10min", "12",
                             "--ndl-per-day", "30")
        codes = ["AAPL", "MSFT", "KO"]
        # A 10-minute window can ask for a wait of up to 10 minutes: the plan waits that long (max_wait_secs)
        # instead of stopping at a checkpoint (docs/providers/nasdaq_data_link.md).
        p = self.qts_project(clock, sim, codes, "", plan_extra="    max_wait_secs: 900\n")
        sim.ndl_admin("usage/reset", {}, "POST")
        sim.ndl_admin("limits/reset", {}, "POST")  # the import's metadata call is not the run's
        clock.drive([sim])
        out = p.project.ds("run", "bars", "--wait", "--json")
        clock.stop_driving()
        report = json.loads(out.stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded", out.stdout)
        self.assertEqual(report["tasks"]["done"], 36, report)
        self.assertEqual(report["tasks"].get("failed", 0), 0, report)
        usage = p.usage()
        sim.ndl_admin("config", {"per_10s": 0, "per_10min": 0, "per_day": 0}, "POST")  # the test reads freely
        self.assertEqual(usage["accepted"], 36, usage)
        self.assertGreaterEqual(usage["rejected"].get("QELx04", 0), 1, usage)  # the 10-minute limit, cooled down
        self.assertGreaterEqual(usage["rejected"].get("QELx02", 0), 1, usage)  # the daily limit, deferred
        # The daily limit deferred the run to the vendor's day roll (00:00 UTC), and not retried before it.
        self.assertIn("deferred until", out.stderr)
        midnights = [us for us in clock.moves if (us // 1_000_000) % 86400 == 0]
        self.assertGreaterEqual(len(midnights), 1, clock.moves)
        self.assertLessEqual(usage["rejected"].get("QELx02", 0), 2, usage)
        want = expected_qts(sim, codes, month_windows(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), 1))
        self.assertEqual(sorted((r["code"], r["date"], r["close"]) for r in harness_rows(p.project, "qts")),
                         sorted((r["code"], r["Date"], float(r["Close"])) for r in want))

    def test_qeax07_waits_30_seconds_and_is_no_failed_attempt(self):
        clock = self.virtual_clock(START_US)
        sim = self.start_sim("--clock", "file:" + clock.path, "--ndl-tickers", "40")
        codes = ["AAPL"]
        p = self.qts_project(clock, sim, codes, "")
        with open(p.project.path("datasync.yaml")) as f:
            p.project.write_config(f.read().replace("max_attempts: 3", "max_attempts: 1"))
        sim.ndl_admin("fail", {"code": "QEAx07", "count": 3}, "POST")
        clock.drive([sim])
        out = p.project.ds("run", "bars", "--json")
        clock.stop_driving()
        report = json.loads(out.stdout)[0]["report"]
        # One attempt allowed per task, three 202s answered: none of them counted as a failed attempt.
        self.assertEqual(report["status"], "succeeded", out.stdout)
        self.assertEqual(report["tasks"]["done"], 12, report)
        self.assertGreaterEqual(clock.now_us - START_US, 30 * 1_000_000, clock.moves)
        self.assertEqual(p.usage()["errors"].get("QEAx07"), 3, p.usage())


class NdlCursorTest(E2ETestCase):
    def test_an_invalid_cursor_restarts_the_pagination_and_stores_no_row_twice(self):
        sim = self.start_sim("--ndl-tickers", "40")
        p = NdlProject(self, sim, """plans:
  eq:
    dataset: eq
    storages: [db, files]
    mode: append
    concurrency: 1
    params:
      ticker: ["AAPL,MSFT"]
      window: %s
""" % windows_param("2024-01-01", "2024-06-30", months=6), source_extra="    per_page: 50\n    limits: {concurrency: 1}\n")
        p.import_api("datatables/QSIM/EQ", "eq")
        sim.ndl_admin("usage/reset", {}, "POST")
        sim.gate(3)  # pages 1-3 pass; page 4 waits
        proc = self.spawn(p.project, "run", "eq", "--json")
        sim.wait_gate(1, passed=3)
        # The cursor of the page after the held one is refused: the chain starts again from its first page.
        sim.ndl_admin("fail", {"code": "QESx06", "count": 1}, "POST")
        sim.gate(None)
        stdout, stderr = proc.communicate(timeout=300)
        self.assertEqual(proc.returncode, 0, stderr)
        report = json.loads(stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded", stdout)
        expected = expected_eq(sim, ["AAPL,MSFT"], [(datetime.date(2024, 1, 1), datetime.date(2024, 6, 30))])
        self.assertEqual(p.sqlite("eq", EQ_TYPES), expected)
        self.assertEqual(normalize(dbs.csv_rows(p.project.path("data", "csv"), "eq"), EQ_TYPES), expected)
        pages = (len(expected) + 49) // 50
        usage = p.usage()
        self.assertEqual(usage["errors"].get("QESx06"), 1, usage)
        # The restart asked again for the pages before the refused one.
        self.assertGreater(usage["accepted"], pages + 1, usage)



REST_SOURCE = """  ndl_rest:
    provider: rest
    endpoint: %s
    auth: api_key
    api_key: ${E2E_NDL_KEY}
    api_key_in: header
    api_key_name: X-Api-Token
    limits:
      windows: [{every_secs: 10, limit: 300}, {every_secs: 600, limit: 2000}]
      per_day: 50000
      concurrency: 1
      scope: per_credential
    error_rules:
      - {status: 202, class: RATE_LIMITED, wait_secs: 30}
      - {code_path: quandl_error.code, code_match: "^QELx0[1-3]$", class: QUOTA_EXHAUSTED}
      - {code_path: quandl_error.code, code_match: "^QELx0[45]$", class: RATE_LIMITED, wait_header: Retry-After}
      - {code_path: quandl_error.code, code_match: "^QELx0[6-8]$", class: TRUNCATED}
      - {code_path: quandl_error.code, code_match: "^QE[AP]", class: PERMISSION}
      - {code_path: quandl_error.code, code_match: "^QE[MX]", class: TRANSIENT}
      - {code_path: quandl_error.code, code_match: "^QESx06$", class: RESTART_PAGING}
      - {code_path: quandl_error.code, code_match: "^QE[SC]", class: INVALID_INPUT}
"""


def eq_rest_config(p, sim, per_page, extra=""):
    """The project's datasync.yaml after importing QSIM/EQ natively, plus a `rest` source and an `eq_rest`
    dataset that read the same table through YAML alone, with the imported fields (a plans: section may
    follow)."""
    p.import_api("datatables/QSIM/EQ", "eq")
    shown = p.project.ds_json("dataset", "show", "eq")
    fields = "\n".join("      - {name: %s, type: \"%s\"}" % (f["name"], f["type"]) for f in shown["fields"])
    with open(p.project.path("datasync.yaml")) as f:
        config = f.read()
    config = config.replace("storages:\n", (REST_SOURCE % sim.url) + "storages:\n", 1)
    return config + """datasets:
  eq_rest:
    source: ndl_rest
    path: /api/v3/datatables/QSIM/EQ.json
    query: ["qopts.per_page=%d"]
    rows: datatable.data
    columns: datatable.columns
    paginate: cursor
    cursor_path: meta.next_cursor_id
    cursor_param: qopts.cursor_id
%s    primary_key: [ticker, date]
    date_key: date
    fields:
%s
""" % (per_page, extra, fields)


class NdlRestTest(E2ETestCase):
    """The Tables API through a `rest` source written in YAML alone stores what the native provider stores."""

    def test_a_rest_source_in_yaml_stores_the_same_data_as_the_native_provider(self):
        sim = self.start_sim("--ndl-tickers", "40")
        params = """    params:
      ticker: ["AAPL,GE", "KO,MSFT,IBM"]
      window: %s
""" % windows_param("2024-01-01", "2024-12-31", months=6)
        p = NdlProject(self, sim, """plans:
  native:
    dataset: eq
    storages: [db, files]
%s""" % params, source_extra="    per_page: 300\n")
        config = eq_rest_config(p, sim, 300, "    split_dates: [date.gte, date.lte]\n    split_lists: [ticker]\n")
        config = config.replace("plans:\n", """plans:
  by_rest:
    dataset: eq_rest
    storages: [db, files]
%s""" % params, 1)
        p.project.write_config(config)
        out = p.project.ds("run", "native", "by_rest")
        self.assertEqual(out.stdout.count("status succeeded"), 2, out.stdout + out.stderr)
        native = harness_rows(p.project, "eq")
        rest = harness_rows(p.project, "eq_rest")
        self.assertGreater(len(native), 1000)
        # Row for row and value for value, as stored (not only as compared after parsing).
        self.assertEqual(sorted(map(repr, (sorted(r.items()) for r in rest))),
                         sorted(map(repr, (sorted(r.items()) for r in native))))
        con = sqlite3.connect(p.project.path("data", "warehouse.db"))
        try:
            types = lambda t: [(r[1], r[2]) for r in con.execute("PRAGMA table_info(%s)" % t)]
            self.assertEqual(types("eq_rest"), types("eq"))
        finally:
            con.close()
        self.assertEqual(normalize(dbs.csv_rows(p.project.path("data", "csv"), "eq_rest"), EQ_TYPES),
                         normalize(dbs.csv_rows(p.project.path("data", "csv"), "eq"), EQ_TYPES))
        expected = expected_eq(sim, ["AAPL,GE", "KO,MSFT,IBM"],
                               month_windows(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), 6))
        self.assertEqual(p.sqlite("eq_rest", EQ_TYPES), expected)

    def test_cursors_expiring_mid_run_restart_the_rest_sources_pages_and_store_no_row_twice(self):
        sim = self.start_sim("--ndl-tickers", "40")
        p = NdlProject(self, sim, "")
        config = eq_rest_config(p, sim, 50)
        config += """plans:
  by_rest:
    dataset: eq_rest
    storages: [db, files]
    mode: append
    concurrency: 1
    params:
      ticker: ["AAPL,MSFT"]
      window: %s
""" % windows_param("2024-01-01", "2024-06-30", months=6)
        p.project.write_config(config)
        sim.ndl_admin("usage/reset", {}, "POST")
        sim.gate(3)  # pages 1-3 pass; page 4 waits with its cursor
        proc = self.spawn(p.project, "run", "by_rest", "--json")
        sim.wait_gate(1, passed=3)
        # Every cursor the vendor handed out expires while page 4 is held: its cursor is refused (QESx06).
        self.assertGreaterEqual(sim.ndl_admin("cursors/expire", {}, "POST")["expired"], 1)
        sim.gate(None)
        stdout, stderr = proc.communicate(timeout=300)
        self.assertEqual(proc.returncode, 0, stderr)
        report = json.loads(stdout)[0]["report"]
        self.assertEqual(report["status"], "succeeded", stdout)
        self.assertEqual(report["tasks"].get("failed", 0), 0, report)
        # Mode append keeps a row stored twice twice: the tables hold exactly the vendor's rows, each once.
        expected = expected_eq(sim, ["AAPL,MSFT"], [(datetime.date(2024, 1, 1), datetime.date(2024, 6, 30))])
        pages = (len(expected) + 49) // 50
        self.assertGreater(pages, 4, "the answer must have pages after the refused one")
        self.assertEqual(p.sqlite("eq_rest", EQ_TYPES), expected)
        self.assertEqual(normalize(dbs.csv_rows(p.project.path("data", "csv"), "eq_rest"), EQ_TYPES), expected)
        usage = p.usage()
        self.assertEqual(usage["errors"].get("QESx06"), 1, usage)
        # The restart asked again for the three pages stored before the refused one, then for the rest.
        self.assertEqual(usage["accepted"], 3 + 1 + pages, usage)
        self.assertIn("RESTART_PAGING", stderr + p.project.log())


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
