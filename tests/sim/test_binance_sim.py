#!/usr/bin/env python3
"""End-to-end tests of the Binance public-archive side of datasync-vendor-sim (tools/vendor-sim/binance/).

Run: /usr/bin/python3 tests/sim/test_binance_sim.py --sim build/tools/vendor-sim/datasync-vendor-sim
Each test class starts its own simulator(s) on a free port (the process helpers are test_vendor_sim.py's).
The archive's files are read with Python's own zipfile, hashlib and csv (and `unzip -t` when installed), never
with the simulator's code.
"""
import argparse
import csv
import datetime
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_vendor_sim as tv  # noqa: E402  (the Sim process wrapper and wait_until)

# A manual clock: every day up to 2025-03-09 and every month up to 2025-02 is published.
START = "2025-03-10T12:00:00Z"
INTERVAL_MS = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": 3_600_000,
               "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000, "12h": 43_200_000,
               "1d": 86_400_000}
FUTURES_HEADER = ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count",
                  "taker_buy_volume", "taker_buy_quote_volume", "ignore"]
DECIMAL = re.compile(r"^\d+\.\d{8}$")
NO_SUCH_KEY = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code>'
               '<Message>The specified key does not exist.</Message><Key>%s</Key></Error>')


def kline_path(symbol="BTCUSDT", interval="1h", date="2024-01-02", market="spot"):
    """The zip's path; `date` YYYY-MM-DD is a daily file, YYYY-MM a monthly one."""
    period = "daily" if len(date) == 10 else "monthly"
    return "/data/%s/%s/klines/%s/%s/%s-%s-%s.zip" % (market, period, symbol, interval, symbol, interval, date)


def epoch_ms(text):
    """'2024-01-02' or '2024-01-02T05:00' (UTC) to epoch ms."""
    d = datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000


class Binance(tv.Sim):
    """A simulator with helpers for the archive routes."""

    def __init__(self, *args, clock=("--clock", "manual", "--start-time", START)):
        super().__init__(*clock, *args)

    def get(self, path, headers=None, method="GET"):
        return self.raw(method, path, headers=headers)

    def ok(self, path, headers=None):
        status, hdrs, body = self.get(path, headers)
        if status != 200:
            raise AssertionError("GET %s: HTTP %s %r" % (path, status, body[:300]))
        return hdrs, body

    def badmin(self, method, path, body=None):
        return self.admin(method, "/_sim/binance/" + path, body)

    def faults(self, **counts):
        status, doc = self.badmin("POST", "faults", counts)
        assert status == 200, doc
        return doc

    def regenerate(self, path):
        status, doc = self.badmin("POST", "regenerate", {"path": path})
        assert status == 200, doc
        return doc

    def archive_stats(self):
        status, doc = self.badmin("GET", "stats")
        assert status == 200, doc
        return doc

    def reset(self):
        status, doc = self.badmin("POST", "reset")
        assert status == 200, doc


def entry_text(test, body, path):
    """Checks that `body` is a zip with exactly the entry the path names, stored with deflate; returns its text."""
    stem = path.rsplit("/", 1)[1][:-len(".zip")]
    test.assertEqual(body[:4], b"PK\x03\x04", "a local file header first")
    test.assertEqual(body[-22:-18], b"PK\x05\x06", "an end-of-central-directory record last, no comment")
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        infos = z.infolist()
        test.assertEqual([i.filename for i in infos], [stem + ".csv"])
        test.assertEqual(infos[0].compress_type, zipfile.ZIP_DEFLATED)
        test.assertIsNone(z.testzip(), "CRC and sizes check out")
        data = z.read(infos[0])
        test.assertEqual(infos[0].file_size, len(data))
        return data.decode("ascii")


def rows_of(test, text, futures):
    test.assertTrue(text.endswith("\n"), "the last line ends with \\n")
    test.assertNotIn("\r", text)
    rows = list(csv.reader(io.StringIO(text)))
    if futures:
        test.assertEqual(rows[0], FUTURES_HEADER)
        rows = rows[1:]
    else:
        test.assertTrue(rows[0][0].isdigit(), "spot files have no header row: %r" % rows[0])
    return rows


def check_rows(test, rows, first_open_ms, interval, unit=1):
    """Row shape, open/close times on the interval grid from `first_open_ms`, and plausible values."""
    step = INTERVAL_MS[interval] * unit
    for i, r in enumerate(rows):
        test.assertEqual(len(r), 12, r)
        open_time, close_time = int(r[0]), int(r[6])
        test.assertEqual(open_time, first_open_ms * unit + i * step, "row %d" % i)
        test.assertEqual(close_time, open_time + step - 1, "row %d" % i)
        for col in (1, 2, 3, 4, 5, 7, 9, 10):
            test.assertRegex(r[col], DECIMAL, "column %d of row %d" % (col, i))
        test.assertRegex(r[8], r"^[1-9]\d*$", "count")
        test.assertEqual(r[11], "0", "ignore")
        o, h, lo, c, v, q, tb, tq = (float(r[k]) for k in (1, 2, 3, 4, 5, 7, 9, 10))
        test.assertTrue(0 < lo <= min(o, c) <= max(o, c) <= h, r)
        test.assertGreater(v, 0)
        # The quote volume is volume × a price of the bar.
        test.assertTrue(v * lo * 0.999999 <= q <= v * h * 1.000001, r)
        test.assertTrue(0 <= tb <= v and 0 <= tq <= q, r)


class FilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Binance()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_daily_zip(self):
        path = kline_path()
        hdrs, body = self.sim.ok(path)
        self.assertEqual(hdrs["Content-Type"], "application/zip")
        self.assertEqual(int(hdrs["Content-Length"]), len(body))
        self.assertEqual(hdrs["ETag"], '"%s"' % hashlib.md5(body).hexdigest(), "S3's ETag: the MD5, quoted")
        self.assertEqual(hdrs["Last-Modified"], "Wed, 03 Jan 2024 08:00:00 GMT", "8 h after the day ended")
        rows = rows_of(self, entry_text(self, body, path), futures=False)
        self.assertEqual(len(rows), 24)
        check_rows(self, rows, epoch_ms("2024-01-02"), "1h")
        self.assertEqual(len(rows[0][0]), 13, "milliseconds")

    def test_unzip_accepts_it(self):
        if not shutil.which("unzip"):
            self.skipTest("unzip is not installed")
        _, body = self.sim.ok(kline_path("ETHUSDT", "5m", "2024-02"))
        with tempfile.TemporaryDirectory() as d:
            name = os.path.join(d, "ETHUSDT-5m-2024-02.zip")
            with open(name, "wb") as f:
                f.write(body)
            out = subprocess.run(["unzip", "-t", name], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertIn("testing: ETHUSDT-5m-2024-02.csv", out.stdout)
            self.assertIn("No errors detected", out.stdout)

    def test_every_interval_of_a_day(self):
        for interval, ms in INTERVAL_MS.items():
            path = kline_path("BNBUSDT", interval, "2024-06-30")
            rows = rows_of(self, entry_text(self, self.sim.ok(path)[1], path), futures=False)
            self.assertEqual(len(rows), 86_400_000 // ms, interval)
            check_rows(self, rows, epoch_ms("2024-06-30"), interval)

    def test_monthly_row_counts(self):
        for date, days in (("2023-02", 28), ("2024-02", 29), ("2024-04", 30), ("2024-01", 31)):
            path = kline_path("ETHUSDT", "1h", date)
            rows = rows_of(self, entry_text(self, self.sim.ok(path)[1], path), futures=False)
            self.assertEqual(len(rows), days * 24, date)
            check_rows(self, rows, epoch_ms(date + "-01"), "1h")
        path = kline_path("DOGEUSDT", "1d", "2024-12")
        rows = rows_of(self, entry_text(self, self.sim.ok(path)[1], path), futures=False)
        self.assertEqual(len(rows), 31)
        check_rows(self, rows, epoch_ms("2024-12-01"), "1d")
        hdrs, _ = self.sim.ok(path)
        self.assertEqual(hdrs["Last-Modified"], "Wed, 01 Jan 2025 08:00:00 GMT", "8 h after the month ended")

    def test_a_month_of_minutes(self):
        path = kline_path("BTCUSDT", "1m", "2024-01", market="futures/um")
        rows = rows_of(self, entry_text(self, self.sim.ok(path)[1], path), futures=True)
        self.assertEqual(len(rows), 31 * 1440)
        check_rows(self, rows, epoch_ms("2024-01-01"), "1m")

    def test_time_units(self):
        cases = [  # (market, date, microseconds)
            ("spot", "2024-12-31", False), ("spot", "2025-01-01", True), ("spot", "2024-12", False),
            ("spot", "2025-01", True), ("futures/um", "2025-01-01", False), ("futures/um", "2025-02", False)]
        for market, date, micros in cases:
            path = kline_path("SOLUSDT", "1h", date, market)
            rows = rows_of(self, entry_text(self, self.sim.ok(path)[1], path), futures=market != "spot")
            first = epoch_ms(date if len(date) == 10 else date + "-01")
            check_rows(self, rows, first, "1h", unit=1000 if micros else 1)
            self.assertEqual(len(rows[0][0]), 16 if micros else 13, (market, date))
            self.assertEqual(int(rows[0][6]), (first + 3_600_000) * (1000 if micros else 1) - 1)

    def test_header_row_only_on_futures(self):
        path = kline_path("BTCUSDT", "1h", "2024-01-02", "futures/um")
        text = entry_text(self, self.sim.ok(path)[1], path)
        self.assertEqual(text.split("\n", 1)[0], ",".join(FUTURES_HEADER))
        rows = rows_of(self, text, futures=True)
        self.assertEqual(len(rows), 24)
        check_rows(self, rows, epoch_ms("2024-01-02"), "1h")
        spot = entry_text(self, self.sim.ok(kline_path())[1], kline_path())
        self.assertTrue(spot.split(",", 1)[0].isdigit())

    def test_intervals_share_one_price_path(self):
        hour = rows_of(self, entry_text(self, self.sim.ok(kline_path())[1], kline_path()), futures=False)
        path = kline_path(interval="1m")
        minutes = rows_of(self, entry_text(self, self.sim.ok(path)[1], path), futures=False)
        self.assertEqual(len(minutes), 1440)
        for h, r in enumerate(hour):
            self.assertEqual(r[1], minutes[60 * h][1], "the hour opens at its first minute's open")
        self.assertNotEqual(len({r[4] for r in minutes}), 1, "prices move")

    def test_checksum(self):
        path = kline_path("ETHUSDT", "15m", "2024-03-05")
        zhdrs, body = self.sim.ok(path)
        hdrs, text = self.sim.ok(path + ".CHECKSUM")
        self.assertEqual(hdrs["Content-Type"], "text/plain")
        self.assertEqual(text.decode(), "%s  ETHUSDT-15m-2024-03-05.zip\n" % hashlib.sha256(body).hexdigest())
        self.assertRegex(text.decode(), r"^[0-9a-f]{64}  \S+\.zip\n$")
        self.assertEqual(hdrs["ETag"], '"%s"' % hashlib.md5(text).hexdigest())
        self.assertEqual(hdrs["Last-Modified"], zhdrs["Last-Modified"])
        # Sent as stored, even to a client that accepts gzip (S3 does not compress).
        status, ghdrs, gtext = self.sim.get(path + ".CHECKSUM", {"Accept-Encoding": "gzip"})
        self.assertEqual((status, gtext), (200, text))
        self.assertNotIn("Content-Encoding", ghdrs)

    def test_same_request_same_bytes(self):
        paths = [kline_path(), kline_path("DOGEUSDT", "4h", "2023-07", "futures/um")]
        first = [self.sim.ok(p)[1] for p in paths]
        self.assertEqual([self.sim.ok(p)[1] for p in paths], first)
        with Binance() as again:
            self.assertEqual([again.ok(p)[1] for p in paths], first, "identical across restarts")
        with Binance("--seed", "43") as other:
            other_bytes = other.ok(paths[0])[1]
            self.assertNotEqual(other_bytes, first[0], "the seed drives the values")
            a = rows_of(self, entry_text(self, first[0], paths[0]), False)
            b = rows_of(self, entry_text(self, other_bytes, paths[0]), False)
            self.assertEqual([r[0] for r in a], [r[0] for r in b])

    def test_head(self):
        path = kline_path("ETHUSDT", "1d", "2024-05")
        before = self.sim.archive_stats()["zip_downloads"].get(path, 0)
        status, hdrs, body = self.sim.get(path, method="HEAD")
        zhdrs, zbody = self.sim.ok(path)
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(int(hdrs["Content-Length"]), len(zbody))
        self.assertEqual(hdrs["ETag"], zhdrs["ETag"])
        self.assertEqual(self.sim.archive_stats()["zip_downloads"][path], before + 1, "a HEAD is not a download")

    def test_not_found(self):
        cases = [
            kline_path("XRPUSDT"),                                          # unknown symbol
            kline_path(interval="1s"), kline_path(interval="7m"),           # unknown intervals
            kline_path(interval="3d"), kline_path(interval="1w"), kline_path(interval="1mo", date="2024-01"),
            kline_path("SOLUSDT", "1h", "2020-08-10"),                      # the day before its listing
            kline_path("SOLUSDT", "1h", "2020-07"),                         # the month before
            kline_path("BTCUSDT", "1h", "2019-09-07", "futures/um"),        # before the perpetual
            kline_path(date="2024-13-01"), kline_path(date="2024-02-30"),   # bad dates
            kline_path(date="2024-1-02"), kline_path(date="2024-01-02x"), kline_path(date="20240102"),
            "/data/spot/daily/klines/BTCUSDT/1h/ETHUSDT-1h-2024-01-02.zip",  # a name of another folder
            "/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1m-2024-01-02.zip",
            "/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01.zip",     # a month in the daily folder
            "/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-02.zip",
            "/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-02.csv",
            "/data/futures/cm/daily/klines/BTCUSD_PERP/1h/BTCUSD_PERP-1h-2024-01-02.zip",
            "/data/spot/daily/trades/BTCUSDT/BTCUSDT-trades-2024-01-02.zip",
            "/data/spot/daily/klines/BTCUSDT/1h/",
            "/data/",
        ]
        for path in cases + [kline_path("XRPUSDT") + ".CHECKSUM", kline_path(date="2024-02-30") + ".CHECKSUM"]:
            status, hdrs, body = self.sim.get(path)
            self.assertEqual(status, 404, path)
            self.assertEqual(hdrs["Content-Type"], "application/xml", path)
            self.assertEqual(body.decode(), NO_SUCH_KEY % path[1:], path)
        # Listing days themselves are served; a listing month starts on the listing day.
        self.sim.ok(kline_path("SOLUSDT", "1h", "2020-08-11"))
        self.sim.ok(kline_path("BTCUSDT", "1h", "2019-09-08", "futures/um"))
        self.sim.ok(kline_path("BTCUSDT", "1h", "2017-08-17"))
        path = kline_path("SOLUSDT", "1h", "2020-08")
        rows = rows_of(self, entry_text(self, self.sim.ok(path)[1], path), futures=False)
        self.assertEqual(len(rows), 21 * 24)
        check_rows(self, rows, epoch_ms("2020-08-11"), "1h")

    def test_conditional_requests(self):
        for path in (kline_path("BNBUSDT", "30m", "2024-08-08"), kline_path("BNBUSDT", "30m", "2024-08-08") +
                     ".CHECKSUM"):
            hdrs, body = self.sim.ok(path)
            etag, modified = hdrs["ETag"], hdrs["Last-Modified"]
            before = self.sim.archive_stats()["not_modified"]

            def status_of(headers):
                status, h, b = self.sim.get(path, headers)
                if status == 304:
                    self.assertEqual(b, b"", "a 304 has no body")
                    self.assertEqual((h["ETag"], h["Last-Modified"]), (etag, modified))
                else:
                    self.assertEqual(b, body)
                return status

            self.assertEqual(status_of({"If-None-Match": etag}), 304)
            self.assertEqual(status_of({"If-None-Match": '"0123", ' + etag}), 304, "a list of tags")
            self.assertEqual(status_of({"If-None-Match": "*"}), 304)
            self.assertEqual(status_of({"If-None-Match": '"0123456789abcdef0123456789abcdef"'}), 200)
            self.assertEqual(status_of({"If-Modified-Since": modified}), 304)
            self.assertEqual(status_of({"If-Modified-Since": "Thu, 01 Jan 2099 00:00:00 GMT"}), 304)
            self.assertEqual(status_of({"If-Modified-Since": "Fri, 09 Aug 2024 07:59:59 GMT"}), 200, "a second early")
            self.assertEqual(status_of({"If-Modified-Since": "Friday, 09-Aug-24 08:00:00 GMT"}), 304, "RFC 850")
            self.assertEqual(status_of({"If-Modified-Since": "Fri Aug  9 08:00:00 2024"}), 304, "asctime")
            self.assertEqual(status_of({"If-Modified-Since": "yesterday"}), 200, "not a date: ignored")
            # If-None-Match decides when both are sent.
            self.assertEqual(status_of({"If-None-Match": '"other"', "If-Modified-Since": modified}), 200)
            self.assertEqual(self.sim.archive_stats()["not_modified"], before + 7)


class PublicationTest(unittest.TestCase):
    def test_files_appear_when_their_period_ends(self):
        with Binance(clock=("--clock", "manual", "--start-time", "2024-01-31T23:59:59Z")) as sim:
            day, month = kline_path(date="2024-01-31"), kline_path(date="2024-01")
            for path in (day, day + ".CHECKSUM", month, month + ".CHECKSUM", kline_path(date="2024-02-01")):
                status, _, body = sim.get(path)
                self.assertEqual(status, 404, path)
                self.assertEqual(body.decode(), NO_SUCH_KEY % path[1:])
            sim.ok(kline_path(date="2024-01-30"))
            sim.ok(kline_path(date="2023-12"))
            sim.set_clock("2024-02-01T00:00:00Z")
            for path in (day, day + ".CHECKSUM", month, month + ".CHECKSUM"):
                sim.ok(path)
            self.assertEqual(sim.get(kline_path(date="2024-02-01"))[0], 404)
            self.assertEqual(sim.archive_stats()["not_found"], 6)

    def test_a_held_download_meets_the_clock_of_its_release(self):
        with Binance(clock=("--clock", "manual", "--start-time", "2024-01-02T12:00:00Z")) as sim:
            path = kline_path(date="2024-01-02")
            sim.set_gate(0)
            results = {}
            t = threading.Thread(target=lambda: results.setdefault("r", sim.get(path)), daemon=True)
            t.start()
            sim.wait_gate(waiting=1, in_flight=1)
            sim.set_clock("2024-01-03T00:00:00Z")
            sim.set_gate(None)
            t.join(30)
            self.assertEqual(results["r"][0], 200)
            # Paths that cannot name a file never wait.
            sim.set_gate(0)
            self.assertEqual(sim.get(kline_path("XRPUSDT"))[0], 404)
            sim.set_gate(None)


class RegenerateTest(unittest.TestCase):
    def test_regenerate_changes_values_not_times(self):
        with Binance() as sim:
            path = kline_path("BTCUSDT", "1h", "2024-01-02")
            neighbour = kline_path("BTCUSDT", "1h", "2024-01-03")
            h0, z0 = sim.ok(path)
            c0 = sim.ok(path + ".CHECKSUM")[1]
            n0 = sim.ok(neighbour)[1]
            doc = sim.regenerate(path)
            self.assertEqual(doc, {"ok": True, "path": path, "revision": 1,
                                   "last_modified": "Wed, 03 Jan 2024 09:00:00 GMT"})
            h1, z1 = sim.ok(path)
            c1 = sim.ok(path + ".CHECKSUM")[1]
            self.assertNotEqual(z1, z0)
            self.assertNotEqual(c1, c0)
            self.assertEqual(c1.decode().split()[0], hashlib.sha256(z1).hexdigest())
            self.assertNotEqual(h1["ETag"], h0["ETag"])
            self.assertEqual(h1["Last-Modified"], "Wed, 03 Jan 2024 09:00:00 GMT", "an hour later per revision")
            self.assertEqual(sim.get(path, {"If-None-Match": h0["ETag"]})[0], 200, "the old ETag is stale")
            self.assertEqual(sim.get(path, {"If-Modified-Since": h0["Last-Modified"]})[0], 200)
            self.assertEqual(sim.get(path, {"If-None-Match": h1["ETag"]})[0], 304)
            r0 = rows_of(self, entry_text(self, z0, path), False)
            r1 = rows_of(self, entry_text(self, z1, path), False)
            self.assertEqual(len(r1), 24)
            check_rows(self, r1, epoch_ms("2024-01-02"), "1h")
            self.assertEqual([(r[0], r[6]) for r in r1], [(r[0], r[6]) for r in r0], "open/close times stay")
            self.assertTrue(all(a[4] != b[4] for a, b in zip(r0, r1)), "every close changes")
            self.assertTrue(all(a[5] != b[5] for a, b in zip(r0, r1)), "every volume changes")
            self.assertEqual([r[1] for r in r1], [r[1] for r in r0], "opens stay")
            self.assertEqual(sim.ok(neighbour)[1], n0, "other files are untouched")
            # A second regeneration changes every row again; .CHECKSUM paths name their zip.
            self.assertEqual(sim.regenerate(path + ".CHECKSUM")["revision"], 2)
            r2 = rows_of(self, entry_text(self, sim.ok(path)[1], path), False)
            self.assertTrue(all(a[4] != b[4] for a, b in zip(r1, r2)))
            # Reset forgets revisions.
            sim.reset()
            self.assertEqual(sim.ok(path)[1], z0)

    def test_bad_requests(self):
        with Binance() as sim:
            for body, needle in (({}, "give"), ({"path": 3}, "give"), ({"path": "/data/x.zip"}, "not a kline file"),
                                 ({"path": kline_path("SOLUSDT", "1h", "2019-01-01")}, "before SOLUSDT was listed"),
                                 ({"path": kline_path(), "x": 1}, "unknown key 'x'")):
                status, doc = sim.badmin("POST", "regenerate", body)
                self.assertEqual(status, 400, body)
                self.assertFalse(doc["ok"])
                self.assertIn(needle, doc["error"])
            status, doc = sim.badmin("POST", "faults", {"status_500": 1})
            self.assertEqual(status, 400)
            self.assertIn("allowed: bad_checksum, truncated_zip, status_503, status_429", doc["error"])
            for bad in (-1, 1.5, "2", None):
                status, doc = sim.badmin("POST", "faults", {"bad_checksum": bad, "status_503": 1})
                self.assertEqual(status, 400, bad)
            self.assertEqual(sim.badmin("GET", "faults")[1],
                             {"bad_checksum": 0, "truncated_zip": 0, "status_503": 0, "status_429": 0},
                             "a refused POST changes nothing")


class FaultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Binance()
        cls.path = kline_path("ETHUSDT", "1h", "2024-03-03")
        cls.other = kline_path("SOLUSDT", "5m", "2024-03", "futures/um")
        cls.zip = cls.sim.ok(cls.path)[1]
        cls.other_zip = cls.sim.ok(cls.other)[1]

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.reset()

    def test_bad_checksum(self):
        self.assertEqual(self.sim.faults(bad_checksum=2),
                         {"bad_checksum": 2, "truncated_zip": 0, "status_503": 0, "status_429": 0})
        good = "%s  ETHUSDT-1h-2024-03-03.zip\n" % hashlib.sha256(self.zip).hexdigest()
        for path in (self.path, self.other):
            hdrs, text = self.sim.ok(path + ".CHECKSUM")
            self.assertRegex(text.decode(), r"^[0-9a-f]{64}  \S+\.zip\n$", "still well-formed")
            self.assertEqual(hdrs["ETag"], '"%s"' % hashlib.md5(text).hexdigest())
            zip_bytes = self.zip if path == self.path else self.other_zip
            self.assertNotEqual(text.decode().split()[0], hashlib.sha256(zip_bytes).hexdigest(), path)
        self.assertEqual(self.sim.ok(self.path + ".CHECKSUM")[1].decode(), good, "only the next two")
        self.assertEqual(self.sim.ok(self.path)[1], self.zip, "zips are not affected")
        self.assertEqual(self.sim.archive_stats()["faults_injected"]["bad_checksum"], 2)

    def test_truncated_zip(self):
        self.sim.faults(truncated_zip=2)
        for path, full in ((self.other, self.other_zip), (self.path, self.zip)):
            status, hdrs, body = self.sim.get(path)
            self.assertEqual(status, 200)
            self.assertEqual(body, full[:len(full) // 2])
            self.assertEqual(int(hdrs["Content-Length"]), len(body))
            self.assertEqual(hdrs["ETag"], '"%s"' % hashlib.md5(full).hexdigest(), "the object's ETag")
            with self.assertRaises(zipfile.BadZipFile):
                zipfile.ZipFile(io.BytesIO(body))
        self.assertEqual(self.sim.ok(self.path + ".CHECKSUM")[1].decode().split()[0],
                         hashlib.sha256(self.zip).hexdigest(), "checksums are not affected")
        self.assertEqual(self.sim.ok(self.path)[1], self.zip)
        self.assertEqual(self.sim.faults(), {"bad_checksum": 0, "truncated_zip": 0, "status_503": 0,
                                             "status_429": 0})

    def test_status_faults(self):
        self.sim.faults(status_503=2, status_429=1)
        for expected in (503, 503, 429):
            status, hdrs, body = self.sim.get(self.path)
            self.assertEqual(status, expected)
            self.assertEqual(hdrs["Content-Type"], "application/xml")
            text = body.decode()
            self.assertTrue(text.startswith('<?xml version="1.0" encoding="UTF-8"?><Error><Code>'), text)
            if expected == 503:
                self.assertIn("<Code>SlowDown</Code>", text)
                self.assertNotIn("Retry-After", hdrs)
            else:
                self.assertEqual(hdrs["Retry-After"], "2")
            # CHECKSUM answers are not affected.
            self.assertEqual(self.sim.get(self.path + ".CHECKSUM")[0], 200)
        self.assertEqual(self.sim.ok(self.path)[1], self.zip)
        self.assertEqual(self.sim.archive_stats()["faults_injected"], {"bad_checksum": 0, "truncated_zip": 0,
                                                                "status_503": 2, "status_429": 1})

    def test_status_faults_come_before_conditions(self):
        etag = self.sim.ok(self.path)[0]["ETag"]
        self.sim.faults(status_503=1, truncated_zip=1)
        self.assertEqual(self.sim.get(self.path, {"If-None-Match": etag})[0], 503)
        self.assertEqual(self.sim.get(self.path, {"If-None-Match": etag})[0], 304, "a 304 spoils no body")
        self.assertEqual(len(self.sim.get(self.path)[2]), len(self.zip) // 2)

    def test_a_missing_file_meets_no_fault(self):
        self.sim.faults(status_503=1)
        self.assertEqual(self.sim.get(kline_path("XRPUSDT"))[0], 404)
        self.assertEqual(self.sim.get(self.path)[0], 503)

    def test_faults_off_and_reset(self):
        self.sim.faults(truncated_zip=3, status_429=2)
        self.assertEqual(self.sim.faults(truncated_zip=0),
                         {"bad_checksum": 0, "truncated_zip": 0, "status_503": 0, "status_429": 2},
                         "a POST changes only the kinds it names")
        self.sim.reset()
        self.assertEqual(self.sim.badmin("GET", "faults")[1],
                         {"bad_checksum": 0, "truncated_zip": 0, "status_503": 0, "status_429": 0})
        self.assertEqual(self.sim.ok(self.path)[1], self.zip)


class StatsTest(unittest.TestCase):
    def test_counts_and_reset(self):
        with Binance() as sim:
            a, b = kline_path(), kline_path("ETHUSDT", "1d", "2024-02", "futures/um")
            etag = sim.ok(a)[0]["ETag"]
            sim.ok(a)
            sim.ok(b)
            sim.ok(a + ".CHECKSUM")
            sim.get(a, {"If-None-Match": etag})
            sim.get(kline_path("XRPUSDT"))
            sim.get("/data/nothing")
            sim.faults(truncated_zip=1, status_503=1)
            sim.get(b)  # 503: not a download
            sim.get(b)  # truncated: a download
            self.assertEqual(sim.archive_stats(), {
                "zip_downloads": {a: 2, b: 2},
                "checksum_downloads": {a + ".CHECKSUM": 1},
                "not_modified": 1,
                "not_found": 2,
                "faults_injected": {"bad_checksum": 0, "truncated_zip": 1, "status_503": 1, "status_429": 0}})
            sim.regenerate(a)
            sim.faults(bad_checksum=4)
            sim.reset()
            self.assertEqual(sim.archive_stats(), {
                "zip_downloads": {}, "checksum_downloads": {}, "not_modified": 0, "not_found": 0,
                "faults_injected": {"bad_checksum": 0, "truncated_zip": 0, "status_503": 0, "status_429": 0}})
            self.assertEqual(sim.ok(a)[0]["ETag"], etag, "reset forgets revisions")
            self.assertEqual(sim.ok(a + ".CHECKSUM")[1].decode().split()[0],
                             hashlib.sha256(sim.ok(a)[1]).hexdigest(), "and faults")

    def test_other_vendors_unchanged(self):
        with Binance() as sim:
            res = sim.call("trade_cal", {"start_date": "20240601", "end_date": "20240605"})
            self.assertEqual(res["code"], 0)
            sim.ok(kline_path())
            self.assertEqual(tv.Sim.stats(sim)["totals"]["accepted"], 1, "archive downloads are not Tushare calls")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", required=True, help="path to datasync-vendor-sim")
    args, rest = parser.parse_known_args()
    tv.SIM_PATH = os.path.abspath(args.sim)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
