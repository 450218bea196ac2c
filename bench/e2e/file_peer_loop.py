#!/usr/bin/python3
"""The peer of bench/e2e/file_source_bench.py: the loop a user writes today to load Binance's kline archives
(what binance-public-data's README suggests: download each zip and its .CHECKSUM, check the SHA-256, read the
CSV with pandas). Per file: `requests.get` of the .CHECKSUM and of the zip, `hashlib.sha256`, `zipfile`,
`pandas.read_csv` with the kline column names, a `symbol` column, then `to_csv` appending to one CSV file or
`to_sql` appending to one SQLite table.

Usage:
  /usr/bin/python3 bench/e2e/file_peer_loop.py --url http://127.0.0.1:PORT --interval 1m \\
      --symbols BTCUSDT,ETHUSDT --days 2024-06-01,2024-06-02 (--csv out.csv | --sqlite out.db)

Prints one JSON line on stdout: {"files": N, "rows": N}."""

import argparse
import hashlib
import io
import json
import sqlite3
import zipfile

import pandas as pd
import requests

COLUMNS = ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades",
           "taker_buy_base", "taker_buy_quote", "ignore"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--interval", default="1m")
    ap.add_argument("--symbols", required=True)
    ap.add_argument("--days", required=True)
    ap.add_argument("--csv")
    ap.add_argument("--sqlite")
    args = ap.parse_args()
    session = requests.Session()
    con = sqlite3.connect(args.sqlite) if args.sqlite else None
    files = rows = 0
    first = True
    for symbol in args.symbols.split(","):
        for day in args.days.split(","):
            path = "/data/spot/daily/klines/%s/%s/%s-%s-%s.zip" % (symbol, args.interval, symbol, args.interval, day)
            expected = session.get(args.url + path + ".CHECKSUM", timeout=60).text.split()[0]
            body = session.get(args.url + path, timeout=300).content
            if hashlib.sha256(body).hexdigest() != expected:
                raise SystemExit("checksum mismatch: " + path)
            archive = zipfile.ZipFile(io.BytesIO(body))
            frame = pd.read_csv(archive.open(archive.namelist()[0]), header=None, names=COLUMNS)
            frame = frame.drop(columns=["ignore"])
            frame.insert(0, "symbol", symbol)
            if con is not None:
                frame.to_sql("klines", con, if_exists="append", index=False)
            else:
                frame.to_csv(args.csv, mode="w" if first else "a", header=first, index=False)
            first = False
            files += 1
            rows += len(frame)
    if con is not None:
        con.commit()
        con.close()
    print(json.dumps({"files": files, "rows": rows}))


if __name__ == "__main__":
    main()
