#!/usr/bin/env python3
"""End-to-end tests of datasync-vendor-sim, the project's Tushare-protocol simulator.

Run: /usr/bin/python3 tests/sim/test_vendor_sim.py --sim build/tools/vendor-sim/datasync-vendor-sim
Each test class starts its own simulator(s) on a free port and stops them with SIGTERM (which must exit 0).
"""
import argparse
import datetime
import decimal
import gzip
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SIM_PATH = None

DOC = "，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。"
DAILY_FIELDS = ["ts_code", "trade_date", "open", "high", "low", "close", "pre_close", "change", "pct_chg", "vol",
                "amount"]
STOCK_BASIC_FIELDS = ["ts_code", "symbol", "name", "area", "industry", "fullname", "enname", "cnspell", "market",
                      "exchange", "curr_type", "list_status", "list_date", "delist_date", "is_hs", "act_name",
                      "act_ent_type"]
STOCK_BASIC_DEFAULT = ["ts_code", "symbol", "name", "area", "industry", "cnspell", "market", "list_date", "act_name",
                       "act_ent_type"]
DAILY_BASIC_FIELDS = ["ts_code", "trade_date", "close", "turnover_rate", "turnover_rate_f", "volume_ratio", "pe",
                      "pe_ttm", "pb", "ps", "ps_ttm", "dv_ratio", "dv_ttm", "total_share", "float_share",
                      "free_share", "total_mv", "circ_mv"]
# Shanghai evening of a trading day: that day's bars are published.
EVENING = "2024-06-03T18:00:00+08:00"


class Sim:
    """A running simulator process; use as a context manager or call stop()."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([SIM_PATH, "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self._first_line(timeout=30)
        prefix = "listening on http://127.0.0.1:"
        if not line.startswith(prefix):
            self.proc.kill()
            raise AssertionError("unexpected first line %r, stderr: %s" % (line, self.proc.stderr.read()))
        self.port = int(line[len(prefix):].strip())
        self.first_line = line

    def _first_line(self, timeout):
        result = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not result:
            self.proc.kill()
            raise AssertionError("the simulator printed nothing within %ss" % timeout)
        return result[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                code = self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("simulator still running 15 s after SIGTERM (killed)")
            if code != 0:
                raise AssertionError("simulator exited with %s after SIGTERM" % code)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- HTTP helpers -------------------------------------------------------------------------------------
    def raw(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body if isinstance(body, (bytes, type(None))) else body.encode("utf-8")
            conn.request(method, path, body=data, headers=headers or {})
            res = conn.getresponse()
            return res.status, dict(res.getheaders()), res.read()
        finally:
            conn.close()

    def call(self, api, params=None, fields=None, token="demo-token", path=None, extra=None, timeout=30):
        body = {"api_name": api, "token": token, "params": params or {}, "fields": fields if fields is not None else ""}
        if extra:
            body.update(extra)
        status, _, data = self.raw("POST", path or "/", json.dumps(body), timeout=timeout)
        if status != 200:
            raise AssertionError("HTTP %s: %r" % (status, data[:200]))
        return json.loads(data)

    def data(self, api, params=None, fields=None, **kw):
        res = self.call(api, params, fields, **kw)
        if res["code"] != 0:
            raise AssertionError("code %s: %s" % (res["code"], res["msg"]))
        return res["data"]

    def rows(self, api, params=None, fields=None, **kw):
        d = self.data(api, params, fields, **kw)
        return [dict(zip(d["fields"], item)) for item in d["items"]]

    def admin(self, method, path, body=None):
        status, _, data = self.raw(method, path, None if body is None else json.dumps(body))
        return status, json.loads(data)

    def set_clock(self, iso):
        status, clock = self.admin("POST", "/_sim/clock", {"set": iso})
        assert status == 200, clock
        return clock

    def advance(self, secs):
        status, clock = self.admin("POST", "/_sim/clock", {"advance_secs": secs})
        assert status == 200, clock
        return clock

    def stats(self):
        return self.admin("GET", "/_sim/stats")[1]

    def config(self):
        status, cfg = self.admin("GET", "/_sim/config")
        assert status == 200, cfg
        return cfg

    def gate(self):
        status, doc = self.admin("GET", "/_sim/gate")
        assert status == 200, doc
        return doc

    def set_gate(self, allow):
        status, doc = self.admin("POST", "/_sim/gate", {"allow": allow})
        assert status == 200, doc
        return doc

    def wait_gate(self, **expected):
        """Waits until GET /_sim/gate shows every key=value in `expected`; returns that document."""
        def matches():
            doc = self.gate()
            return doc if all(doc[k] == v for k, v in expected.items()) else None
        return wait_until(matches, "the gate shows %s" % expected, context=self.gate)


def wait_until(pred, what, timeout=30.0, context=None):
    """Polls pred() until it returns something truthy and returns that; on timeout raises an AssertionError
    that says what was awaited and, when given, what context() shows at that moment."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %ss waiting until %s%s"
                                 % (timeout, what, "; now: %r" % (context(),) if context else ""))
        time.sleep(0.01)


class BackgroundCall:
    """One data call on its own thread and connection (it may be held at the simulator's gate)."""

    def __init__(self, sim, api, params=None, fields=None, token="demo-token"):
        self.result = None
        self.error = None
        self.thread = threading.Thread(target=self._run, args=(sim, api, params, fields, token), daemon=True)
        self.thread.start()

    def _run(self, sim, api, params, fields, token):
        try:
            self.result = sim.call(api, params, fields, token=token, timeout=300)
        except Exception as e:  # handed to whoever calls get()
            self.error = e

    def done(self):
        return not self.thread.is_alive()

    def get(self, timeout=30):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError("the call did not answer within %ss" % timeout)
        if self.error is not None:
            raise self.error
        return self.result


def ymd(d):
    return d.strftime("%Y%m%d")


def parse_ymd(s):
    return datetime.datetime.strptime(s, "%Y%m%d").date()


def decimals_ok(value, places):
    return abs(round(value, places) - value) < 1e-9


class DatasetTest(unittest.TestCase):
    """Fields, types, orderings and values of every dataset, against one shared simulator."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim("--clock", "manual", "--start-time", EVENING)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    # --- trade_cal --------------------------------------------------------------------------------------
    def test_trade_cal_fields_types_and_descending_order(self):
        d = self.sim.data("trade_cal", {"start_date": "20240101", "end_date": "20241231"})
        self.assertEqual(d["fields"], ["exchange", "cal_date", "is_open", "pretrade_date"])
        self.assertEqual(d["count"], 366)
        self.assertEqual(len(d["items"]), 366)
        self.assertFalse(d["has_more"])
        dates = [r[1] for r in d["items"]]
        self.assertEqual(dates, sorted(dates, reverse=True))
        self.assertEqual(dates[0], "20241231")
        for exchange, cal_date, is_open, pretrade in d["items"]:
            self.assertEqual(exchange, "SSE")
            self.assertIs(type(is_open), int)
            self.assertIn(is_open, (0, 1))
            self.assertRegex(cal_date, r"^\d{8}$")
            self.assertRegex(pretrade, r"^\d{8}$")
            if parse_ymd(cal_date).weekday() >= 5:
                self.assertEqual(is_open, 0, cal_date)

    def test_trade_cal_holidays_and_pretrade_date(self):
        rows = self.sim.rows("trade_cal", {"start_date": "20231220", "end_date": "20241231"})
        is_open = {r["cal_date"]: r["is_open"] for r in rows}
        closed_weekdays = ["20240101", "20240209", "20240212", "20240213", "20240214", "20240215", "20240216",
                           "20240404", "20240405", "20240501", "20240502", "20240503", "20240610", "20240916",
                           "20240917", "20241001", "20241002", "20241003", "20241004", "20241007"]
        for day in closed_weekdays:
            self.assertEqual(is_open[day], 0, day)
        for day in ["20240102", "20240208", "20240219", "20240403", "20240506", "20240603", "20240611", "20241008"]:
            self.assertEqual(is_open[day], 1, day)
        # pretrade_date is the previous open day, for open and closed days alike.
        ordered = sorted(rows, key=lambda r: r["cal_date"])
        last_open = None
        for r in ordered:
            if last_open is not None:
                self.assertEqual(r["pretrade_date"], last_open, r["cal_date"])
            if r["is_open"]:
                last_open = r["cal_date"]
        pre = {r["cal_date"]: r["pretrade_date"] for r in rows}
        self.assertEqual(pre["20240219"], "20240208")
        self.assertEqual(pre["20241008"], "20240930")
        self.assertEqual(pre["20240102"], "20231229")

    def test_trade_cal_params(self):
        sse = self.sim.data("trade_cal", {"start_date": "20240101", "end_date": "20240131"})
        szse = self.sim.data("trade_cal", {"exchange": "SZSE", "start_date": "20240101", "end_date": "20240131"})
        self.assertEqual([r[1:] for r in sse["items"]], [r[1:] for r in szse["items"]])
        self.assertTrue(all(r[0] == "SZSE" for r in szse["items"]))
        self.assertEqual(self.sim.data("trade_cal", {"exchange": "", "start_date": "20240101",
                                                     "end_date": "20240131"})["items"], sse["items"])
        self.assertEqual(self.sim.data("trade_cal", {"exchange": "XYZ"})["count"], 0)
        open_only = self.sim.rows("trade_cal", {"start_date": "20240101", "end_date": "20240131", "is_open": "1"})
        self.assertEqual(len(open_only), 22)
        self.assertTrue(all(r["is_open"] == 1 for r in open_only))
        as_int = self.sim.rows("trade_cal", {"start_date": "20240101", "end_date": "20240131", "is_open": 0})
        self.assertEqual(len(as_int), 31 - 22)

    def test_trade_cal_whole_calendar_hits_row_cap(self):
        d = self.sim.data("trade_cal")
        self.assertEqual(d["count"], 6000)
        self.assertTrue(d["has_more"])
        self.assertEqual(d["items"][0][1], "20271231")

    # --- stock_basic ------------------------------------------------------------------------------------
    def test_stock_basic_default_fields(self):
        d = self.sim.data("stock_basic")
        self.assertEqual(d["fields"], STOCK_BASIC_DEFAULT)
        self.assertGreater(d["count"], 450)
        self.assertLessEqual(d["count"], 500)
        codes = [r[0] for r in d["items"]]
        self.assertEqual(codes, sorted(codes))
        self.assertEqual(len(set(codes)), len(codes))
        for anchor in ["000001.SZ", "000002.SZ", "600000.SH", "600519.SH", "300750.SZ", "688981.SH"]:
            self.assertIn(anchor, codes)

    def test_stock_basic_all_fields_and_types(self):
        listed = self.sim.rows("stock_basic", fields=",".join(STOCK_BASIC_FIELDS))
        delisted = self.sim.rows("stock_basic", {"list_status": "D"}, fields=STOCK_BASIC_FIELDS)
        self.assertEqual(list(listed[0].keys()), STOCK_BASIC_FIELDS)
        self.assertEqual(len(listed) + len(delisted), 500)
        self.assertGreater(len(delisted), 0)
        suffix = {"SSE": ".SH", "SZSE": ".SZ", "BSE": ".BJ"}
        exchanges = set()
        for r in listed + delisted:
            self.assertRegex(r["ts_code"], r"^\d{6}\.(SH|SZ|BJ)$")
            self.assertEqual(r["symbol"], r["ts_code"][:6])
            self.assertTrue(r["ts_code"].endswith(suffix[r["exchange"]]))
            exchanges.add(r["exchange"])
            self.assertTrue(any(ord(c) > 127 for c in r["name"]), r["name"])
            self.assertTrue(r["fullname"].endswith("股份有限公司"))
            self.assertEqual(r["curr_type"], "CNY")
            self.assertRegex(r["list_date"], r"^\d{8}$")
            self.assertTrue("19910101" <= r["list_date"] <= "20251231", r["list_date"])
            self.assertIn(r["is_hs"], ("N", "H", "S"))
            self.assertIn(r["market"], ("主板", "创业板", "科创板", "北交所"))
            if r["ts_code"][:3] in ("300", "301"):
                self.assertEqual(r["market"], "创业板")
            if r["ts_code"].startswith("688"):
                self.assertEqual(r["market"], "科创板")
        self.assertEqual(exchanges, {"SSE", "SZSE", "BSE"})
        self.assertTrue(all(r["list_status"] == "L" and r["delist_date"] is None for r in listed))
        for r in delisted:
            self.assertEqual(r["list_status"], "D")
            self.assertRegex(r["delist_date"], r"^\d{8}$")
            self.assertGreater(r["delist_date"], r["list_date"])
        self.assertTrue(any(r["act_name"] is None for r in listed))
        years = {r["list_date"][:4] for r in listed}
        self.assertIn("1991", years)
        self.assertIn("2025", years)
        # A character outside the BMP (exercises surrogate pairs in the spaced style).
        self.assertTrue(any(r["act_name"] and any(ord(c) > 0xFFFF for c in r["act_name"]) for r in listed))

    def test_stock_basic_filters_and_paging(self):
        full = self.sim.rows("stock_basic", fields="ts_code,exchange,market")
        pages = []
        offset = 0
        while True:
            d = self.sim.data("stock_basic", {"offset": offset, "limit": 100}, fields="ts_code,exchange,market")
            pages.extend(d["items"])
            offset += d["count"]
            if not d["has_more"]:
                break
            self.assertEqual(d["count"], 100)
        self.assertEqual([p[0] for p in pages], [r["ts_code"] for r in full])
        bse = self.sim.rows("stock_basic", {"exchange": "BSE"}, fields="ts_code,exchange")
        self.assertTrue(0 < len(bse) < 50)
        self.assertTrue(all(r["ts_code"].endswith(".BJ") for r in bse))
        chinext = self.sim.rows("stock_basic", {"market": "创业板"}, fields="ts_code,market")
        self.assertEqual(len(chinext), sum(1 for r in full if r["market"] == "创业板"))
        one = self.sim.rows("stock_basic", {"ts_code": "600000.SH"}, fields=STOCK_BASIC_FIELDS)
        self.assertEqual(len(one), 1)
        by_name = self.sim.rows("stock_basic", {"name": one[0]["name"]}, fields="ts_code")
        self.assertIn("600000.SH", [r["ts_code"] for r in by_name])

    # --- daily ------------------------------------------------------------------------------------------
    def check_daily_row(self, r):
        for f in ("open", "high", "low", "close", "pre_close", "change"):
            self.assertIsInstance(r[f], float, f)
            self.assertTrue(decimals_ok(r[f], 2), (f, r[f]))
        self.assertTrue(decimals_ok(r["pct_chg"], 4), r["pct_chg"])
        self.assertTrue(decimals_ok(r["vol"], 2), r["vol"])
        self.assertTrue(decimals_ok(r["amount"], 3), r["amount"])
        self.assertGreaterEqual(r["high"], max(r["open"], r["close"]))
        self.assertLessEqual(r["low"], min(r["open"], r["close"]))
        self.assertGreater(r["low"], 0)
        self.assertAlmostEqual(r["change"], r["close"] - r["pre_close"], places=6)
        self.assertLessEqual(abs(r["pct_chg"] - r["change"] / r["pre_close"] * 100), 0.00005 + 1e-9)
        self.assertGreater(r["vol"], 0)
        # amount (千元) = vol (手) × 100 × a price between low and high / 1000
        self.assertTrue(r["vol"] * r["low"] / 10 * 0.999 <= r["amount"] <= r["vol"] * r["high"] / 10 * 1.001, r)

    def test_daily_one_stock_ten_years(self):
        d = self.sim.data("daily", {"ts_code": "600000.SH", "start_date": "20140101", "end_date": "20231231"})
        self.assertEqual(d["fields"], DAILY_FIELDS)
        self.assertFalse(d["has_more"])
        rows = [dict(zip(d["fields"], i)) for i in d["items"]]
        self.assertGreater(len(rows), 2300)
        dates = [r["trade_date"] for r in rows]
        self.assertEqual(dates, sorted(dates, reverse=True))
        open_days = {r["cal_date"] for r in self.sim.rows("trade_cal", {"start_date": "20140101",
                                                                        "end_date": "20231231", "is_open": 1})}
        self.assertTrue(set(dates) <= open_days)
        missing = len(open_days) - len(dates)  # suspension days
        self.assertLess(missing, len(open_days) * 0.02)
        for newer, older in zip(rows, rows[1:]):
            self.assertEqual(newer["pre_close"], older["close"], newer["trade_date"])
        for r in rows:
            self.check_daily_row(r)
            self.assertLess(abs(r["pct_chg"]), 11)

    def test_daily_suspensions_exist(self):
        codes = [r["ts_code"] for r in self.sim.rows("stock_basic", {"exchange": "SSE"}, fields="ts_code")[:8]]
        open_count = len(self.sim.rows("trade_cal", {"start_date": "20200101", "end_date": "20231231",
                                                     "is_open": 1}))
        missing = 0
        for code in codes:
            info = self.sim.rows("stock_basic", {"ts_code": code}, fields="list_date")[0]
            if info["list_date"] > "20200101":
                continue
            rows = self.sim.rows("daily", {"ts_code": code, "start_date": "20200101", "end_date": "20231231"},
                                 fields="trade_date")
            missing += open_count - len(rows)
        self.assertGreater(missing, 0)

    def test_daily_by_trade_date_across_all_stocks(self):
        d = self.sim.data("daily", {"trade_date": "20240603"})
        rows = [dict(zip(d["fields"], i)) for i in d["items"]]
        codes = [r["ts_code"] for r in rows]
        self.assertEqual(codes, sorted(codes))
        self.assertTrue(all(r["trade_date"] == "20240603" for r in rows))
        listed = [r for r in self.sim.rows("stock_basic", fields="ts_code,list_date") if r["list_date"] <= "20240603"]
        self.assertLessEqual(len(rows), len(listed))
        self.assertGreater(len(rows), len(listed) * 0.97)
        self.assertTrue(set(codes) <= {r["ts_code"] for r in listed})
        for r in rows:
            self.check_daily_row(r)
        # The same rows one stock at a time.
        one = self.sim.rows("daily", {"ts_code": codes[5], "trade_date": "20240603"})
        self.assertEqual(one, [rows[5]])
        # Non-trading day: nothing.
        self.assertEqual(self.sim.data("daily", {"trade_date": "20240608"})["count"], 0)

    def test_daily_order_trade_date_desc_then_ts_code(self):
        rows = self.sim.rows("daily", {"ts_code": "600000.SH,000001.SZ,000002.SZ", "start_date": "20240520",
                                       "end_date": "20240531"}, fields="ts_code,trade_date")
        keys = [(r["trade_date"], r["ts_code"]) for r in rows]
        self.assertEqual(keys, sorted(keys, key=lambda k: (-int(k[0]), k[1])))
        self.assertGreater(len(rows), 25)

    def test_daily_listing_and_delisting_bounds(self):
        delisted = self.sim.rows("stock_basic", {"list_status": "D"}, fields="ts_code,list_date,delist_date")
        target = next(r for r in delisted if r["delist_date"] > "20110101")
        rows = self.sim.rows("daily", {"ts_code": target["ts_code"]}, fields="trade_date")
        self.assertTrue(rows)
        self.assertLess(rows[0]["trade_date"], target["delist_date"])
        young = [r for r in self.sim.rows("stock_basic", fields="ts_code,list_date") if r["list_date"] > "20150101"]
        first = self.sim.rows("daily", {"ts_code": young[0]["ts_code"]}, fields="trade_date,pre_close,close")
        self.assertEqual(first[-1]["trade_date"], young[0]["list_date"])

    def test_daily_without_dates_is_latest_published_day(self):
        d = self.sim.data("daily", fields="trade_date")
        self.assertGreater(d["count"], 400)
        self.assertEqual({r[0] for r in d["items"]}, {"20240603"})

    def test_row_cap_and_has_more(self):
        d = self.sim.data("daily", {"start_date": "20240101", "end_date": "20240603"}, fields="ts_code,trade_date")
        self.assertEqual(d["count"], 6000)
        self.assertEqual(len(d["items"]), 6000)
        self.assertTrue(d["has_more"])
        self.assertEqual(d["items"][0][1], "20240603")
        exact = self.sim.data("daily", {"trade_date": "20240603"}, fields="ts_code")
        self.assertFalse(exact["has_more"])

    # --- field selection --------------------------------------------------------------------------------
    def test_field_selection_and_order(self):
        d = self.sim.data("daily", {"ts_code": "000001.SZ", "trade_date": "20240603"}, fields="close, ts_code")
        self.assertEqual(d["fields"], ["close", "ts_code"])
        full = self.sim.rows("daily", {"ts_code": "000001.SZ", "trade_date": "20240603"})[0]
        self.assertEqual(d["items"], [[full["close"], "000001.SZ"]])
        as_list = self.sim.data("daily", {"ts_code": "000001.SZ", "trade_date": "20240603"},
                                fields=["trade_date", "vol"])
        self.assertEqual(as_list["fields"], ["trade_date", "vol"])
        self.assertEqual(as_list["items"], [["20240603", full["vol"]]])

    def test_unknown_field_is_2001(self):
        res = self.sim.call("trade_cal", fields="exchange,exchange_id")
        self.assertEqual(res["code"], -2001)
        self.assertEqual(res["msg"], "接口trade_cal不包含字段exchange_id")
        self.assertIsNone(res["data"])
        res = self.sim.call("daily", {"trade_date": "20240603"}, fields=["ts_code", "foo"])
        self.assertEqual((res["code"], res["msg"]), (-2001, "接口daily不包含字段foo"))

    # --- adj_factor and daily_basic --------------------------------------------------------------------
    def test_adj_factor(self):
        d = self.sim.data("adj_factor", {"ts_code": "600519.SH", "start_date": "20140101", "end_date": "20240603"})
        self.assertEqual(d["fields"], ["ts_code", "trade_date", "adj_factor"])
        rows = [dict(zip(d["fields"], i)) for i in d["items"]]
        self.assertGreater(len(rows), 2300)
        values = [r["adj_factor"] for r in reversed(rows)]
        self.assertTrue(all(decimals_ok(v, 3) and v >= 1.0 for v in values))
        self.assertEqual(values, sorted(values))  # only ever steps up
        steps = sum(1 for a, b in zip(values, values[1:]) if a != b)
        self.assertTrue(1 <= steps <= 25, steps)
        daily = self.sim.rows("daily", {"ts_code": "600519.SH", "start_date": "20140101", "end_date": "20240603"},
                              fields="trade_date")
        self.assertEqual([r["trade_date"] for r in rows], [r["trade_date"] for r in daily])
        whole_day = self.sim.data("adj_factor", {"trade_date": "20240603"})
        self.assertGreater(whole_day["count"], 400)

    def test_daily_basic(self):
        d = self.sim.data("daily_basic", {"trade_date": "20240603"})
        self.assertEqual(d["fields"], DAILY_BASIC_FIELDS)
        rows = [dict(zip(d["fields"], i)) for i in d["items"]]
        daily = {r["ts_code"]: r for r in self.sim.rows("daily", {"trade_date": "20240603"})}
        self.assertEqual(set(daily), {r["ts_code"] for r in rows})
        for r in rows:
            self.assertEqual(r["close"], daily[r["ts_code"]]["close"])
            for f in DAILY_BASIC_FIELDS[2:]:
                v = r[f]
                if f in ("pe", "pe_ttm", "dv_ratio", "dv_ttm"):
                    self.assertTrue(v is None or isinstance(v, float), (f, v))
                else:
                    self.assertIsInstance(v, float, f)
                if v is not None:
                    self.assertTrue(decimals_ok(v, 4), (f, v))
            self.assertAlmostEqual(r["total_mv"], r["close"] * r["total_share"], delta=0.0002 + 1e-9 * r["total_mv"])
            self.assertAlmostEqual(r["circ_mv"], r["close"] * r["float_share"], delta=0.0002 + 1e-9 * r["circ_mv"])
            self.assertLessEqual(r["float_share"], r["total_share"])
            self.assertLessEqual(r["free_share"], r["float_share"])
            self.assertLess(r["turnover_rate"], 100)
            self.assertGreaterEqual(r["turnover_rate_f"], r["turnover_rate"])
        self.assertTrue(any(r["pe"] is None for r in rows))
        self.assertTrue(any(r["pe"] is not None for r in rows))
        self.assertTrue(any(r["dv_ratio"] is None for r in rows))
        self.assertTrue(any(r["dv_ratio"] is not None for r in rows))

    # --- protocol ---------------------------------------------------------------------------------------
    def test_dataapi_path_overrides_body_api_name(self):
        res = self.sim.call("stock_basic", {"start_date": "20240101", "end_date": "20240105"},
                            path="/dataapi/trade_cal")
        self.assertEqual(res["code"], 0)
        self.assertEqual(res["data"]["fields"], ["exchange", "cal_date", "is_open", "pretrade_date"])
        self.assertEqual(res["data"]["count"], 5)
        self.assertRegex(res["request_id"], r"^[0-9a-f]{32}$")
        self.assertEqual(res["msg"], "")
        self.assertEqual(list(res.keys()), ["request_id", "code", "msg", "data"])
        self.assertEqual(list(res["data"].keys()), ["fields", "items", "has_more", "count"])

    def test_unknown_params_are_ignored(self):
        plain = self.sim.data("daily", {"trade_date": "20240603", "ts_code": "600000.SH"})
        extra = self.sim.data("daily", {"trade_date": "20240603", "ts_code": "600000.SH", "adj": "qfq", "foo": 1})
        self.assertEqual(plain, extra)
        self.assertEqual(plain["count"], 1)

    def test_numeric_param_values_are_accepted(self):
        as_text = self.sim.data("trade_cal", {"start_date": "20240101", "end_date": "20240110"})
        as_number = self.sim.data("trade_cal", {"start_date": 20240101, "end_date": 20240110})
        self.assertEqual(as_text, as_number)

    def test_business_errors_verbatim(self):
        cases = [
            (dict(api="daily", token="wrong"), 40101, "您的token不对，请确认。"),
            (dict(api="daily", token=""), 40101, "您的token不对，请确认。"),
            (dict(api="fund_daily"), 40203, "抱歉，您没有接口(fund_daily)访问权限" + DOC),
            (dict(api="no_such_api"), -1, "请指定正确的接口名"),
            (dict(api="daily", params={"trade_date": "2024-13-45"}), -2001,
             "参数trade_date的值无效：2024-13-45，应为YYYYMMDD格式的日期"),
            (dict(api="daily", params={"start_date": "20240230"}), -2001,
             "参数start_date的值无效：20240230，应为YYYYMMDD格式的日期"),
            (dict(api="trade_cal", params={"is_open": "2"}), -2001, "参数is_open的值无效：2，应为0或1"),
            (dict(api="stock_basic", params={"offset": -1}), -2001, "参数offset的值无效：-1，应为非负整数"),
            (dict(api="daily", params={"ts_code": ["600000.SH"]}), -2001,
             "参数ts_code的值无效：[\"600000.SH\"]，应为字符串"),
        ]
        for kw, code, msg in cases:
            res = self.sim.call(kw["api"], kw.get("params"), token=kw.get("token", "demo-token"))
            self.assertEqual((res["code"], res["msg"], res["data"]), (code, msg, None), kw)

    def test_missing_token_and_malformed_bodies(self):
        status, _, body = self.sim.raw("POST", "/", json.dumps({"api_name": "daily", "params": {}}))
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["code"], 40101)
        for bad in ['{"api_name": "daily", "token": "demo-token"', "[1,2]", "not json", ""]:
            status, _, body = self.sim.raw("POST", "/", bad)
            res = json.loads(body)
            self.assertEqual((status, res["code"], res["msg"], res["data"]), (200, -2001, "请求体不是合法的JSON对象", None))
        res = self.sim.call("daily", extra={"params": "trade_date=20240603"})
        self.assertEqual(res["code"], -2001)
        self.assertIn("params", res["msg"])
        status, _, body = self.sim.raw("GET", "/")
        self.assertEqual(status, 405)
        self.assertEqual(json.loads(body)["msg"], "抱歉, 不合法的请求，(HTTP 405: Method Not Allowed)！")


class DeterminismTest(unittest.TestCase):
    REQUESTS = [
        ("stock_basic", {}, ",".join(STOCK_BASIC_FIELDS)),
        ("daily", {"trade_date": "20240603"}, ""),
        ("daily", {"ts_code": "000002.SZ", "start_date": "20150101", "end_date": "20151231"}, ""),
        ("daily_basic", {"trade_date": "20240531"}, ""),
        ("adj_factor", {"ts_code": "600000.SH"}, ""),
        ("trade_cal", {"start_date": "20100101", "end_date": "20101231"}, ""),
    ]

    def collect(self, *args):
        with Sim("--clock", "manual", "--start-time", EVENING, *args) as sim:
            return [sim.data(api, params, fields) for api, params, fields in self.REQUESTS]

    def test_same_seed_same_data_across_restarts(self):
        first = self.collect("--seed", "42")
        second = self.collect("--seed", "42")
        self.assertEqual(first, second)
        self.assertGreater(first[1]["count"], 400)

    def test_other_seed_other_data(self):
        a = self.collect("--seed", "1", "--stocks", "80")
        b = self.collect("--seed", "2", "--stocks", "80")
        self.assertNotEqual(a[0], b[0])
        self.assertEqual(a[5], b[5])  # the calendar does not depend on the seed


class PublicationTest(unittest.TestCase):
    def test_bars_appear_at_1600_shanghai(self):
        with Sim("--clock", "manual", "--start-time", "2024-06-03T15:59:59+08:00", "--stocks", "30") as sim:
            self.assertEqual(sim.data("daily", {"trade_date": "20240603"})["count"], 0)
            self.assertEqual(sim.data("daily", fields="trade_date")["items"][0][0], "20240531")
            sim.advance(1)
            self.assertGreater(sim.data("daily", {"trade_date": "20240603"})["count"], 20)
            # The calendar is published ahead.
            self.assertEqual(sim.data("trade_cal", {"start_date": "20271231", "end_date": "20271231"})["count"], 1)
        with Sim("--clock", "manual", "--start-time", "2024-06-03T09:00:00+08:00", "--stocks", "30",
                 "--serve-future") as sim:
            self.assertGreater(sim.data("daily", {"trade_date": "20270104"})["count"], 20)


class RateLimitTest(unittest.TestCase):
    def test_sliding_minute_old_style(self):
        with Sim("--clock", "manual", "--per-minute", "3", "--stocks", "20") as sim:
            def call():
                return sim.call("trade_cal", {"start_date": "20240101", "end_date": "20240102"})
            old_msg = "抱歉，您每分钟最多访问该接口3次" + DOC
            self.assertEqual(call()["code"], 0)          # t=0
            sim.advance(20)
            self.assertEqual(call()["code"], 0)          # t=20
            sim.advance(20)
            self.assertEqual(call()["code"], 0)          # t=40
            sim.advance(10)
            res = call()                                  # t=50: three in the window
            self.assertEqual((res["code"], res["msg"], res["data"]), (40203, old_msg, None))
            sim.advance(9.999)
            self.assertEqual(call()["code"], 40203)      # t=59.999: the t=0 call still counts
            sim.advance(0.001)
            self.assertEqual(call()["code"], 0)          # t=60: it left the window
            self.assertEqual(call()["code"], 40203)      # the t=20 call is still inside
            sim.advance(20)
            self.assertEqual(call()["code"], 0)          # t=80: rejected calls never counted
            # Another api and another token have their own windows.
            self.assertEqual(sim.call("stock_basic", {"limit": 1})["code"], 0)
            st = sim.stats()
            pair = st["by_token"]["demo-token"]["trade_cal"]
            self.assertEqual(pair["accepted"], 5)
            self.assertEqual(pair["rejected_rate"]["minute"], 3)
            self.assertEqual(pair["rejected_quota"], 0)
            self.assertEqual(pair["max_accepted_in_any_60s"], 3)
            self.assertEqual(pair["window"]["minute"], 3)
            self.assertEqual(st["totals"]["accepted"], 6)
            self.assertEqual(st["totals"]["rejected_rate"]["total"], 3)

    def test_paced_client_is_never_rejected(self):
        with Sim("--clock", "manual", "--per-minute", "10", "--stocks", "20") as sim:
            for i in range(45):
                self.assertEqual(sim.call("trade_cal", {"start_date": "20240101", "end_date": "20240101"})["code"],
                                 0, i)
                sim.advance(6)  # exactly 10 calls per rolling 60 s
            pair = sim.stats()["by_token"]["demo-token"]["trade_cal"]
            self.assertEqual(pair["max_accepted_in_any_60s"], 10)
            self.assertEqual(pair["rejected_rate"]["total"], 0)

    def test_new_style_and_api_limit_override(self):
        with Sim("--clock", "manual", "--rate-limit-style", "new", "--api-limit", "daily:minute=2",
                 "--api-limit", "adj_factor:minute=1,day=5", "--tokens", "a,b", "--stocks", "20") as sim:
            for token in ("a", "b"):
                self.assertEqual(sim.call("daily", {"trade_date": "20240531"}, token=token)["code"], 0)
                self.assertEqual(sim.call("daily", {"trade_date": "20240531"}, token=token)["code"], 0)
                res = sim.call("daily", {"trade_date": "20240531"}, token=token)
                self.assertEqual((res["code"], res["msg"]),
                                 (40203, "抱歉，您访问接口(daily)频率超限(2次/分钟)" + DOC))
            for _ in range(5):
                self.assertEqual(sim.call("trade_cal", token="a")["code"], 0)  # not limited
            res = sim.call("adj_factor", {"trade_date": "20240531"}, token="a")
            self.assertEqual(res["code"], 0)
            res = sim.call("adj_factor", {"trade_date": "20240531"}, token="a")
            self.assertEqual(res["msg"], "抱歉，您访问接口(adj_factor)频率超限(1次/分钟)" + DOC)
            status, cfg = sim.admin("GET", "/_sim/config")
            self.assertEqual(cfg["api_limits"], {"adj_factor": {"minute": 1, "day": 5}, "daily": {"minute": 2}})
            self.assertEqual(cfg["rate_limit_style"], "new")
            # Switch the style at runtime.
            status, _ = sim.admin("POST", "/_sim/config", {"rate_limit_style": "old"})
            self.assertEqual(status, 200)
            res = sim.call("daily", {"trade_date": "20240531"}, token="a")
            self.assertEqual(res["msg"], "抱歉，您每分钟最多访问该接口2次" + DOC)

    def test_hourly_limit_resets_at_the_top_of_the_hour(self):
        with Sim("--clock", "manual", "--start-time", "2024-06-03T09:58:00+08:00", "--per-hour", "2",
                 "--stocks", "20") as sim:
            self.assertEqual(sim.call("trade_cal")["code"], 0)
            self.assertEqual(sim.call("trade_cal")["code"], 0)
            res = sim.call("trade_cal")
            self.assertEqual((res["code"], res["msg"]), (40203, "抱歉，您每小时最多访问该接口2次" + DOC))
            sim.set_clock("2024-06-03T09:59:59+08:00")
            self.assertEqual(sim.call("trade_cal")["code"], 40203)
            sim.set_clock("2024-06-03T10:00:00+08:00")
            self.assertEqual(sim.call("trade_cal")["code"], 0)
            pair = sim.stats()["by_token"]["demo-token"]["trade_cal"]
            self.assertEqual(pair["rejected_rate"]["hour"], 2)

    def test_daily_quota_resets_at_shanghai_midnight(self):
        with Sim("--clock", "manual", "--start-time", "2024-06-04T07:59:00+08:00", "--per-day", "2",
                 "--stocks", "20") as sim:
            day_msg = "抱歉，您每天最多访问该接口2次" + DOC
            self.assertEqual(sim.call("daily", {"trade_date": "20240603"})["code"], 0)
            self.assertEqual(sim.call("daily", {"trade_date": "20240603"})["code"], 0)
            res = sim.call("daily", {"trade_date": "20240603"})
            self.assertEqual((res["code"], res["msg"], res["data"]), (40203, day_msg, None))
            sim.set_clock("2024-06-04T08:00:01+08:00")  # UTC midnight is not the vendor's day
            self.assertEqual(sim.call("daily", {"trade_date": "20240603"})["code"], 40203)
            sim.set_clock("2024-06-04T23:59:59+08:00")
            self.assertEqual(sim.call("daily", {"trade_date": "20240603"})["msg"], day_msg)
            sim.set_clock("2024-06-05T00:00:00+08:00")
            self.assertEqual(sim.call("daily", {"trade_date": "20240603"})["code"], 0)
            pair = sim.stats()["by_token"]["demo-token"]["daily"]
            self.assertEqual((pair["accepted"], pair["rejected_quota"]), (3, 3))
            self.assertEqual(pair["window"]["day"], 1)

    def test_runtime_limits_and_config_validation(self):
        with Sim("--clock", "manual", "--stocks", "20") as sim:
            status, cfg = sim.admin("POST", "/_sim/config", {"per_minute": 1})
            self.assertEqual((status, cfg["per_minute"]), (200, 1))
            self.assertEqual(sim.call("trade_cal")["code"], 0)
            self.assertEqual(sim.call("trade_cal")["code"], 40203)
            status, _ = sim.admin("POST", "/_sim/limits/reset")
            self.assertEqual(status, 200)
            self.assertEqual(sim.call("trade_cal")["code"], 0)
            status, err = sim.admin("POST", "/_sim/config", {"per_minite": 5})
            self.assertEqual(status, 400)
            self.assertIn("unknown key 'per_minite'", err["error"])
            self.assertIn("per_minute", err["error"])
            status, err = sim.admin("POST", "/_sim/config", {"per_minute": 5, "fail_5xx": 2})
            self.assertEqual(status, 400)
            self.assertEqual(sim.admin("GET", "/_sim/config")[1]["per_minute"], 1)  # all-or-nothing
            status, cfg = sim.admin("POST", "/_sim/config", {"tokens": ["x", "y"], "no_permission": []})
            self.assertEqual((cfg["tokens"], cfg["no_permission"]), (["x", "y"], []))
            self.assertEqual(sim.call("trade_cal")["code"], 40101)
            self.assertEqual(sim.call("fund_daily", token="x")["code"], 0)
            status, _ = sim.admin("POST", "/_sim/stats/reset")
            totals = sim.stats()["totals"]
            self.assertEqual((totals["accepted"], totals["auth_failed"], totals["rejected_rate"]["total"]), (0, 0, 0))


class ClockAdminTest(unittest.TestCase):
    def test_manual_clock(self):
        with Sim("--clock", "manual", "--start-time", "2024-06-03T09:00:00+08:00", "--stocks", "10") as sim:
            self.assertEqual(sim.admin("GET", "/_sim/health"), (200, {"ok": True}))
            status, clock = sim.admin("GET", "/_sim/clock")
            self.assertEqual(clock["now"], "2024-06-03T09:00:00+08:00")
            self.assertEqual(clock["epoch_ms"], 1717376400000)
            self.assertEqual(sim.advance(60)["now"], "2024-06-03T09:01:00+08:00")
            self.assertEqual(sim.set_clock("2024-06-03T16:00:01Z")["now"], "2024-06-04T00:00:01+08:00")
            for bad in ({"set": "tomorrow"}, {"advance_secs": -1}, {"advance_secs": 1, "set": "x"}, {}):
                self.assertEqual(sim.admin("POST", "/_sim/clock", bad)[0], 400, bad)

    def test_real_clock_cannot_be_driven(self):
        with Sim("--stocks", "10") as sim:
            status, clock = sim.admin("GET", "/_sim/clock")
            self.assertEqual(clock["mode"], "real")
            self.assertLess(abs(clock["epoch_ms"] / 1000 - time.time()), 60)
            self.assertEqual(sim.admin("POST", "/_sim/clock", {"advance_secs": 5})[0], 409)

    def test_port_file_and_flags(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "port")
            with Sim("--port-file", path, "--stocks", "10") as sim:
                with open(path) as f:
                    self.assertEqual(int(f.read()), sim.port)
        bad = subprocess.run([SIM_PATH, "--api-limit", "daily:minit=3"], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("allowed: minute, hour, day", bad.stderr)


class JsonStyleTest(unittest.TestCase):
    REQUESTS = [
        ("stock_basic", {}, ",".join(STOCK_BASIC_FIELDS)),
        ("daily", {"trade_date": "20240603"}, ""),
        ("daily_basic", {"trade_date": "20240603"}, ""),
        ("fund_daily", {}, ""),
        ("trade_cal", {}, "exchange_id"),
    ]

    def test_spaced_style_decodes_to_the_same_data(self):
        with Sim("--clock", "manual", "--start-time", EVENING, "--json-style", "spaced") as spaced, \
                Sim("--clock", "manual", "--start-time", EVENING) as compact:
            for api, params, fields in self.REQUESTS:
                body = {"api_name": api, "token": "demo-token", "params": params, "fields": fields}
                _, headers_s, raw_s = spaced.raw("POST", "/", json.dumps(body))
                _, _, raw_c = compact.raw("POST", "/", json.dumps(body))
                self.assertTrue(all(b < 0x80 for b in raw_s), api)
                self.assertIn(b'"code": ', raw_s)
                self.assertIn(b'"code":', raw_c)
                self.assertNotIn(b'"code": ', raw_c)
                s, c = json.loads(raw_s), json.loads(raw_c)
                self.assertEqual((s["code"], s["msg"], s["data"]), (c["code"], c["msg"], c["data"]), api)
                # Byte-for-byte what Python's json.dumps produces for the same document.
                self.assertEqual(raw_s.decode("ascii"), json.dumps(s), api)
                self.assertEqual(raw_c.decode("utf-8"), json.dumps(c, ensure_ascii=False, separators=(",", ":")), api)
            _, _, raw = spaced.raw("POST", "/", json.dumps({"api_name": "stock_basic", "token": "demo-token",
                                                            "fields": "ts_code,act_name"}))
            self.assertRegex(raw.decode("ascii"), r"\\ud8[0-9a-f]{2}\\ud[c-f][0-9a-f]{2}")
            # Switch styles at runtime.
            status, _ = compact.admin("POST", "/_sim/config", {"json_style": "spaced"})
            self.assertEqual(status, 200)
            _, _, raw = compact.raw("POST", "/", json.dumps({"api_name": "daily", "token": "bad"}))
            self.assertEqual(raw.decode("ascii"), json.dumps(json.loads(raw)))
            self.assertIn("\\u60a8\\u7684token", raw.decode("ascii"))


class FaultTest(unittest.TestCase):
    def test_gateway_5xx(self):
        with Sim("--fail-5xx", "1", "--stocks", "10") as sim:
            statuses = set()
            for _ in range(12):
                status, headers, body = sim.raw("POST", "/", json.dumps({"api_name": "trade_cal",
                                                                         "token": "demo-token"}))
                statuses.add(status)
                self.assertTrue(headers["Content-Type"].startswith("text/html"))
                self.assertIn(b"<html>", body)
                self.assertIn(str(status).encode(), body)
            self.assertTrue(statuses <= {502, 503, 504})
            self.assertGreater(len(statuses), 1)
            pair = sim.stats()["by_token"]["demo-token"]["trade_cal"]
            self.assertEqual((pair["accepted"], pair["errors_injected"]["5xx"]), (12, 12))
            sim.admin("POST", "/_sim/config", {"fail_5xx": 0})
            self.assertEqual(sim.call("trade_cal")["code"], 0)

    def test_fault_sequence_is_deterministic(self):
        def run():
            with Sim("--fail-5xx", "0.5", "--fault-seed", "11", "--stocks", "10") as sim:
                return [sim.raw("POST", "/", json.dumps({"api_name": "trade_cal", "token": "demo-token"}))[0]
                        for _ in range(30)]
        first, second = run(), run()
        self.assertEqual(first, second)
        self.assertIn(200, first)
        self.assertTrue(any(s >= 500 for s in first))

    def read_raw_response(self, port, api="daily"):
        body = json.dumps({"api_name": api, "token": "demo-token", "params": {"trade_date": "20240603"}})
        request = ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\n\r\n%s" % (len(body.encode()), body)).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(request)
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        raw = b"".join(chunks)
        head, _, payload = raw.partition(b"\r\n\r\n")
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.decode().partition(":")
            headers[k.strip().lower()] = v.strip()
        return head.split(b"\r\n")[0], headers, payload

    def test_truncate_close_connection(self):
        with Sim("--truncate", "1", "--clock", "manual", "--start-time", EVENING, "--stocks", "50") as sim:
            status_line, headers, payload = self.read_raw_response(sim.port)
            self.assertIn(b"200", status_line)
            self.assertGreater(int(headers["content-length"]), len(payload))
            self.assertGreater(len(payload), 100)
            self.assertTrue(payload.startswith(b'{"request_id":'))
            with self.assertRaises(ValueError):
                json.loads(payload)
            with self.assertRaises(http.client.IncompleteRead):
                sim.call("daily", {"trade_date": "20240603"})
            self.assertEqual(sim.stats()["totals"]["errors_injected"]["truncate"], 2)

    def test_truncate_short_body(self):
        with Sim("--truncate", "1", "--truncate-mode", "short", "--clock", "manual", "--start-time", EVENING,
                 "--stocks", "50") as sim:
            status, headers, body = sim.raw("POST", "/", json.dumps({"api_name": "daily", "token": "demo-token",
                                                                     "params": {"trade_date": "20240603"}}))
            self.assertEqual(status, 200)
            self.assertEqual(int(headers["Content-Length"]), len(body))
            self.assertGreater(len(body), 100)
            with self.assertRaises(ValueError):
                json.loads(body)

    def test_internal_error(self):
        with Sim("--internal-error", "1", "--stocks", "10") as sim:
            res = sim.call("trade_cal")
            self.assertEqual((res["code"], res["msg"], res["data"]), (-1000, "系统内部错误", None))
            self.assertEqual(sim.stats()["totals"]["errors_injected"]["internal"], 1)
            self.assertEqual(sim.stats()["totals"]["accepted"], 1)

    def test_slow(self):
        with Sim("--slow", "1", "--slow-ms", "300", "--stocks", "10") as sim:
            start = time.monotonic()
            self.assertEqual(sim.call("trade_cal", {"start_date": "20240101", "end_date": "20240101"})["code"], 0)
            self.assertGreaterEqual(time.monotonic() - start, 0.29)
            self.assertEqual(sim.stats()["totals"]["slow"], 1)

    def test_gzip_only_when_enabled(self):
        body = json.dumps({"api_name": "trade_cal", "token": "demo-token"})
        with Sim("--gzip", "--stocks", "10") as sim:
            status, headers, raw = sim.raw("POST", "/", body, {"Accept-Encoding": "gzip"})
            self.assertEqual(headers.get("Content-Encoding"), "gzip")
            self.assertEqual(json.loads(gzip.decompress(raw))["data"]["count"], 6000)
        with Sim("--stocks", "10") as sim:
            status, headers, raw = sim.raw("POST", "/", body, {"Accept-Encoding": "gzip"})
            self.assertNotIn("Content-Encoding", headers)
            self.assertEqual(json.loads(raw)["data"]["count"], 6000)


class GateTest(unittest.TestCase):
    """POST /_sim/gate holds accepted calls until the test lets them through."""
    # One-day trade_cal calls, each with its own answer, so a test can tell which call got which body.
    DAYS = ["20240102", "20240103", "20240104", "20240105", "20240108"]

    def params(self, i):
        return {"start_date": self.DAYS[i], "end_date": self.DAYS[i]}

    def expected(self, sim):
        expected = [sim.data("trade_cal", self.params(i)) for i in range(len(self.DAYS))]
        for i, d in enumerate(expected):
            self.assertEqual([row[1] for row in d["items"]], [self.DAYS[i]])
        return expected

    def test_holds_calls_beyond_the_budget_and_releases_them(self):
        with Sim("--stocks", "20") as sim:
            expected = self.expected(sim)
            # Open since start: every accepted call went through.
            self.assertEqual(sim.gate(), {"open": True, "allow": None, "passed": 5, "waiting": 0, "in_flight": 0})
            self.assertEqual(sim.set_gate(2),
                             {"open": False, "allow": 2, "passed": 0, "waiting": 0, "in_flight": 0})
            calls = [BackgroundCall(sim, "trade_cal", self.params(i)) for i in range(5)]
            sim.wait_gate(passed=2, waiting=3)
            wait_until(lambda: sum(c.done() for c in calls) == 2, "the two calls within the budget answer",
                       context=sim.gate)
            # A handler returns before its answer is sent: the three held calls are all that is in flight.
            self.assertEqual(sim.gate(), {"open": False, "allow": 0, "passed": 2, "waiting": 3, "in_flight": 3})
            for i, c in enumerate(calls):
                if c.done():
                    self.assertEqual(c.get()["data"], expected[i])
            # Held calls take worker threads, not the whole server: admin, refused calls and docs answer.
            self.assertEqual(sim.admin("GET", "/_sim/health"), (200, {"ok": True}))
            self.assertEqual(sim.call("trade_cal", token="wrong")["code"], 40101)
            self.assertEqual(sim.raw("GET", "/document/2?doc_id=27")[0], 200)

            answer = sim.set_gate(1)  # a new budget: one more call, and passed restarts
            self.assertEqual((answer["open"], answer["allow"], answer["passed"], answer["waiting"]), (False, 0, 1, 2))
            wait_until(lambda: sum(c.done() for c in calls) == 3, "one more call answers after allow 1",
                       context=sim.gate)
            sim.wait_gate(in_flight=2)
            self.assertEqual(sum(c.done() for c in calls), 3)
            self.assertEqual(sim.gate(), {"open": False, "allow": 0, "passed": 1, "waiting": 2, "in_flight": 2})

            answer = sim.set_gate(None)
            self.assertEqual((answer["open"], answer["allow"], answer["passed"], answer["waiting"]), (True, None, 3, 0))
            for i, c in enumerate(calls):
                self.assertEqual(c.get()["data"], expected[i], i)
            sim.wait_gate(in_flight=0)
            self.assertEqual(sim.call("trade_cal", self.params(0))["data"], expected[0])  # nothing blocks any more
            self.assertEqual(sim.gate(), {"open": True, "allow": None, "passed": 4, "waiting": 0, "in_flight": 0})
            # The gate adds nothing to the usage statistics: each call counted once, as without it.
            totals = sim.stats()["totals"]
            self.assertEqual((totals["accepted"], totals["auth_failed"], totals["slow"]), (11, 1, 0))

    def test_releases_the_oldest_waiting_call_first(self):
        with Sim("--stocks", "20") as sim:
            expected = self.expected(sim)
            sim.set_gate(0)
            calls = []
            for i in range(3):  # one at a time, so the arrival order is known
                calls.append(BackgroundCall(sim, "trade_cal", self.params(i)))
                sim.wait_gate(waiting=i + 1)
            sim.set_gate(1)
            self.assertEqual(calls[0].get()["data"], expected[0])
            self.assertEqual(sim.gate()["waiting"], 2)
            self.assertFalse(calls[1].done() or calls[2].done())
            sim.set_gate(1)
            self.assertEqual(calls[1].get()["data"], expected[1])
            self.assertEqual(sim.gate()["waiting"], 1)
            self.assertFalse(calls[2].done())
            # A budget larger than the queue: the waiting call goes, the rest is for calls that come later.
            self.assertEqual(sim.set_gate(3)["passed"], 1)
            self.assertEqual(calls[2].get()["data"], expected[2])
            self.assertEqual(sim.call("trade_cal", self.params(3))["data"], expected[3])
            self.assertEqual(sim.call("trade_cal", self.params(4))["data"], expected[4])
            self.assertEqual((sim.gate()["allow"], sim.gate()["passed"]), (0, 3))
            late = BackgroundCall(sim, "trade_cal", self.params(0))
            sim.wait_gate(waiting=1, passed=3, allow=0)
            self.assertFalse(late.done())
            sim.set_gate(None)
            self.assertEqual(late.get()["data"], expected[0])

    def test_refused_calls_never_wait(self):
        with Sim("--clock", "manual", "--api-limit", "trade_cal:minute=1", "--stocks", "20") as sim:
            sim.set_gate(1)
            self.assertEqual(sim.call("trade_cal", self.params(0))["code"], 0)
            held = BackgroundCall(sim, "stock_basic", {"limit": 1}, "ts_code")
            sim.wait_gate(waiting=1, passed=1, allow=0)
            # The gate has no budget and holds a call; calls refused before admission still answer.
            res = sim.call("trade_cal", self.params(1))
            self.assertEqual((res["code"], res["msg"]), (40203, "抱歉，您每分钟最多访问该接口1次" + DOC))
            self.assertEqual(sim.call("trade_cal", token="wrong")["code"], 40101)
            self.assertEqual(sim.call("fund_daily")["code"], 40203)
            self.assertEqual(sim.call("no_such_api")["code"], -1)
            self.assertEqual(json.loads(sim.raw("POST", "/", "not json")[2])["code"], -2001)
            self.assertEqual(sim.raw("GET", "/")[0], 405)
            self.assertEqual(sim.gate(), {"open": False, "allow": 0, "passed": 1, "waiting": 1, "in_flight": 1})
            self.assertFalse(held.done())
            # The held call was admitted: it already counts against the limits.
            pairs = sim.stats()["by_token"]["demo-token"]
            self.assertEqual(pairs["stock_basic"]["accepted"], 1)
            self.assertEqual((pairs["trade_cal"]["accepted"], pairs["trade_cal"]["rejected_rate"]["minute"]), (1, 1))
            sim.set_gate(None)
            self.assertEqual(held.get()["data"]["fields"], ["ts_code"])

    def test_malformed_bodies_are_400(self):
        with Sim("--stocks", "10") as sim:
            sim.set_gate(2)
            cases = [
                ("not json", "JSON object"), ("[1]", "JSON object"), ("{}", "allow"),
                ('{"allow": -1}', "non-negative integer or null"), ('{"allow": "3"}', "non-negative integer"),
                ('{"allow": 1.5}', "non-negative integer"), ('{"allow": true}', "non-negative integer"),
                ('{"allow": [1]}', "non-negative integer"), ('{"allow": 9223372036854775808}', "non-negative"),
                ('{"allow": 1, "release": 2}', "unknown key 'release'"), ('{"alow": 1}', "unknown key 'alow'"),
            ]
            for body, message in cases:
                status, _, raw = sim.raw("POST", "/_sim/gate", body)
                doc = json.loads(raw)
                self.assertEqual((status, doc["ok"]), (400, False), body)
                self.assertIn(message, doc["error"], body)
            self.assertEqual(sim.gate(), {"open": False, "allow": 2, "passed": 0, "waiting": 0, "in_flight": 0})

    def test_sigterm_releases_held_calls_and_exits_0(self):
        sim = Sim("--stocks", "20")
        try:
            expected = self.expected(sim)
            sim.set_gate(0)
            calls = [BackgroundCall(sim, "trade_cal", self.params(i)) for i in range(3)]
            sim.wait_gate(waiting=3)
            sim.proc.terminate()
            self.assertEqual(sim.proc.wait(timeout=30), 0)
            for i, c in enumerate(calls):
                self.assertEqual(c.get()["data"], expected[i])
        finally:
            sim.stop()


class LoadTest(unittest.TestCase):
    """The concurrency-sensitive answer time (--latency-ms, --contention-ms, --scale-limit): the accounting of
    calls in flight and of the delay each call is given, observed through GET /_sim/load. The gate holds
    calls so that the number in flight at each admission is known; nothing here measures time."""
    DAYS = GateTest.DAYS

    def params(self, i):
        return {"start_date": self.DAYS[i], "end_date": self.DAYS[i]}

    def load(self, sim):
        status, doc = sim.admin("GET", "/_sim/load")
        self.assertEqual(status, 200, doc)
        return doc

    def hold_one_at_a_time(self, sim, n):
        """Closes the gate and starts n calls, each admitted after the previous one is held."""
        sim.set_gate(0)
        calls = []
        for i in range(n):
            calls.append(BackgroundCall(sim, "trade_cal", self.params(i)))
            sim.wait_gate(waiting=i + 1)
        return calls

    def test_each_call_is_delayed_by_the_calls_in_flight_at_its_admission(self):
        with Sim("--stocks", "20", "--latency-ms", "1", "--contention-ms", "2") as sim:
            cfg = sim.admin("GET", "/_sim/config")[1]
            self.assertEqual((cfg["latency_ms"], cfg["contention_ms"], cfg["scale_limit"]), (1, 2, 1))
            self.assertEqual(self.load(sim), {"latency_ms": 1, "contention_ms": 2, "scale_limit": 1, "in_flight": 0,
                                              "peak_in_flight": 0, "calls": 0, "delay_ms_total": 0,
                                              "max_delay_ms": 0})
            expected = [sim.data("trade_cal", self.params(i)) for i in range(4)]
            # Nasdaq Data Link calls are neither delayed nor counted.
            status, _, _ = sim.raw("GET", "/api/v3/datasets/QTS/AAPL/data.json?api_key=ndl-demo-key&limit=1")
            self.assertEqual(status, 200)
            # One at a time: each call alone in flight, given the base latency only.
            load = self.load(sim)
            self.assertEqual((load["in_flight"], load["peak_in_flight"], load["calls"], load["delay_ms_total"],
                              load["max_delay_ms"]), (0, 1, 4, 4, 1))
            reset = sim.admin("POST", "/_sim/load/reset")[1]
            self.assertEqual((reset["peak_in_flight"], reset["calls"], reset["delay_ms_total"]), (0, 0, 0))

            calls = self.hold_one_at_a_time(sim, 4)
            # Admitted with 1, 2, 3 and 4 calls in flight: 1 + 2 x (0, 1, 2, 3) ms.
            load = self.load(sim)
            self.assertEqual((load["in_flight"], load["peak_in_flight"], load["calls"], load["delay_ms_total"],
                              load["max_delay_ms"]), (4, 4, 4, 1 + 3 + 5 + 7, 7))
            # Refused calls are never in flight for the model.
            self.assertEqual(sim.call("trade_cal", token="wrong")["code"], 40101)
            self.assertEqual(sim.call("fund_daily")["code"], 40203)
            self.assertEqual((self.load(sim)["calls"], self.load(sim)["in_flight"]), (4, 4))
            sim.set_gate(None)
            for i, c in enumerate(calls):
                self.assertEqual(c.get()["data"], expected[i], i)
            wait_until(lambda: self.load(sim)["in_flight"] == 0, "no call is in flight", context=lambda: self.load(sim))
            load = self.load(sim)
            self.assertEqual((load["peak_in_flight"], load["calls"], load["delay_ms_total"]), (4, 4, 16))

    def test_calls_up_to_the_scale_limit_cost_nothing_extra(self):
        with Sim("--stocks", "20", "--contention-ms", "2", "--scale-limit", "3") as sim:
            calls = self.hold_one_at_a_time(sim, 5)
            load = self.load(sim)
            # In flight 1, 2, 3 cost nothing; the 4th and 5th pay for 1 and 2 calls beyond the limit.
            self.assertEqual((load["scale_limit"], load["in_flight"], load["peak_in_flight"], load["delay_ms_total"],
                              load["max_delay_ms"]), (3, 5, 5, 2 + 4, 4))
            sim.set_gate(None)
            for c in calls:
                self.assertEqual(c.get()["code"], 0)
            # Changed at runtime: the next calls meet the new model; the peak restarts from the calls in flight.
            status, cfg = sim.admin("POST", "/_sim/config", {"latency_ms": 1, "contention_ms": 0, "scale_limit": 1})
            self.assertEqual((status, cfg["latency_ms"], cfg["contention_ms"], cfg["scale_limit"]), (200, 1, 0, 1))
            wait_until(lambda: self.load(sim)["in_flight"] == 0, "no call is in flight", context=lambda: self.load(sim))
            sim.admin("POST", "/_sim/load/reset")
            calls = self.hold_one_at_a_time(sim, 2)
            load = self.load(sim)
            self.assertEqual((load["peak_in_flight"], load["calls"], load["delay_ms_total"]), (2, 2, 2))
            sim.set_gate(None)
            for c in calls:
                self.assertEqual(c.get()["code"], 0)

    def test_bad_settings_are_refused(self):
        with Sim("--stocks", "10") as sim:
            for body, message in [({"scale_limit": 0}, "'scale_limit' must be at least 1"),
                                  ({"contention_ms": -1}, "'contention_ms' must be a non-negative integer"),
                                  ({"latency_ms": 1.5}, "'latency_ms' must be a non-negative integer"),
                                  ({"latency_ms": 5, "scale_limit": "2"}, "'scale_limit' must be")]:
                status, err = sim.admin("POST", "/_sim/config", body)
                self.assertEqual(status, 400, body)
                self.assertIn(message, err["error"], body)
            self.assertEqual(self.load(sim)["latency_ms"], 0)  # all-or-nothing
        for flag, value in [("--scale-limit", "0"), ("--contention-ms", "-1"), ("--latency-ms", "x")]:
            proc = subprocess.run([SIM_PATH, "--port", "0", flag, value], capture_output=True, text=True, timeout=30)
            self.assertNotEqual(proc.returncode, 0, flag)
            self.assertIn(flag, proc.stderr, flag)


class EchoTokenTest(unittest.TestCase):
    @staticmethod
    def echo(token):
        return "（token: %s）" % token

    def test_every_data_api_error_quotes_the_token(self):
        odd = 'wrong "quoted" \\ token'
        with Sim("--echo-token", "--clock", "manual", "--start-time", EVENING, "--tokens", "tok-A1,tok-B2",
                 "--api-limit", "trade_cal:minute=1", "--api-limit", "adj_factor:day=1", "--stocks", "20") as sim:
            self.assertIs(sim.admin("GET", "/_sim/config")[1]["echo_token"], True)
            cases = [
                (dict(api="daily", token=odd), 40101, "您的token不对，请确认。" + self.echo(odd)),
                (dict(api="fund_daily"), 40203, "抱歉，您没有接口(fund_daily)访问权限" + DOC + self.echo("tok-A1")),
                (dict(api="no_such_api"), -1, "请指定正确的接口名" + self.echo("tok-A1")),
                (dict(api="trade_cal", params={"is_open": "2"}), -2001,
                 "参数is_open的值无效：2，应为0或1" + self.echo("tok-A1")),
                (dict(api="stock_basic", fields="exchange_id"), -2001,
                 "接口stock_basic不包含字段exchange_id" + self.echo("tok-A1")),
                (dict(api="daily", extra={"params": "x"}), -2001,
                 "参数params的值无效：\"x\"，应为JSON对象" + self.echo("tok-A1")),
            ]
            for kw, code, msg in cases:
                res = sim.call(kw["api"], kw.get("params"), kw.get("fields"), token=kw.get("token", "tok-A1"),
                               extra=kw.get("extra"))
                self.assertEqual((res["code"], res["msg"], res["data"]), (code, msg, None), kw)
            res = json.loads(sim.raw("POST", "/", "not json")[2])
            self.assertEqual((res["code"], res["msg"]), (-2001, "请求体不是合法的JSON对象" + self.echo("")))
            # Limits: the minute window and the day quota.
            self.assertEqual(sim.call("trade_cal", token="tok-B2")["code"], 0)
            res = sim.call("trade_cal", token="tok-B2")
            self.assertEqual((res["code"], res["msg"]), (40203, "抱歉，您每分钟最多访问该接口1次" + DOC + self.echo("tok-B2")))
            self.assertEqual(sim.call("adj_factor", {"trade_date": "20240603"}, token="tok-B2")["code"], 0)
            res = sim.call("adj_factor", {"trade_date": "20240603"}, token="tok-B2")
            self.assertEqual(res["msg"], "抱歉，您每天最多访问该接口1次" + DOC + self.echo("tok-B2"))
            # An injected internal error, in the spaced style too.
            status, _ = sim.admin("POST", "/_sim/config", {"internal_error": 1, "json_style": "spaced"})
            self.assertEqual(status, 200)
            _, _, raw = sim.raw("POST", "/", json.dumps({"api_name": "stock_basic", "token": "tok-A1"}))
            self.assertEqual(json.loads(raw)["msg"], "系统内部错误" + self.echo("tok-A1"))
            self.assertIn(b"\\uff08token: tok-A1\\uff09", raw)
            # Successes carry no message; switched off at runtime, errors are the vendor's own again.
            sim.admin("POST", "/_sim/config", {"internal_error": 0, "json_style": "compact"})
            self.assertEqual(sim.call("stock_basic", {"limit": 1}, token="tok-A1")["msg"], "")
            status, cfg = sim.admin("POST", "/_sim/config", {"echo_token": False})
            self.assertEqual((status, cfg["echo_token"]), (200, False))
            self.assertEqual(sim.call("daily", token=odd)["msg"], "您的token不对，请确认。")
            status, err = sim.admin("POST", "/_sim/config", {"echo_token": "yes"})
            self.assertEqual(status, 400)
            self.assertIn("'echo_token' must be true or false", err["error"])
            status, cfg = sim.admin("POST", "/_sim/config", {"echo_token": True})
            self.assertEqual(sim.call("daily", token="x")["msg"], "您的token不对，请确认。" + self.echo("x"))

    def test_off_by_default(self):
        with Sim("--stocks", "10") as sim:
            self.assertIs(sim.admin("GET", "/_sim/config")[1]["echo_token"], False)
            self.assertEqual(sim.call("daily", token="wrong")["msg"], "您的token不对，请确认。")


def revised(value, scale, places):
    """What a revision makes of a value: value × scale in exact decimals, rounded half away from zero to the
    field's places; one place further when that gives the value back; null and zero stay as they are."""
    if value is None or value == 0:
        return value
    unit = decimal.Decimal(1).scaleb(-places)
    v = decimal.Decimal(repr(value))
    r = (v * decimal.Decimal(repr(scale))).quantize(unit, rounding=decimal.ROUND_HALF_UP)
    if r == v:
        r += unit if (v > 0) == (scale > 1) else -unit
    return float(r)


# Decimals of the bar apis' numeric fields on the wire (daily_basic's close and volume_ratio: 2 in a 4-place column).
PLACES = {
    "daily": dict(open=2, high=2, low=2, close=2, pre_close=2, change=2, pct_chg=4, vol=2, amount=3),
    "adj_factor": dict(adj_factor=3),
    "daily_basic": dict({f: 4 for f in DAILY_BASIC_FIELDS[2:]}, close=2, volume_ratio=2),
}
NO_MODES = {"revisions": [], "holes": [], "bad_rows": []}


def compact(doc):
    """The simulator's compact body for a document (numbers as Python's repr; see JsonStyleTest)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class DataModeTest(unittest.TestCase):
    """Revisions, holes and bad rows (POST /_sim/config), asserted against the same calls without them."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim("--clock", "manual", "--start-time", EVENING, "--stocks", "60")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.configure(NO_MODES)

    def configure(self, body, sim=None):
        status, cfg = (sim or self.sim).admin("POST", "/_sim/config", body)
        self.assertEqual(status, 200, cfg)
        return cfg

    def answer(self, api, params, fields="", sim=None):
        """(raw body text, decoded document) of a successful call."""
        body = {"api_name": api, "token": "demo-token", "params": params, "fields": fields}
        status, _, raw = (sim or self.sim).raw("POST", "/", json.dumps(body))
        doc = json.loads(raw)
        self.assertEqual((status, doc["code"]), (200, 0), doc)
        return raw.decode("utf-8"), doc

    def assert_body(self, raw, expected, got):
        """The body is byte for byte the expected document (with the call's own request_id)."""
        self.assertEqual(raw, compact(dict(expected, request_id=got["request_id"])))

    def expect(self, before, change):
        """A copy of `before` whose rows go through change(row dict) → a row dict, or None to drop the row."""
        fields = before["data"]["fields"]
        items = []
        for item in before["data"]["items"]:
            row = change(dict(zip(fields, item)))
            if row is not None:
                items.append([row[f] for f in fields])
        data = dict(before["data"], items=items, count=len(items))
        return dict(before, data=data)

    # --- revisions --------------------------------------------------------------------------------------
    def check_revision(self, api, params, fields, rule, wire_fields=""):
        _, before = self.answer(api, params, wire_fields)
        self.configure({"revisions": [rule]})
        raw, after = self.answer(api, params, wire_fields)
        scale = rule.get("scale", 1.01)
        lo, hi = rule.get("start_date", "00000000"), rule.get("end_date", "99999999")
        codes = rule.get("codes") or None
        selected = []

        def change(row):
            if lo <= row["trade_date"] <= hi and (codes is None or row["ts_code"] in codes):
                selected.append(row)
                return dict(row, **{f: revised(row[f], scale, PLACES[api][f]) for f in fields if f in row})
            return row
        expected = self.expect(before, change)
        self.assertTrue(selected, "the rule selects no row of the call")
        self.assert_body(raw, expected, after)
        return before, after, selected

    def test_revision_scales_the_chosen_cells_and_leaves_the_rest_byte_for_byte(self):
        rule = {"api": "daily", "start_date": "20240102", "end_date": "20240105", "codes": ["000001.SZ", "600000.SH"],
                "fields": ["close", "pct_chg", "vol", "amount"]}
        params = {"ts_code": "000001.SZ,000002.SZ,600000.SH", "start_date": "20231225", "end_date": "20240110"}
        before, after, selected = self.check_revision("daily", params, rule["fields"], rule)
        self.assertEqual(len(selected), 8)  # two codes × four trading days
        for row in selected:
            for f in rule["fields"]:
                self.assertNotEqual(revised(row[f], 1.01, PLACES["daily"][f]), row[f], (row, f))
        # Default scale 1.01: 19.99 → 20.19, the field's two decimals.
        self.assertEqual(self.sim.config()["revisions"][0]["scale"], 1.01)
        # Other fields, asked in another order and as a subset, are the same data.
        raw, doc = self.answer("daily", params, "pct_chg,trade_date,open,ts_code")
        for (pct, day, open_, code), item in zip(doc["data"]["items"], after["data"]["items"]):
            self.assertEqual((pct, day, open_, code), (item[8], item[1], item[2], item[0]))

    def test_revision_of_every_bar_api_keeps_each_fields_precision(self):
        self.check_revision("adj_factor", {"ts_code": "600519.SH", "start_date": "20230101", "end_date": "20240531"},
                            ["adj_factor"], {"api": "adj_factor", "fields": ["adj_factor"], "scale": 0.9,
                                             "start_date": "20230601"})
        self.configure(NO_MODES)
        fields = ["close", "volume_ratio", "pe", "total_mv"]
        _, _, selected = self.check_revision(
            "daily_basic", {"trade_date": "20240531"}, fields,
            {"api": "daily_basic", "fields": fields, "scale": 1.2345})
        _, after = self.answer("daily_basic", {"trade_date": "20240531"}, "close,volume_ratio")
        for close, ratio in after["data"]["items"]:
            self.assertTrue(decimals_ok(close, 2) and decimals_ok(ratio, 2), (close, ratio))
        self.assertTrue(any(r["pe"] is None for r in selected), "a loss maker's null pe stays null")

    def test_revision_changes_every_value_but_zero(self):
        # A scale so close to 1 that rounding would give most values back: they move one place instead.
        params = {"start_date": "20240401", "end_date": "20240531"}
        fields = ["change", "pct_chg", "close"]
        before, _, selected = self.check_revision(
            "daily", params, fields, {"api": "daily", "fields": fields, "scale": 1.0001}, "ts_code,trade_date," +
            ",".join(fields))
        zeros = [r for r in selected if r["change"] == 0]
        self.assertTrue(zeros, "the sample has rows without a change")
        self.assertTrue(all(r["close"] > 0 and revised(r["close"], 1.0001, 2) == round(r["close"] + 0.01, 2)
                            for r in selected if r["close"] < 50))
        self.configure({"revisions": [{"api": "daily", "fields": fields, "scale": 0.9999}]})
        _, after = self.answer("daily", params, "ts_code,trade_date," + ",".join(fields))
        for old, new in zip(before["data"]["items"], after["data"]["items"]):
            for i in (2, 3, 4):
                self.assertEqual(new[i] == old[i], old[i] == 0, (old, new))

    def test_revisions_compound_in_list_order(self):
        params = {"ts_code": "000002.SZ", "trade_date": "20240531"}
        _, before = self.answer("daily", params, "close")
        self.configure({"revisions": [{"api": "daily", "fields": ["close"], "scale": 2},
                                      {"api": "daily", "fields": ["close"], "scale": 1.5, "codes": ["000002.SZ"]}]})
        _, after = self.answer("daily", params, "close")
        self.assertEqual(after["data"]["items"][0][0], revised(revised(before["data"]["items"][0][0], 2, 2), 1.5, 2))

    def test_revision_after_an_instant_of_the_simulators_clock(self):
        with Sim("--clock", "manual", "--start-time", "2024-06-04T08:59:59+08:00", "--stocks", "20") as sim:
            params = {"ts_code": "000001.SZ", "start_date": "20240101", "end_date": "20240110"}
            raw_before, before = self.answer("daily", params, sim=sim)
            rule = {"api": "daily", "start_date": "20240102", "end_date": "20240105", "codes": ["000001.SZ"],
                    "fields": ["close"], "scale": 1.01, "after": "2024-06-04T09:00:00+08:00"}
            self.configure({"revisions": [rule]}, sim=sim)
            raw, doc = self.answer("daily", params, sim=sim)
            self.assert_body(raw, before, doc)  # not yet
            self.assertEqual(sim.advance(1)["now"], "2024-06-04T09:00:00+08:00")
            expected = self.expect(before, lambda r: dict(r, close=revised(r["close"], 1.01, 2))
                                   if "20240102" <= r["trade_date"] <= "20240105" else r)
            self.assertNotEqual(expected, before)
            raw, doc = self.answer("daily", params, sim=sim)
            self.assert_body(raw, expected, doc)  # at the instant
            # Epoch milliseconds work too, and are shown as Shanghai time; back before it, the old values.
            cfg = self.configure({"revisions": [dict(rule, after=1717466400000)]}, sim=sim)
            self.assertEqual(cfg["revisions"][0]["after"], "2024-06-04T10:00:00+08:00")
            raw, doc = self.answer("daily", params, sim=sim)
            self.assert_body(raw, before, doc)
            sim.set_clock("2024-06-04T02:00:00Z")
            raw, doc = self.answer("daily", params, sim=sim)
            self.assert_body(raw, expected, doc)

    # --- holes ------------------------------------------------------------------------------------------
    def test_holes_leave_rows_out_of_every_window(self):
        self.configure({"holes": [
            {"api": "daily", "start_date": "20240103", "end_date": "20240103", "codes": ["000001.SZ", "600000.SH"]},
            {"api": "daily", "start_date": "20240105", "end_date": "20240105"},  # the whole day
        ]})
        gone = lambda r: (r["trade_date"] == "20240103" and r["ts_code"] in ("000001.SZ", "600000.SH")) or \
            r["trade_date"] == "20240105"
        calls = [({"trade_date": "20240103"}, ""), ({"trade_date": "20240105"}, ""),
                 ({"ts_code": "000001.SZ", "start_date": "20240101", "end_date": "20240110"}, ""),
                 ({"ts_code": "000001.SZ,000002.SZ,600000.SH", "start_date": "20240102", "end_date": "20240108"},
                  "trade_date,ts_code"),
                 ({"start_date": "20240102", "end_date": "20240104"}, "close,ts_code,trade_date")]
        baselines = []
        with Sim("--clock", "manual", "--start-time", EVENING, "--stocks", "60") as plain:
            for params, fields in calls:
                baselines.append(self.answer("daily", params, fields, sim=plain)[1])
        for (params, fields), before in zip(calls, baselines):
            raw, doc = self.answer("daily", params, fields)
            expected = self.expect(before, lambda r: None if gone(r) else r)
            self.assert_body(raw, expected, doc)
        self.assertEqual(self.answer("daily", {"trade_date": "20240105"})[1]["data"]["count"], 0)
        days = [r[1] for r in self.answer("daily", calls[2][0])[1]["data"]["items"]]
        self.assertEqual(days, ["20240110", "20240109", "20240108", "20240104", "20240102"])
        codes = [r[0] for r in self.answer("daily", {"trade_date": "20240103"})[1]["data"]["items"]]
        self.assertEqual(len(codes), baselines[0]["data"]["count"] - 2)
        self.assertFalse({"000001.SZ", "600000.SH"} & set(codes))
        # Other apis keep their rows.
        self.assertEqual(len(self.answer("adj_factor", {"trade_date": "20240105"})[1]["data"]["items"]),
                         baselines[1]["data"]["count"])

    def test_holes_come_before_the_row_cap(self):
        _, before = self.answer("daily", {"trade_date": "20240103"}, "ts_code")
        n = before["data"]["count"]
        codes = [r[0] for r in before["data"]["items"]]
        self.configure({"holes": [{"api": "daily", "codes": codes[:2]}], "row_cap": n - 2})
        try:
            doc = self.answer("daily", {"trade_date": "20240103"}, "ts_code")[1]["data"]
            self.assertEqual(([r[0] for r in doc["items"]], doc["count"], doc["has_more"]), (codes[2:], n - 2, False))
            self.configure({"row_cap": n - 3})
            doc = self.answer("daily", {"trade_date": "20240103"}, "ts_code")[1]["data"]
            self.assertEqual(([r[0] for r in doc["items"]], doc["count"], doc["has_more"]),
                             (codes[2:-1], n - 3, True))
        finally:
            self.configure({"row_cap": 6000})

    # --- bad rows ---------------------------------------------------------------------------------------
    def test_bad_rows_send_the_value_or_null(self):
        params = {"ts_code": "000001.SZ,000002.SZ", "start_date": "20240102", "end_date": "20240108"}
        _, before = self.answer("daily", params)
        _, before_basic = self.answer("daily_basic", {"trade_date": "20240104"}, "ts_code,pb,turnover_rate")
        self.configure({"bad_rows": [
            {"api": "daily", "start_date": "20240104", "end_date": "20240104", "codes": ["000002.SZ"],
             "field": "pct_chg", "value": 999.0},
            {"api": "daily", "start_date": "20240104", "end_date": "20240104", "codes": ["000001.SZ"],
             "field": "close", "value": None},
            {"api": "daily", "start_date": "20240108", "codes": ["000002.SZ"], "field": "amount", "value": 1e20},
            {"api": "daily_basic", "field": "turnover_rate", "value": -5},
        ]})
        raw, doc = self.answer("daily", params)

        def change(r):
            if r["trade_date"] == "20240104":
                return dict(r, pct_chg=999.0) if r["ts_code"] == "000002.SZ" else dict(r, close=None)
            if r["trade_date"] == "20240108" and r["ts_code"] == "000002.SZ":
                return dict(r, amount=1e20)
            return r
        self.assert_body(raw, self.expect(before, change), doc)
        self.assertIn(',1e+20]', raw)
        self.assertIn(',999.0,', raw)
        raw, doc = self.answer("daily_basic", {"trade_date": "20240104"}, "ts_code,pb,turnover_rate")
        self.assert_body(raw, self.expect(before_basic, lambda r: dict(r, turnover_rate=-5.0)), doc)

    def test_holes_then_revisions_then_bad_rows(self):
        params = {"ts_code": "000001.SZ,000002.SZ", "start_date": "20240103", "end_date": "20240104"}
        _, before = self.answer("daily", params, "ts_code,trade_date,open,close")
        row = lambda code, day: dict(zip(["ts_code", "trade_date", "open", "close"],
                                         next(i for i in before["data"]["items"] if i[:2] == [code, day])))
        self.configure({
            "bad_rows": [{"api": "daily", "codes": ["000001.SZ"], "field": "close", "value": None}],
            "revisions": [{"api": "daily", "fields": ["open", "close"], "scale": 1.1}],
            "holes": [{"api": "daily", "start_date": "20240103", "end_date": "20240103", "codes": ["000001.SZ"]}],
        })
        _, after = self.answer("daily", params, "ts_code,trade_date,open,close")
        got = {(i[0], i[1]): i[2:] for i in after["data"]["items"]}
        self.assertNotIn(("000001.SZ", "20240103"), got)
        old = row("000001.SZ", "20240104")
        self.assertEqual(got[("000001.SZ", "20240104")], [revised(old["open"], 1.1, 2), None])
        old = row("000002.SZ", "20240103")
        self.assertEqual(got[("000002.SZ", "20240103")], [revised(old["open"], 1.1, 2), revised(old["close"], 1.1, 2)])

    # --- config -----------------------------------------------------------------------------------------
    def test_config_shows_the_rules_and_refuses_bad_ones(self):
        rules = {
            "revisions": [{"api": "daily", "start_date": "20240102", "end_date": 20240105,
                           "codes": ["600000.SH", "000001.SZ", "000001.SZ"], "fields": ["close", "pct_chg", "close"],
                           "after": "2024-06-04T01:00:00Z"},
                          {"api": "daily_basic", "fields": ["pe"], "scale": 0.5}],
            "holes": [{"api": "adj_factor", "start_date": "20240103", "codes": []}],
            "bad_rows": [{"api": "daily", "field": "vol", "value": None, "codes": None},
                         {"api": "daily_basic", "end_date": "20240104", "field": "pb", "value": 1e300}],
        }
        shown = {
            "revisions": [{"api": "daily", "start_date": "20240102", "end_date": "20240105",
                           "codes": ["000001.SZ", "600000.SH"], "fields": ["close", "pct_chg"], "scale": 1.01,
                           "after": "2024-06-04T09:00:00+08:00"},
                          {"api": "daily_basic", "start_date": None, "end_date": None, "codes": [], "fields": ["pe"],
                           "scale": 0.5, "after": None}],
            "holes": [{"api": "adj_factor", "start_date": "20240103", "end_date": None, "codes": []}],
            "bad_rows": [{"api": "daily", "start_date": None, "end_date": None, "codes": [], "field": "vol",
                          "value": None},
                         {"api": "daily_basic", "start_date": None, "end_date": "20240104", "codes": [], "field": "pb",
                          "value": 1e300}],
        }
        self.assertEqual({k: self.sim.config()[k] for k in shown}, NO_MODES)
        cfg = self.configure(rules)
        self.assertEqual({k: cfg[k] for k in shown}, shown)
        # What GET shows posts back as the same rules.
        self.assertEqual({k: self.configure(shown)[k] for k in shown}, shown)
        for key, body, message in [
            ("revisions", {}, "'revisions' must be a list of rule objects"),
            ("revisions", [1], "'revisions[0]' must be an object"),
            ("revisions", [{"api": "trade_cal", "fields": ["is_open"]}],
             "'revisions[0].api' must be one of daily, adj_factor, daily_basic"),
            ("revisions", [{"api": "no_such_api", "fields": ["close"]}], "'revisions[0].api' must be one of"),
            ("revisions", [{"fields": ["close"]}], "'revisions[0].api' must be one of"),
            ("revisions", [{"api": "daily", "fields": ["close"]}, {"api": "daily", "fields": ["name"]}],
             "'revisions[1].fields': 'name' is not a numeric field of daily (numeric fields of daily: open, high"),
            ("revisions", [{"api": "adj_factor", "fields": ["close"]}],
             "'close' is not a numeric field of adj_factor (numeric fields of adj_factor: adj_factor)"),
            ("revisions", [{"api": "daily", "fields": ["trade_date"]}], "'trade_date' is part of the row's key"),
            ("revisions", [{"api": "daily", "fields": []}], "'revisions[0].fields' must be a non-empty list"),
            ("revisions", [{"api": "daily"}], "'revisions[0].fields' must be a non-empty list"),
            ("revisions", [{"api": "daily", "fields": ["close"], "scale": "1.01"}],
             "'revisions[0].scale' must be a number from 0.001 to 1000 other than 1"),
            ("revisions", [{"api": "daily", "fields": ["close"], "scale": 1}], "'revisions[0].scale' must be"),
            ("revisions", [{"api": "daily", "fields": ["close"], "scale": 0}], "'revisions[0].scale' must be"),
            ("revisions", [{"api": "daily", "fields": ["close"], "start_date": "2024-01-02"}],
             "'revisions[0].start_date' must be a YYYYMMDD date"),
            ("revisions", [{"api": "daily", "fields": ["close"], "end_date": "20240230"}],
             "'revisions[0].end_date' must be a YYYYMMDD date"),
            ("revisions", [{"api": "daily", "fields": ["close"], "after": "2024-06-04 09:00:00"}],
             "'revisions[0].after' must be an ISO-8601 instant with an offset"),
            ("revisions", [{"api": "daily", "fields": ["close"], "feilds": []}],
             "'revisions[0]': unknown key 'feilds' (allowed: api, start_date, end_date, codes, fields, scale, after)"),
            ("holes", [{"api": "daily", "start_date": "20240105", "end_date": "20240102"}],
             "'holes[0]': start_date 20240105 is after end_date 20240102"),
            ("holes", [{"api": "daily", "codes": "000001.SZ"}], "'holes[0].codes' must be a list of ts_codes"),
            ("holes", [{"api": "daily", "fields": ["close"]}], "'holes[0]': unknown key 'fields'"),
            ("bad_rows", [{"api": "daily", "field": "ts_code", "value": None}],
             "'bad_rows[0].field': 'ts_code' is part of the row's key (ts_code, trade_date), which rules select rows"),
            ("bad_rows", [{"api": "daily", "field": "close"}], "'bad_rows[0].value' must be a number"),
            ("bad_rows", [{"api": "daily", "field": "close", "value": "999"}], "'bad_rows[0].value' must be a number"),
            ("bad_rows", [{"api": "daily", "value": 1}], "'bad_rows[0].field' is required"),
            ("bad_rows", [{"api": "daily", "field": "closer", "value": 1}], "'closer' is not a numeric field of daily"),
        ]:
            # All-or-nothing: a good setting beside the bad one is not applied either.
            status, err = self.sim.admin("POST", "/_sim/config", {key: body, "row_cap": 7})
            self.assertEqual(status, 400, (key, body))
            self.assertIn(message, err["error"], (key, body))
        cfg = self.sim.config()
        self.assertEqual(({k: cfg[k] for k in shown}, cfg["row_cap"]), (shown, 6000))
        cfg = self.configure({"revisions": []})
        self.assertEqual((cfg["revisions"], cfg["holes"]), ([], shown["holes"]))


def main():
    global SIM_PATH
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", required=True, help="path to datasync-vendor-sim")
    args, rest = parser.parse_known_args()
    SIM_PATH = os.path.abspath(args.sim)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
