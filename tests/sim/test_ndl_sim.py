#!/usr/bin/env python3
"""End-to-end tests of the Nasdaq Data Link side of datasync-vendor-sim (tools/vendor-sim/ndl/).

Run: /usr/bin/python3 tests/sim/test_ndl_sim.py --sim build/tools/vendor-sim/datasync-vendor-sim
Each test class starts its own simulator(s) on a free port (the process helpers are test_vendor_sim.py's).
"""
import argparse
import datetime
import json
import os
import sys
import tempfile
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_vendor_sim as tv  # noqa: E402  (the Sim process wrapper and wait_until)

KEY = "ndl-demo-key"
EQ_COLUMNS = [("ticker", "String"), ("date", "Date"), ("open", "BigDecimal(34,12)"), ("high", "BigDecimal(34,12)"),
              ("low", "BigDecimal(34,12)"), ("close", "BigDecimal(34,12)"), ("volume", "Integer"),
              ("adj_close", "double")]
FUND_COLUMNS = [("ticker", "String"), ("dimension", "String"), ("calendardate", "Date"), ("reportperiod", "Date"),
                ("lastupdated", "DateTime"), ("revenue", "BigDecimal(34,12)"), ("eps", "double"),
                ("shareswa", "Integer"), ("is_restated", "Boolean")]
# A Monday 09:00 UTC; the daily windows reset at 00:00 UTC.
START = "2025-03-03T09:00:00Z"


class Ndl(tv.Sim):
    """A simulator with helpers for the NDL routes."""

    def __init__(self, *args, clock=("--clock", "manual", "--start-time", START)):
        super().__init__(*clock, *args)

    def get(self, path, params=None, key=KEY, header=False, headers=None):
        """GET /api/v3/<path>; returns (status, headers, parsed body or raw bytes)."""
        q = list((params or {}).items()) if isinstance(params, dict) else list(params or [])
        h = dict(headers or {})
        if key is not None:
            if header:
                h["X-Api-Token"] = key
            else:
                q.append(("api_key", key))
        target = "/api/v3/" + path + ("?" + urllib.parse.urlencode(q) if q else "")
        status, hdrs, data = self.raw("GET", target, headers=h)
        return status, hdrs, self._decode(data)

    def post(self, path, body, key=KEY, query=None):
        target = "/api/v3/" + path + ("?" + urllib.parse.urlencode(query) if query else "")
        h = {"Content-Type": "application/json"}
        if key is not None:
            h["X-Api-Token"] = key
        status, hdrs, data = self.raw("POST", target, json.dumps(body), headers=h)
        return status, hdrs, self._decode(data)

    @staticmethod
    def _decode(data):
        try:
            return json.loads(data)
        except ValueError:
            return data

    def table(self, table, params=None, **kw):
        status, _, doc = self.get("datatables/%s.json" % table, params, **kw)
        if status != 200:
            raise AssertionError("HTTP %s: %r" % (status, doc))
        return doc

    def all_rows(self, table, params, page_size=None):
        """Follows cursors to the end; returns (rows, columns, pages)."""
        params = list(params.items()) if isinstance(params, dict) else list(params)
        if page_size:
            params.append(("qopts.per_page", page_size))
        rows, pages, cursor, columns = [], 0, None, None
        while True:
            p = list(params)
            if cursor:
                p.append(("qopts.cursor_id", cursor))
            doc = self.table(table, p)
            rows += doc["datatable"]["data"]
            columns = doc["datatable"]["columns"]
            pages += 1
            cursor = doc["meta"]["next_cursor_id"]
            if cursor is None:
                return rows, columns, pages

    def ndl_admin(self, method, path, body=None):
        return self.admin(method, "/_sim/ndl/" + path, body)

    def configure(self, **changes):
        status, doc = self.ndl_admin("POST", "config", changes)
        assert status == 200, doc
        return doc

    def fail_next(self, code, count=1, match=None):
        body = {"code": code, "count": count}
        if match is not None:
            body["match"] = match
        status, doc = self.ndl_admin("POST", "fail", body)
        assert status == 200, doc
        return doc

    def usage(self):
        return self.ndl_admin("GET", "usage")[1]


def error_of(test, result, code, status):
    got_status, headers, doc = result
    test.assertEqual(got_status, status, doc)
    test.assertIsInstance(doc, dict, doc)
    test.assertEqual(list(doc.keys()), ["quandl_error"], doc)
    test.assertEqual(doc["quandl_error"]["code"], code, doc)
    test.assertTrue(doc["quandl_error"]["message"], doc)
    return headers, doc["quandl_error"]["message"]


def day(s):
    return datetime.date.fromisoformat(s)


class DataTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Ndl("--ndl-tickers", "30")
        cls.eq, cols, cls.eq_pages = cls.sim.all_rows("QSIM/EQ", {})
        cls.fund, fcols, _ = cls.sim.all_rows("QSIM/FUND", {})
        assert [(c["name"], c["type"]) for c in cols] == EQ_COLUMNS
        assert [(c["name"], c["type"]) for c in fcols] == FUND_COLUMNS

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_equities_shape(self):
        rows = self.eq
        self.assertGreater(len(rows), 30 * 1500)
        self.assertGreater(self.eq_pages, 4)  # 10,000 rows per page by default
        keys = [(r[0], r[1]) for r in rows]
        self.assertEqual(keys, sorted(keys), "rows come in primary-key order")
        self.assertEqual(len(set(keys)), len(keys), "no row twice")
        tickers = sorted({r[0] for r in rows})
        self.assertEqual(len(tickers), 30)
        for ticker in ("AAPL", "MSFT", "IBM"):
            self.assertIn(ticker, tickers)
        for t, d, o, h, lo, c, v, adj in rows:
            dd = day(d)
            self.assertLess(dd.weekday(), 5, d)
            self.assertTrue(datetime.date(2015, 1, 1) <= dd <= datetime.date(2024, 12, 31))
            self.assertTrue(lo <= min(o, c) <= max(o, c) <= h, (t, d))
            self.assertIsInstance(v, int)
            self.assertIsInstance(adj, float)
            for price in (o, h, lo, c):
                self.assertAlmostEqual(round(price, 4), price, places=9)
        # Listings and delistings: not every ticker has every day.
        spans = {}
        for t, d, *_ in rows:
            first, last, n = spans.get(t, (d, d, 0))
            spans[t] = (min(first, d), max(last, d), n + 1)
        self.assertTrue(any(first > "2015-01-02" for first, _, _ in spans.values()), "some tickers list later")
        self.assertTrue(any(n < 2600 for _, _, n in spans.values()))

    def test_fundamentals_shape(self):
        rows = self.fund
        keys = [(r[0], r[1], r[2]) for r in rows]
        self.assertEqual(keys, sorted(keys))
        self.assertEqual(len(set(keys)), len(keys))
        self.assertEqual({r[1] for r in rows}, {"ARQ", "ARY", "MRQ"})
        for name, col in (("revenue", 5), ("eps", 6), ("shareswa", 7)):
            self.assertTrue(any(r[col] is None for r in rows), "%s is sometimes null" % name)
            self.assertTrue(any(r[col] is not None for r in rows))
        self.assertEqual({r[8] for r in rows}, {True, False})
        for r in rows:
            datetime.datetime.strptime(r[4], "%Y-%m-%dT%H:%M:%SZ")
            day(r[3])
            if r[1] == "ARY":
                self.assertTrue(r[2].endswith("-12-31"), r)

    def test_revenue_decimals_are_exact(self):
        # The raw text of a revenue with twelve decimals carries more digits than a double holds.
        _, _, raw = self.sim.raw("GET", "/api/v3/datatables/QSIM/FUND.json?api_key=%s&qopts.columns=revenue" % KEY)
        texts = [t for t in raw.decode().split("[[", 1)[1].split("]]", 1)[0].replace("[", "").split("],")]
        long = [t for t in texts if t != "null" and len(t.split(".")[1]) > 6]
        self.assertTrue(long, "some revenues use many decimals")
        self.assertTrue(any(len(t.replace(".", "")) > 17 for t in long), long[:3])

    def test_time_series_matches_table(self):
        for ticker in ("AAPL", self.eq[-1][0]):
            rows = [r for r in self.eq if r[0] == ticker]
            status, _, doc = self.sim.get("datasets/QTS/%s/data.json" % ticker, {"order": "asc"})
            self.assertEqual(status, 200, doc)
            d = doc["dataset_data"]
            self.assertEqual(d["column_names"], ["Date", "Open", "High", "Low", "Close", "Volume"])
            self.assertEqual(d["frequency"], "daily")
            self.assertEqual(d["data"], [[r[1], r[2], r[3], r[4], r[5], r[6]] for r in rows])
            self.assertEqual((d["start_date"], d["end_date"]), (rows[0][1], rows[-1][1]))
            status, _, meta = self.sim.get("datasets/QTS/%s/metadata.json" % ticker)
            m = meta["dataset"]
            self.assertEqual((m["oldest_available_date"], m["newest_available_date"]), (rows[0][1], rows[-1][1]))
            self.assertEqual((m["dataset_code"], m["database_code"], m["frequency"]), (ticker, "QTS", "daily"))
            self.assertEqual(m["column_names"], d["column_names"])
            self.assertTrue(m["name"] and m["description"])

    def test_time_series_parameters(self):
        status, _, doc = self.sim.get("datasets/QTS/AAPL/data.json")
        desc = doc["dataset_data"]["data"]
        self.assertEqual([r[0] for r in desc], sorted((r[0] for r in desc), reverse=True), "desc by default")
        self.assertIsNone(doc["dataset_data"]["order"])
        _, _, doc = self.sim.get("datasets/QTS/AAPL/data.json",
                                 {"start_date": "2024-01-01", "end_date": "2024-01-31", "order": "asc",
                                  "column_index": "4", "limit": "5"})
        d = doc["dataset_data"]
        self.assertEqual(d["column_names"], ["Date", "Close"])
        self.assertEqual((d["limit"], d["column_index"], d["order"]), (5, 4, "asc"))
        expect = [[r[1], r[5]] for r in self.eq if r[0] == "AAPL" and "2024-01-01" <= r[1] <= "2024-01-31"][:5]
        self.assertEqual(d["data"], expect)
        self.assertEqual((d["start_date"], d["end_date"]), ("2024-01-01", "2024-01-31"))
        _, _, doc = self.sim.get("datasets/QTS/AAPL/data.json", {"collapse": "none", "transform": "none",
                                                                  "start_date": "2030-01-01"})
        self.assertEqual(doc["dataset_data"]["data"], [])
        for params, code in (({"collapse": "monthly"}, "QESx10"), ({"transform": "rdiff"}, "QESx10"),
                             ({"order": "up"}, "QESx02"), ({"limit": "0"}, "QESx02"),
                             ({"column_index": "6"}, "QESx02"), ({"start_date": "2024-13-01"}, "QESx02")):
            error_of(self, self.sim.get("datasets/QTS/AAPL/data.json", params), code,
                     422 if code == "QESx08" else 400)

    def test_filters(self):
        eq = self.eq
        tickers = sorted({r[0] for r in eq})
        a, b, c = tickers[3], tickers[10], tickers[20]
        cases = [
            ({"ticker": a}, lambda r: r[0] == a),
            ({"ticker": "%s,%s" % (a, c)}, lambda r: r[0] in (a, c)),
            ([("ticker[]", a), ("ticker[]", b)], lambda r: r[0] in (a, b)),
            ({"ticker.gt": a, "ticker.lte": b}, lambda r: a < r[0] <= b),
            ({"ticker.gte": c}, lambda r: r[0] >= c),
            ({"ticker.lt": b, "date": "2020-03-02"}, lambda r: r[0] < b and r[1] == "2020-03-02"),
            ({"date": "2020-03-02,2021-06-01"}, lambda r: r[1] in ("2020-03-02", "2021-06-01")),
            ({"date.gte": "2024-12-01", "date.lt": "2024-12-10"}, lambda r: "2024-12-01" <= r[1] < "2024-12-10"),
            ({"date.gt": "2024-12-27", "ticker": b}, lambda r: r[1] > "2024-12-27" and r[0] == b),
            ({"date.lte": "2015-01-05"}, lambda r: r[1] <= "2015-01-05"),
            ({"ticker": "NOSUCH"}, lambda r: False),
        ]
        for params, pred in cases:
            rows, _, _ = self.sim.all_rows("QSIM/EQ", params, page_size=997)
            self.assertEqual(rows, [r for r in eq if pred(r)], params)
        rows, _, _ = self.sim.all_rows("QSIM/FUND", {"dimension": "ARY", "calendardate.gte": "2023-01-01",
                                                     "ticker": "%s,%s" % (a, b)})
        self.assertEqual(rows, [r for r in self.fund if r[1] == "ARY" and r[2] >= "2023-01-01" and r[0] in (a, b)])
        self.assertTrue(rows)

    def test_columns(self):
        doc = self.sim.table("QSIM/EQ", {"ticker": "AAPL", "qopts.columns": "close,date", "date": "2024-12-31"})
        self.assertEqual(doc["datatable"]["columns"], [{"name": "close", "type": "BigDecimal(34,12)"},
                                                       {"name": "date", "type": "Date"}])
        full = [r for r in self.eq if r[0] == "AAPL" and r[1] == "2024-12-31"][0]
        self.assertEqual(doc["datatable"]["data"], [[full[5], full[1]]])
        doc = self.sim.table("QSIM/EQ", [("ticker", "AAPL"), ("date", "2024-12-31"), ("qopts.columns[]", "volume"),
                                         ("qopts.columns[]", "ticker")])
        self.assertEqual(doc["datatable"]["data"], [[full[6], "AAPL"]])
        error_of(self, self.sim.get("datatables/QSIM/EQ.json", {"qopts.columns": "ticker,nope"}), "QESx09", 400)

    def test_paging_is_exact(self):
        # Small pages over a filtered query give the same rows as one big page, each once.
        params = {"ticker.gte": "B", "date.gte": "2024-01-01"}
        expect = [r for r in self.eq if r[0] >= "B" and r[1] >= "2024-01-01"]
        for size in (1 if len(expect) < 50 else 97, 250, len(expect), len(expect) + 1):
            rows, _, pages = self.sim.all_rows("QSIM/EQ", params, page_size=size)
            self.assertEqual(rows, expect, size)
            self.assertEqual(pages, max(1, -(-len(expect) // size)), size)
        rows, _, pages = self.sim.all_rows("QSIM/FUND", {}, page_size=333)
        self.assertEqual(rows, self.fund)
        # A page that ends exactly at the last row has no cursor.
        doc = self.sim.table("QSIM/EQ", {"ticker": "AAPL", "date.gte": "2024-12-30"})
        self.assertEqual(len(doc["datatable"]["data"]), 2)
        self.assertIsNone(doc["meta"]["next_cursor_id"])
        doc = self.sim.table("QSIM/EQ", {"ticker": "AAPL", "date.gte": "2024-12-30", "qopts.per_page": "2"})
        self.assertIsNone(doc["meta"]["next_cursor_id"])

    def test_post_equals_get(self):
        a = self.eq[5000][0]
        get = self.sim.table("QSIM/EQ", [("ticker", a), ("ticker", "AAPL"), ("date.gte", "2019-01-01"),
                                         ("qopts.columns", "ticker,date,close,volume"), ("qopts.per_page", "300")])
        for body in ({"ticker": [a, "AAPL"], "date.gte": "2019-01-01", "qopts.columns": ["ticker", "date", "close",
                      "volume"], "qopts.per_page": 300},
                     {"ticker": "%s,AAPL" % a, "date": {"gte": "2019-01-01"},
                      "qopts": {"columns": "ticker,date,close,volume", "per_page": "300"}}):
            status, _, post = self.sim.post("datatables/QSIM/EQ.json", body)
            self.assertEqual(status, 200, post)
            self.assertEqual(post, get, "the same answer, cursor included")
            self.assertIsNotNone(post["meta"]["next_cursor_id"])
            # Both cursors continue the same query; a POST may page with a GET cursor and back.
            status, _, page2 = self.sim.post("datatables/QSIM/EQ.json",
                                             dict(body, **{"qopts.cursor_id": get["meta"]["next_cursor_id"]}))
            self.assertEqual(status, 200, page2)
            page2_get = self.sim.table("QSIM/EQ", [("ticker", a), ("ticker", "AAPL"), ("date.gte", "2019-01-01"),
                                                   ("qopts.columns", "ticker,date,close,volume"),
                                                   ("qopts.per_page", "300"),
                                                   ("qopts.cursor_id", post["meta"]["next_cursor_id"])])
            self.assertEqual(page2["datatable"], page2_get["datatable"])
        # The key may come as the header, the api_key parameter, or in the body.
        status, _, doc = self.sim.post("datatables/QSIM/EQ.json", {"ticker": "AAPL", "date": "2024-12-31",
                                                                   "api_key": KEY}, key=None)
        self.assertEqual(status, 200, doc)
        self.assertEqual(len(doc["datatable"]["data"]), 1)

    def test_metadata(self):
        status, _, doc = self.sim.get("datatables/QSIM/EQ/metadata.json", header=True)
        self.assertEqual(status, 200)
        t = doc["datatable"]
        self.assertEqual((t["vendor_code"], t["datatable_code"]), ("QSIM", "EQ"))
        self.assertEqual([(c["name"], c["type"]) for c in t["columns"]], EQ_COLUMNS)
        self.assertEqual(t["filters"], ["ticker", "date"])
        self.assertEqual(t["primary_key"], ["ticker", "date"])
        _, _, doc = self.sim.get("datatables/QSIM/FUND/metadata.json")
        t = doc["datatable"]
        self.assertEqual([(c["name"], c["type"]) for c in t["columns"]], FUND_COLUMNS)
        self.assertEqual(t["filters"], ["ticker", "dimension", "calendardate"])
        self.assertEqual(t["primary_key"], ["ticker", "dimension", "calendardate"])


class DeterminismTest(unittest.TestCase):
    def test_same_seed_same_bytes(self):
        paths = ["/api/v3/datatables/QSIM/EQ.json?api_key=%s&qopts.per_page=500&date.gte=2024-06-01" % KEY,
                 "/api/v3/datatables/QSIM/FUND.json?api_key=%s&qopts.per_page=500" % KEY,
                 "/api/v3/datasets/QTS/AAPL/data.json?api_key=%s" % KEY,
                 "/api/v3/datasets/QTS/AAPL/metadata.json?api_key=%s" % KEY]

        def bodies(*args):
            with Ndl("--ndl-tickers", "50", *args) as sim:
                return [sim.raw("GET", p)[2] for p in paths]

        a = bodies()
        self.assertEqual(a, bodies())
        other = bodies("--seed", "7")
        self.assertNotEqual(a[0], other[0])
        self.assertNotEqual(a[1], other[1])

    def test_universe_size_flag(self):
        with Ndl("--ndl-tickers", "1000") as sim:
            doc = sim.table("QSIM/EQ", {"date": "2024-12-31", "qopts.columns": "ticker"})
            n = len(doc["datatable"]["data"])
            self.assertTrue(800 < n <= 1000, n)
            self.assertIsNone(doc["meta"]["next_cursor_id"])


class CursorTest(unittest.TestCase):
    def test_expiry_on_the_sim_clock(self):
        with Ndl("--ndl-tickers", "20", "--ndl-cursor-ttl-secs", "600") as sim:
            params = {"ticker": "AAPL", "qopts.per_page": "100"}
            first = sim.table("QSIM/EQ", params)
            cursor = first["meta"]["next_cursor_id"]
            sim.advance(599)
            again = sim.table("QSIM/EQ", dict(params, **{"qopts.cursor_id": cursor}))
            self.assertEqual(sim.table("QSIM/EQ", dict(params, **{"qopts.cursor_id": cursor})), again,
                             "a cursor may be used again until it expires")
            sim.advance(1)
            error_of(self, sim.get("datatables/QSIM/EQ.json", dict(params, **{"qopts.cursor_id": cursor})),
                     "QESx06", 400)
            # The admin API expires every cursor at once.
            cursor = sim.table("QSIM/EQ", params)["meta"]["next_cursor_id"]
            self.assertEqual(sim.ndl_admin("GET", "cursors")[1]["live"], 2)  # `again` issued one too
            status, doc = sim.ndl_admin("POST", "cursors/expire")
            self.assertEqual((status, doc["expired"]), (200, 2))
            _, msg = error_of(self, sim.get("datatables/QSIM/EQ.json", dict(params, **{"qopts.cursor_id": cursor})),
                              "QESx06", 400)
            # Restarting from the first page works and gives the same rows.
            self.assertEqual(sim.table("QSIM/EQ", params)["datatable"], first["datatable"])
            # TTL at runtime.
            sim.configure(cursor_ttl_secs=5)
            cursor = sim.table("QSIM/EQ", params)["meta"]["next_cursor_id"]
            sim.advance(5)
            error_of(self, sim.get("datatables/QSIM/EQ.json", dict(params, **{"qopts.cursor_id": cursor})),
                     "QESx06", 400)

    def test_cursor_is_tied_to_its_query(self):
        with Ndl("--ndl-tickers", "20") as sim:
            cursor = sim.table("QSIM/EQ", {"ticker": "AAPL", "qopts.per_page": "10"})["meta"]["next_cursor_id"]
            for params in ({"ticker": "MSFT", "qopts.per_page": "10"}, {"ticker": "AAPL", "qopts.per_page": "11"},
                           {"ticker": "AAPL", "qopts.per_page": "10", "qopts.columns": "date"}):
                error_of(self, sim.get("datatables/QSIM/EQ.json", dict(params, **{"qopts.cursor_id": cursor})),
                         "QESx06", 400)
            error_of(self, sim.get("datatables/QSIM/FUND.json", {"qopts.cursor_id": cursor}), "QESx06", 400)
            error_of(self, sim.get("datatables/QSIM/EQ.json", {"qopts.cursor_id": "bogus"}), "QESx06", 400)
            # The same filters in another order (and as a POST) are the same query.
            status, _, doc = sim.post("datatables/QSIM/EQ.json",
                                      {"qopts.per_page": 10, "ticker": ["AAPL"], "qopts.cursor_id": cursor})
            self.assertEqual(status, 200, doc)


class ErrorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Ndl("--ndl-tickers", "20", "--ndl-keys", "k1,k2,sub", "--ndl-subscriber-keys", "sub",
                      "--ndl-no-permission", "QSIM/FUND")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_natural_errors(self):
        s = self.sim
        cases = [
            (lambda: s.get("datatables/QSIM/EQ.json", key="nope"), "QEAx01", 400),
            (lambda: s.get("datatables/QSIM/EQ.json", key="nope", header=True), "QEAx01", 400),
            (lambda: s.get("datatables/QSIM/NOPE.json", key="k1"), "QECx01", 404),
            (lambda: s.get("datatables/QSIM/NOPE/metadata.json", key="k1"), "QECx01", 404),
            (lambda: s.get("datasets/QTS/NOPE1/data.json", key="k1"), "QECx02", 404),
            (lambda: s.get("datasets/WIKI/AAPL/metadata.json", key="k1"), "QECx02", 404),
            (lambda: s.get("databases/QTS.json", key="k1"), "QECx03", 404),
            (lambda: s.get("datatables/QSIM/FUND.json", key="k1"), "QEPx02", 403),
            (lambda: s.get("datatables/QSIM/EQ.json", {"open": "1"}, key="k1"), "QESx08", 422),
            (lambda: s.get("datatables/QSIM/EQ.json", {"nope.gt": "1"}, key="k1"), "QESx08", 422),
            (lambda: s.get("datatables/QSIM/EQ.json", {"date.gte": "2024-1-1"}, key="k1"), "QESx02", 400),
            (lambda: s.get("datatables/QSIM/EQ.json", {"date.near": "2024-01-01"}, key="k1"), "QESx02", 400),
            (lambda: s.get("datatables/QSIM/EQ.json", {"ticker": ""}, key="k1"), "QESx02", 400),
            (lambda: s.get("datatables/QSIM/EQ.json", {"qopts.per_page": "0"}, key="k1"), "QESx02", 400),
            (lambda: s.get("datatables/QSIM/EQ.json", {"qopts.per_page": "10001"}, key="k1"), "QELx06", 422),
            (lambda: s.get("datatables/QSIM/EQ.json", {"qopts.export": "true"}, key="k1"), "QESx03", 400),
            (lambda: s.get("datatables/QSIM/EQ.json", {"qopts.columns": "x"}, key="k1"), "QESx09", 400),
            (lambda: s.get("datatables/QSIM/EQ.json", {"qopts.cursor_id": "x"}, key="k1"), "QESx06", 400),
            (lambda: s.get("datatables/QSIM/EQ.json", {"ticker": "A" * 7100}, key="k1"), "QELx07", 414),
            (lambda: s.post("datatables/QSIM/EQ.json", ["not", "an", "object"], key="k1"), "QESx02", 400),
        ]
        for call, code, status in cases:
            error_of(self, call(), code, status)
        _, msg = error_of(self, s.get("datatables/QSIM/EQ.json", {"volume.gt": "1"}, key="k1"), "QESx08", 422)
        self.assertIn("ticker, date", msg)
        # A long filter list is fine as a POST body.
        status, _, doc = s.post("datatables/QSIM/EQ.json", {"ticker": ["A" * 10] * 700}, key="k1")
        self.assertEqual((status, doc["datatable"]["data"]), (200, []))

    def test_every_code_can_be_forced(self):
        s = self.sim
        status, codes = s.ndl_admin("GET", "errors")
        self.assertEqual(status, 200)
        names = [c["code"] for c in codes]
        for required in ["QELx0%d" % i for i in range(1, 9)] + ["QEAx01", "QEAx07", "QESx06", "QESx08",
                                                                 "QEMx01", "QEXx01"]:
            self.assertIn(required, names)
        for c in codes:
            s.fail_next(c["code"])
            status, headers, doc = s.get("datatables/QSIM/EQ.json", {"ticker": "AAPL"}, key="k2")
            self.assertEqual(status, c["status"], c)
            self.assertEqual(doc, {"quandl_error": {"code": c["code"], "message": c["message"]}})
            self.assertNotIn("datatable", doc)
            if c["status"] in (429, 202):
                self.assertGreater(int(headers["Retry-After"]), 0, c)
            if c["code"] == "QEAx07":
                self.assertEqual(headers["Retry-After"], "30")
            if c["code"] in ("QELx01", "QELx02", "QELx03"):
                self.assertEqual(int(headers["Retry-After"]), 15 * 3600)  # 09:00 UTC → midnight
        # The forced errors were consumed: the next call is served.
        self.assertEqual(s.get("datatables/QSIM/EQ.json", {"ticker": "AAPL", "date": "2024-12-31"}, key="k2")[0],
                         200)
        usage = s.usage()["by_caller"]["k2"]
        self.assertEqual(sum(usage["injected"].values()), len(codes))
        self.assertEqual(usage["rejected_total"], 0)

    def test_forced_count_and_match(self):
        s = self.sim
        s.fail_next("QEXx01", count=2, match="/datasets/")
        self.assertEqual(s.get("datatables/QSIM/EQ/metadata.json", key="k2")[0], 200)
        error_of(self, s.get("datasets/QTS/AAPL/metadata.json", key="k2"), "QEXx01", 503)
        self.assertEqual(s.ndl_admin("GET", "fail")[1], {"code": "QEXx01", "remaining": 1, "match": "/datasets/"})
        error_of(self, s.get("datasets/QTS/AAPL/data.json", key="k2"), "QEXx01", 503)
        self.assertEqual(s.get("datasets/QTS/AAPL/metadata.json", key="k2")[0], 200)
        s.fail_next("QELx02", count=5)
        self.assertEqual(s.ndl_admin("POST", "fail", {"code": None})[0], 200)
        self.assertEqual(s.get("datasets/QTS/AAPL/metadata.json", key="k2")[0], 200)
        for body in ({"code": "QZZx01"}, {"count": 1}, {"code": "QELx02", "count": 0}, {"code": "QELx02", "x": 1}):
            self.assertEqual(s.ndl_admin("POST", "fail", body)[0], 400, body)

    def test_row_cap(self):
        with Ndl("--ndl-tickers", "20", "--ndl-max-rows", "100") as sim:
            _, msg = error_of(self, sim.get("datatables/QSIM/EQ.json", {"ticker": "AAPL", "date.gte": "2024-01-01"}),
                              "QELx06", 422)
            self.assertIn("more than 100 rows", msg)
            # Under the cap, and cursor pages (which the cap does not check again).
            rows, _, pages = sim.all_rows("QSIM/EQ", {"ticker": "AAPL", "date.gte": "2024-09-01"}, page_size=30)
            self.assertTrue(60 < len(rows) <= 100 and pages == -(-len(rows) // 30), len(rows))
            sim.configure(max_rows=0)
            doc = sim.table("QSIM/EQ", {"ticker": "AAPL"})
            self.assertGreater(len(doc["datatable"]["data"]), 2500)
            self.assertIsNone(doc["meta"]["next_cursor_id"])

    def test_server_faults(self):
        with Ndl("--ndl-tickers", "20") as sim:
            sim.configure(fail_5xx=1.0)
            seen = set()
            for _ in range(12):
                status, headers, doc = sim.get("datatables/QSIM/EQ/metadata.json")
                seen.add(status)
                if status != 502:
                    self.assertEqual(doc["quandl_error"]["code"], {500: "QEMx01", 503: "QEXx01"}[status])
            self.assertEqual(seen, {500, 502, 503})
            sim.configure(fail_5xx=0, slow=1.0, slow_ms=50)
            self.assertEqual(sim.get("datatables/QSIM/EQ/metadata.json")[0], 200)
            status, doc = sim.ndl_admin("POST", "config", {"per_10s": -1})
            self.assertEqual(status, 400)
            status, doc = sim.ndl_admin("POST", "config", {"nope": 1})
            self.assertIn("allowed:", doc["error"])


class LimitTest(unittest.TestCase):
    def test_ten_second_window(self):
        with Ndl("--ndl-tickers", "20", "--ndl-per-10s", "3", "--ndl-keys", "k1,k2") as sim:
            path = "datatables/QSIM/EQ/metadata.json"
            for _ in range(3):
                self.assertEqual(sim.get(path, key="k1")[0], 200)
            sim.advance(4)
            headers, msg = error_of(self, sim.get(path, key="k1"), "QELx04", 429)
            self.assertEqual(headers["Retry-After"], "6")
            self.assertIn("3 calls per 10 seconds", msg)
            self.assertEqual(sim.get(path, key="k2")[0], 200, "limits are per key")
            sim.advance(5.999)
            error_of(self, sim.get(path, key="k1"), "QELx04", 429)
            sim.advance(0.001)
            self.assertEqual(sim.get(path, key="k1")[0], 200)
            u = sim.usage()["by_caller"]["k1"]
            self.assertEqual((u["accepted"], u["rejected"]), (4, {"QELx04": 2}))
            self.assertEqual(u["max_accepted_in_any_10s"], 3)

    def test_ten_minute_window_and_subscriber_codes(self):
        with Ndl("--ndl-tickers", "20", "--ndl-per-10min", "5", "--ndl-keys", "k1,sub",
                 "--ndl-subscriber-keys", "sub") as sim:
            path = "datasets/QTS/AAPL/metadata.json"
            for key in ("k1", "sub"):  # k1 at 0, 30, … 120 s; sub at 150 … 270 s
                for i in range(5):
                    self.assertEqual(sim.get(path, key=key)[0], 200)
                    sim.advance(30)
            headers, msg = error_of(self, sim.get(path, key="k1"), "QELx04", 429)
            self.assertIn("5 calls per 10 minutes", msg)
            self.assertEqual(headers["Retry-After"], "300")  # k1's first call leaves the window at 600 s
            headers, _ = error_of(self, sim.get(path, key="sub"), "QELx05", 429)
            self.assertEqual(headers["Retry-After"], "450")
            sim.advance(299.999)
            error_of(self, sim.get(path, key="k1"), "QELx04", 429)
            sim.advance(0.001)
            self.assertEqual(sim.get(path, key="k1")[0], 200)
            u = sim.usage()
            self.assertEqual(u["by_caller"]["k1"]["max_accepted_in_any_600s"], 5)
            self.assertEqual(u["totals"]["rejected"], {"QELx04": 2, "QELx05": 1})

    def test_daily_window_resets_at_utc_midnight(self):
        with Ndl("--ndl-tickers", "20", "--ndl-per-day", "4", "--ndl-keys", "k1,sub",
                 "--ndl-subscriber-keys", "sub") as sim:
            path = "datatables/QSIM/EQ/metadata.json"
            for key in ("k1", "sub"):
                for _ in range(4):
                    self.assertEqual(sim.get(path, key=key)[0], 200)
            headers, msg = error_of(self, sim.get(path, key="k1"), "QELx02", 429)
            self.assertEqual(headers["Retry-After"], str(15 * 3600))
            self.assertIn("4 calls", msg)
            error_of(self, sim.get(path, key="sub"), "QELx03", 429)
            sim.set_clock("2025-03-03T23:59:59Z")
            error_of(self, sim.get(path, key="k1"), "QELx02", 429)
            sim.set_clock("2025-03-04T00:00:00Z")
            self.assertEqual(sim.get(path, key="k1")[0], 200)
            # The day window wins over the shorter ones (its wait is the longest).
            sim.configure(per_10s=1)
            for _ in range(3):
                sim.advance(10)
                self.assertEqual(sim.get(path, key="k1")[0], 200)
            _, _, doc = sim.get(path, key="k1")
            self.assertEqual(doc["quandl_error"]["code"], "QELx02")

    def test_file_clock(self):
        # The clock datasync shares in tests (DATASYNC_CLOCK_FILE): epoch microseconds in a file.
        with tempfile.TemporaryDirectory() as tmp:
            clock = os.path.join(tmp, "clock")
            t0 = int(datetime.datetime(2025, 3, 3, 23, 59, 0, tzinfo=datetime.timezone.utc).timestamp())

            def set_clock(secs):
                with open(clock + ".tmp", "w") as f:
                    f.write("%d\n" % (secs * 1000000))
                os.replace(clock + ".tmp", clock)

            set_clock(t0)
            with Ndl("--ndl-tickers", "20", "--ndl-per-10s", "1", "--ndl-per-day", "2",
                     clock=("--clock", "file:" + clock)) as nd:
                path = "datatables/QSIM/EQ/metadata.json"
                self.assertEqual(nd.get(path)[0], 200)
                headers, _ = error_of(self, nd.get(path), "QELx04", 429)
                self.assertEqual(headers["Retry-After"], "10")
                set_clock(t0 + 10)
                self.assertEqual(nd.get(path)[0], 200)
                set_clock(t0 + 20)
                headers, _ = error_of(self, nd.get(path), "QELx02", 429)
                self.assertEqual(headers["Retry-After"], "40")  # 23:59:20 → midnight UTC
                set_clock(t0 + 60)
                self.assertEqual(nd.get(path)[0], 200)

    def test_anonymous_limits(self):
        with Ndl("--ndl-tickers", "20") as sim:
            path = "datatables/QSIM/EQ/metadata.json"
            for i in range(20):
                self.assertEqual(sim.get(path, key=None)[0], 200, i)
            headers, msg = error_of(self, sim.get(path, key=None), "QELx04", 429)
            self.assertIn("anonymous", msg)
            self.assertEqual(sim.get(path)[0], 200, "a key has its own windows")
            accepted = 20
            while accepted < 50:
                sim.advance(601)
                for _ in range(min(20, 50 - accepted)):
                    self.assertEqual(sim.get(path, key=None)[0], 200)
                    accepted += 1
            sim.advance(601)
            _, msg = error_of(self, sim.get(path, key=None), "QELx01", 429)
            self.assertIn("50 calls per day", msg)
            u = sim.usage()["by_caller"]["(anonymous)"]
            self.assertEqual((u["accepted"], u["rejected"]), (50, {"QELx04": 1, "QELx01": 1}))

    def test_unlimited_and_runtime_changes(self):
        with Ndl("--ndl-tickers", "20", "--ndl-per-10s", "0", "--ndl-per-10min", "0", "--ndl-per-day", "0") as sim:
            for _ in range(40):
                self.assertEqual(sim.get("datatables/QSIM/EQ/metadata.json")[0], 200)
            cfg = sim.configure(per_10min=40, keys=["ndl-demo-key", "new-key"])
            self.assertEqual(cfg["key_limits"], {"per_10s": 0, "per_10min": 40, "per_day": 0})
            error_of(self, sim.get("datatables/QSIM/EQ/metadata.json"), "QELx04", 429)
            self.assertEqual(sim.get("datatables/QSIM/EQ/metadata.json", key="new-key")[0], 200)
            self.assertEqual(sim.ndl_admin("POST", "limits/reset")[0], 200)
            self.assertEqual(sim.get("datatables/QSIM/EQ/metadata.json")[0], 200)
            u = sim.usage()["by_caller"][KEY]
            self.assertEqual(u["window"]["10min"], 1)
            self.assertEqual(sim.ndl_admin("POST", "usage/reset")[0], 200)
            self.assertEqual(sim.usage()["by_caller"][KEY]["accepted"], 0)

    def test_errors_count_and_unknown_keys_do_not(self):
        with Ndl("--ndl-tickers", "20", "--ndl-per-10s", "2") as sim:
            error_of(self, sim.get("datatables/QSIM/EQ.json", {"open": "1"}), "QESx08", 422)
            error_of(self, sim.get("datatables/QSIM/NOPE.json"), "QECx01", 404)
            error_of(self, sim.get("datatables/QSIM/EQ.json", {"open": "1"}), "QELx04", 429)
            for _ in range(3):
                error_of(self, sim.get("datatables/QSIM/EQ.json", key="wrong"), "QEAx01", 400)
            u = sim.usage()
            self.assertEqual(u["by_caller"][KEY]["errors"], {"QESx08": 1, "QECx01": 1})
            self.assertEqual(u["by_caller"]["(unknown key)"]["rejected"], {"QEAx01": 3})
            self.assertNotIn("wrong", json.dumps(u))


class ConcurrencyTest(unittest.TestCase):
    def test_one_in_flight_one_queued(self):
        with Ndl("--ndl-tickers", "20", "--ndl-keys", "k1,k2") as sim:
            sim.set_gate(0)
            results = {}

            def call(name, key):
                results[name] = sim.get("datasets/QTS/AAPL/metadata.json", key=key)

            threads = {}
            for name, key in (("a", "k1"), ("b", "k1")):
                threads[name] = threading.Thread(target=call, args=(name, key), daemon=True)
                threads[name].start()
                if name == "a":
                    sim.wait_gate(waiting=1)
            tv.wait_until(lambda: sim.usage()["by_caller"]["k1"]["queued"] == 1, "b is queued")
            headers, msg = error_of(self, sim.get("datasets/QTS/AAPL/metadata.json", key="k1"), "QELx04", 429)
            self.assertEqual(headers["Retry-After"], "1")
            self.assertIn("concurrency", msg)
            # Another key is not affected: its call reaches the gate.
            threads["c"] = threading.Thread(target=call, args=("c", "k2"), daemon=True)
            threads["c"].start()
            sim.wait_gate(waiting=2)
            self.assertEqual(sim.gate()["waiting"], 2, "b waits for a's slot, not at the gate")
            self.assertEqual(sim.gate()["in_flight"], 3, "NDL calls count as in flight, held or queued")
            sim.set_gate(None)
            for t in threads.values():
                t.join(30)
            self.assertEqual({n: r[0] for n, r in results.items()}, {"a": 200, "b": 200, "c": 200})
            u = sim.usage()
            self.assertEqual(u["by_caller"]["k1"]["rejected"], {"QELx04": 1})
            self.assertEqual(u["by_caller"]["k1"]["accepted"], 2)
            self.assertEqual((u["by_caller"]["k1"]["in_flight"], u["by_caller"]["k1"]["queued"]), (0, 0))

    def test_tushare_side_unchanged(self):
        with Ndl("--ndl-tickers", "20") as sim:
            res = sim.call("trade_cal", {"start_date": "20240601", "end_date": "20240605"})
            self.assertEqual(res["code"], 0)
            self.assertEqual(sim.get("datatables/QSIM/EQ/metadata.json")[0], 200)
            self.assertEqual(sim.stats()["totals"]["accepted"], 1, "NDL calls are not in the Tushare stats")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", required=True, help="path to datasync-vendor-sim")
    args, rest = parser.parse_known_args()
    tv.SIM_PATH = os.path.abspath(args.sim)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
