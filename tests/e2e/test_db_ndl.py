"""Nasdaq Data Link into every storage (issue 15): the fundamentals table (wide decimals with twelve digits
after the point, nulls, dates, timestamps, booleans) and the equities table are imported from the vendor's
metadata endpoints and synced into SQLite, CSV, JSON Lines, JSON, Parquet, xlsx, PostgreSQL, MariaDB and
ClickHouse at once; every storage then holds exactly what the simulator served, row for row and type for type,
read back by readers that share no code with datasync (tests/e2e/dbs.py). Then kill -9 at random moments of a
cursor-paged backfill, and the resumed run's data is exact, with no row twice.

The servers come from scripts/test.sh's set-up (label db); each class works in a namespace named after its pid."""

import datetime
import decimal
import os
import random
import subprocess
import sys
import time
import unittest

import dbs
import harness
from harness import E2ETestCase, wait_until

DB_KINDS = ["postgres", "mysql", "clickhouse"]
STORAGES = {"lite": "sqlite", "csv": "csv", "jsonl": "jsonl", "json": "json", "pq": "parquet", "xl": "xlsx",
            "pg": "postgres", "my": "mysql", "ch": "clickhouse"}
FUND_TYPES = {"ticker": "str", "dimension": "str", "calendardate": "date", "reportperiod": "date",
              "lastupdated": "timestamp", "revenue": "decimal", "eps": "float", "shareswa": "int",
              "is_restated": "bool"}
EQ_TYPES = {"ticker": "str", "date": "date", "open": "decimal", "high": "decimal", "low": "decimal",
            "close": "decimal", "volume": "int", "adj_close": "float"}
TICKERS = ["AAPL", "GE", "IBM", "KO", "MSFT"]


def typed(value, kind):
    if value is None:
        return None
    if kind == "decimal":
        return decimal.Decimal(str(value)).normalize()
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(decimal.Decimal(str(value)))
    if kind == "bool":
        return str(value).lower() in ("true", "t", "1", "1.0")
    if kind == "date":
        s = str(value)
        return s[:10] if "-" in s else "%s-%s-%s" % (s[:4], s[4:6], s[6:8])
    if kind == "timestamp":
        s = str(value)
        if s.isdigit():  # microseconds since the epoch (the Parquet oracle)
            t = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=int(s))
            return t.strftime("%Y-%m-%d %H:%M:%S")
        s = s.replace("T", " ").replace("Z", "")
        for zone in ("+00:00", "+00"):
            if s.endswith(zone):
                s = s[:-len(zone)]
        return s[:19]
    return str(value)


def normalize(rows, types):
    return sorted((tuple(typed(r.get(f), k) for f, k in types.items()) for r in rows), key=repr)


def config(sim_url, storages, body, source_extra=""):
    return """version: 1
sources:
  ndl:
    provider: nasdaq_data_link
    endpoint: %s
    api_key: ${E2E_NDL_KEY}
%sstorages:
%s%s""" % (sim_url, source_extra, storages, body)


class NdlEveryStorageTest(E2ETestCase):
    def setUp(self):
        self.ns = "ndl_%d" % os.getpid()
        self.servers = {k: dbs.Server(k) for k in DB_KINDS}
        for server in self.servers.values():
            server.drop_namespace(self.ns)
            self.addCleanup(server.drop_namespace, self.ns)

    def storage_yaml(self):
        out = ""
        for name, kind in STORAGES.items():
            if kind == "sqlite":
                out += "  lite: {kind: sqlite, path: data/warehouse.db}\n"
            elif kind in DB_KINDS:
                out += "  %s: %s\n" % (name, self.servers[kind].storage_yaml(self.ns))
            else:
                out += "  %s: {kind: %s, path: data/%s}\n" % (name, kind, name)
        return out

    def stored(self, project, name, dataset):
        kind = STORAGES[name]
        if kind == "sqlite":
            return dbs.sqlite_rows(project.path("data", "warehouse.db"), dataset)
        if kind in DB_KINDS:
            return self.servers[kind].rows(self.ns, dataset, exact=True)
        root = project.path("data", name)
        return {"csv": dbs.csv_rows, "jsonl": dbs.jsonl_rows, "json": dbs.json_rows, "parquet": dbs.parquet_rows,
                "xlsx": dbs.xlsx_rows}[kind](root, dataset)

    def test_fundamentals_and_prices_land_exactly_in_every_storage(self):
        sim = self.start_sim("--ndl-tickers", "40")
        full = config(sim.url, self.storage_yaml(), """plans:
  fund:
    dataset: fund
    storages: [%s]
    params:
      ticker: ["%s"]
  eq:
    dataset: eq
    storages: [%s]
    params:
      ticker: ["%s"]
      date.gte: "2024-10-01"
      date.lte: "2024-12-31"
""" % (", ".join(STORAGES), ",".join(TICKERS), ", ".join(STORAGES), ",".join(TICKERS)),
            source_extra="    per_page: 400\n")
        # The plans name datasets that exist once imported: the source is applied first, the plans written after.
        project = self.new_project(sim, config(sim.url, self.storage_yaml(), "", source_extra="    per_page: 400\n"))
        project.env["E2E_NDL_KEY"] = harness.NDL_KEY
        project.ds("apply")
        project.ds("dataset", "import", "--source", "ndl", "--api", "datatables/QSIM/FUND", "--name", "fund")
        project.ds("dataset", "import", "--source", "ndl", "--api", "datatables/QSIM/EQ", "--name", "eq")
        project.write_config(full)
        out = project.ds("run", "fund", "eq")
        self.assertEqual(out.stdout.count("status succeeded"), 2, out.stdout + out.stderr)

        fund, fund_types = sim.ndl_table("QSIM/FUND", [("ticker", ",".join(TICKERS))])
        self.assertEqual(fund_types["revenue"], "BigDecimal(34,12)")
        eq, _ = sim.ndl_table("QSIM/EQ", [("ticker", ",".join(TICKERS)), ("date.gte", "2024-10-01"),
                                          ("date.lte", "2024-12-31")])
        # The data is worth the test: nulls, twelve-decimal revenues beyond a double's digits, restatements.
        self.assertTrue(any(r["revenue"] is None for r in fund))
        self.assertTrue(any(len(str(r["revenue"]).split(".")[-1].rstrip("0")) > 6 for r in fund if r["revenue"]))
        self.assertTrue(any(r["is_restated"] for r in fund))
        want_fund, want_eq = normalize(fund, FUND_TYPES), normalize(eq, EQ_TYPES)
        for name, kind in STORAGES.items():
            types = dict(FUND_TYPES)
            if kind == "xlsx":
                types.pop("lastupdated")  # the oracle reads Excel date-times as days
            with self.subTest(storage=name):
                got = normalize(self.stored(project, name, "fund"), types)
                self.assertEqual(len(got), len(want_fund))
                self.assertEqual(got, normalize(fund, types))
                self.assertEqual(normalize(self.stored(project, name, "eq"), EQ_TYPES), want_eq)
        self.assertEqual(len(want_fund), len(normalize(fund, FUND_TYPES)))
        # Decimals are decimals in the databases, with the vendor's precision and scale.
        self.assertEqual(self.servers["postgres"].column_types(self.ns, "fund")["revenue"], "numeric(34,12)")
        self.assertEqual(self.servers["mysql"].column_types(self.ns, "fund")["revenue"], "decimal(34,12)")
        self.assertEqual(self.servers["clickhouse"].column_types(self.ns, "fund")["revenue"],
                         "Nullable(Decimal(34, 12))")
        self.assertEqual(self.servers["postgres"].column_types(self.ns, "fund")["calendardate"], "date")


class NdlRandomKillTest(E2ETestCase):
    """kill -9 anywhere in a cursor-paged backfill into SQLite, CSV and PostgreSQL (append: the strictest)."""

    LIVES = 5
    SEED = 1715

    def test_kill_9_at_random_moments_then_resume_gives_exact_data(self):
        ns = "ndl_kills_%d" % os.getpid()
        pg = dbs.Server("postgres")
        pg.drop_namespace(ns)
        self.addCleanup(pg.drop_namespace, ns)
        sim = self.start_sim("--ndl-tickers", "40")
        windows = [("2023-%02d-01" % m, "2023-%02d-28" % m) for m in range(1, 13)]
        storages = "  lite: {kind: sqlite, path: data/warehouse.db}\n  csv: {kind: csv, path: data/csv}\n" \
                   "  pg: %s\n" % pg.storage_yaml(ns)
        full = config(sim.url, storages, """plans:
  eq:
    dataset: eq
    storages: [lite, csv, pg]
    mode: append
    concurrency: 1
    retry: {max_attempts: 8, initial_backoff_ms: 20, max_backoff_ms: 200}
    params:
      ticker: ["AAPL,MSFT,KO"]
      window: {zip: {date.gte: [%s], date.lte: [%s]}}
""" % (", ".join('"%s"' % a for a, _ in windows), ", ".join('"%s"' % b for _, b in windows)),
            source_extra="    per_page: 20\n")
        project = self.new_project(sim, config(sim.url, storages, "", source_extra="    per_page: 20\n"))
        project.env["E2E_NDL_KEY"] = harness.NDL_KEY
        project.ds("apply")
        project.ds("dataset", "import", "--source", "ndl", "--api", "datatables/QSIM/EQ", "--name", "eq")
        project.write_config(full)
        rng = random.Random(self.SEED)
        moments = []
        for life in range(self.LIVES):
            allow = rng.randint(2, 8)
            answered = rng.randint(1, allow)
            extra = round(rng.uniform(0, 0.15), 3)
            moments.append((allow, answered, extra))
            sim.gate(allow)
            proc = self.spawn(project, "run", "eq", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_until(lambda: sim.gate_state()["passed"] >= answered or proc.poll() is not None,
                       "life %d: %d answered call(s)" % (life, answered))
            time.sleep(extra)
            self.assertIsNone(proc.poll(), "life %d: the run ended before its kill (%r)" % (life, moments[-1]))
            proc.kill()
            proc.wait()
            sim.gate(None)
            sim.wait_gate(waiting=0)
        out = project.ds("run", "eq")
        self.assertIn("status succeeded", out.stdout)
        self.assertEqual(len(project.system_db("SELECT id FROM runs")), 1, "every life resumed the same run")
        self.assertEqual(project.system_db("SELECT key, count(*) FROM tasks GROUP BY key HAVING count(*) > 1"), [],
                         "a page became two tasks after kills at %r" % moments)
        expected = []
        for a, b in windows:
            rows, _ = sim.ndl_table("QSIM/EQ", [("ticker", "AAPL,MSFT,KO"), ("date.gte", a), ("date.lte", b)])
            expected += rows
        expected = normalize(expected, EQ_TYPES)
        self.assertGreater(len(expected), 20 * 12)
        for name, rows in [("lite", dbs.sqlite_rows(project.path("data", "warehouse.db"), "eq")),
                           ("csv", dbs.csv_rows(project.path("data", "csv"), "eq")),
                           ("pg", pg.rows(ns, "eq", exact=True))]:
            got = normalize(rows, EQ_TYPES)
            self.assertEqual(len(got), len(set(got)), "%s: duplicates after kills at %r" % (name, moments))
            self.assertEqual(got, expected, "%s: kills at %r (allowed, answered, extra s)" % (name, moments))


class NdlAckCrashTest(E2ETestCase):
    """A crash while the ledger records that a page is done: the page's successor (a new task) and the page's
    own ack must land together. Were they two transactions, the resumed run would redo the page and add its
    successor a second time: two tasks of one key, whose rows a part file holds twice when one commit group
    writes both."""

    def test_a_crash_at_the_ack_of_a_page_with_a_successor_leaves_one_task_per_page(self):
        sim = self.start_sim("--ndl-tickers", "40")
        storages = "  lite: {kind: sqlite, path: data/warehouse.db}\n  csv: {kind: csv, path: data/csv}\n"
        windows = [("2023-%02d-01" % m, "2023-%02d-28" % m) for m in range(1, 4)]
        plan = """plans:
  eq:
    dataset: eq
    storages: [lite, csv]
    mode: append
    concurrency: 1
    params:
      ticker: ["AAPL,MSFT,KO"]
      window: {zip: {date.gte: [%s], date.lte: [%s]}}
""" % (", ".join('"%s"' % a for a, _ in windows), ", ".join('"%s"' % b for _, b in windows))
        expected = []
        for a, b in windows:
            rows, _ = sim.ndl_table("QSIM/EQ", [("ticker", "AAPL,MSFT,KO"), ("date.gte", a), ("date.lte", b)])
            expected += rows
        expected = normalize(expected, EQ_TYPES)
        self.assertGreater(len(expected), 3 * 40, "every window has several pages")
        for point in ("ack", "ack@3"):
            with self.subTest(point=point):
                project = self.new_project(sim, config(sim.url, storages, "", source_extra="    per_page: 20\n"))
                project.env["E2E_NDL_KEY"] = harness.NDL_KEY
                project.ds("apply")
                project.ds("dataset", "import", "--source", "ndl", "--api", "datatables/QSIM/EQ", "--name", "eq")
                project.write_config(config(sim.url, storages, plan, source_extra="    per_page: 20\n"))
                project.env["DATASYNC_CRASH_AT"] = point
                crashed = project.ds("run", "eq", check=False)
                del project.env["DATASYNC_CRASH_AT"]
                self.assertEqual(crashed.returncode, -9, crashed.stdout + crashed.stderr)
                self.assertIn("status succeeded", project.ds("run", "eq").stdout)
                twice = project.system_db("SELECT key, count(*) FROM tasks GROUP BY run_id, key HAVING count(*) > 1")
                self.assertEqual(twice, [], "%s: tasks of one key" % point)
                for name, rows in [("lite", dbs.sqlite_rows(project.path("data", "warehouse.db"), "eq")),
                                   ("csv", dbs.csv_rows(project.path("data", "csv"), "eq"))]:
                    self.assertEqual(normalize(rows, EQ_TYPES), expected, "%s after a crash at %s" % (name, point))


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
