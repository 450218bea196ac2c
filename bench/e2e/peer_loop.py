#!/usr/bin/python3
"""The peer of bench/e2e/peer_bench.py: the backfill a user writes today without datasync. One call per
weekday of Tushare's `daily` by `trade_date`, made the way the official SDK makes it (waditu/tushare,
tushare/pro/client.py, DataApi.query: `requests.post` of the JSON body, `json.loads` of the text, a pandas
`DataFrame` of `fields` and `items`), each day's frame appended to one CSV file (`to_csv`) or to one SQLite
table (`to_sql`).

Usage:
  /usr/bin/python3 bench/e2e/peer_loop.py --url http://127.0.0.1:PORT --token T --start 20230101 \\
      --end 20241231 (--csv out.csv | --sqlite out.db [--table daily]) [--session]

Prints one JSON line on stdout: {"calls": N, "rows": N, "empty_days": N}. Debian's /usr/bin/python3 with
python3-pandas and python3-requests (scripts/deps/bench.txt; `scripts/install-deps.sh bench`) runs it.
"""

import argparse
import json
import sqlite3
import sys

import pandas as pd
import requests

DAILY_FIELDS = "ts_code,trade_date,open,high,low,close,pre_close,change,pct_chg,vol,amount"


def query(post, url, token, api_name, fields, **params):
    """What the SDK's DataApi.query does: post, json.loads, raise on a vendor code, DataFrame."""
    req_params = {"api_name": api_name, "token": token, "params": params, "fields": fields}
    res = post(url, json=req_params, timeout=30)
    result = json.loads(res.text)
    if result["code"] != 0:
        raise Exception(result["msg"])
    data = result["data"]
    return pd.DataFrame(data["items"], columns=data["fields"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="the Tushare API endpoint")
    ap.add_argument("--token", required=True)
    ap.add_argument("--start", required=True, help="first day, YYYYMMDD")
    ap.add_argument("--end", required=True, help="last day, YYYYMMDD")
    out = ap.add_mutually_exclusive_group(required=True)
    out.add_argument("--csv", help="append every day's rows to this CSV file (header once)")
    out.add_argument("--sqlite", help="append every day's rows to a table of this SQLite database")
    ap.add_argument("--table", default="daily")
    ap.add_argument("--session", action="store_true",
                    help="reuse one keep-alive connection (requests.Session); the SDK opens one per call")
    args = ap.parse_args()

    post = requests.Session().post if args.session else requests.post
    con = sqlite3.connect(args.sqlite) if args.sqlite else None
    calls = rows = empty_days = 0
    header = True
    # Every weekday: a user without a trading calendar at hand asks for each one; holidays answer no rows.
    for day in pd.bdate_range(pd.Timestamp(args.start), pd.Timestamp(args.end)):
        df = query(post, args.url, args.token, "daily", DAILY_FIELDS, trade_date=day.strftime("%Y%m%d"))
        calls += 1
        if df.empty:
            empty_days += 1
            continue
        if con is not None:
            df.to_sql(args.table, con, if_exists="append", index=False)
        else:
            df.to_csv(args.csv, mode="a", header=header, index=False)
            header = False
        rows += len(df)
    if con is not None:
        con.close()
    json.dump({"calls": calls, "rows": rows, "empty_days": empty_days}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
