#!/usr/bin/env python3
"""Writes the Tushare wire fixtures in this folder (run with /usr/bin/python3; stdlib only).

Each file is one HTTP 200 body as the vendor sends it. Two serializations exist in the wild: compact
UTF-8 (newer servers) and Python's json.dumps default (", " and ": " separators, every non-ASCII
character as a \\uHHHH escape, astral characters as surrogate pairs). The decoder tests assert exact
values, so edit the rows here and in tests/unit/datasource together.
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
DAILY_FIELDS = ["ts_code", "trade_date", "open", "high", "low", "close", "pre_close", "change", "pct_chg", "vol",
                "amount"]
DAILY_ROWS = [
    ["000001.SZ", "20180718", 8.75, 8.85, 8.69, 8.70, 8.72, -0.02, -0.23, 525152.77, 460697.377],
    ["000001.SZ", "20180717", 8.74, 8.75, 8.66, 8.72, 8.73, -0.01, -0.11, 375356.33, 326396.994],
    ["600000.SH", "20180718", 9.9, 10.0, 9.85, 9.95, 9.9, 0.05, 0.5051, 233452, 231234.5],
]


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def spaced(obj):
    return json.dumps(obj)  # the old server: spaces and \uHHHH escapes


def ok(fields, items, has_more=False, count=None):
    return {"request_id": "6d1e4c4a2f8b11ef9e3b0242ac110002", "code": 0, "msg": "",
            "data": {"fields": fields, "items": items, "has_more": has_more,
                     "count": len(items) if count is None else count}}


def err(code, msg):
    return {"request_id": "7a0b9c1e2f8b11ef9e3b0242ac110002", "code": code, "msg": msg, "data": None}


def write(name, text):
    (HERE / name).write_text(text, encoding="utf-8")


write("daily_compact.json", compact(ok(DAILY_FIELDS, DAILY_ROWS)))

STOCK_FIELDS = ["ts_code", "symbol", "name", "area", "industry", "fullname", "enname", "cnspell", "market",
                "exchange", "curr_type", "list_status", "list_date", "delist_date", "is_hs", "act_name",
                "act_ent_type"]
STOCK_ROWS = [
    ["000001.SZ", "000001", "平安银行", "深圳", "银行", "平安银行股份有限公司", "Ping An Bank Co., Ltd.", "payh", "主板",
     "SZSE", "CNY", "L", "19910403", None, "S", "无实际控制人", "无"],
    # A name with a character outside the BMP (U+20BB7 𠮷), a quote, a backslash and a tab.
    ["688001.SH", "688001", "华兴\U00020BB7源", "江苏", "半导体", "苏州华兴源创科技股份有限公司", "Suzhou \"HYC\" \\ Tech\t",
     "hxyc", "科创板", "SSE", "CNY", "L", "20190722", None, "N", "陈文源", "民营企业"],
]
write("stock_basic_spaced.json", spaced(ok(STOCK_FIELDS, STOCK_ROWS)))

write("stock_basic_nulls.json", compact(ok(STOCK_FIELDS, [
    ["000002.SZ"] + [None] * (len(STOCK_FIELDS) - 1),
    [None] * len(STOCK_FIELDS),
])))

write("trade_cal_int.json", spaced(ok(["exchange", "cal_date", "is_open", "pretrade_date"], [
    ["SSE", "20240102", 1, "20231229"],
    ["SSE", "20240101", 0, "20231229"],
    ["SSE", "20231231", 0, "20231229"],
])))

# Numbers as strings, a date as an integer, "" for a missing number.
write("daily_strings.json", compact(ok(DAILY_FIELDS, [
    ["000001.SZ", 20240102, "9.39", "9.42", "9.21", "9.21", "9.39", "-0.18", "-1.9169", "1158366.45", ""],
    ["000001.SZ", "2024-01-03", "9.19", 9.22, "9.15", "9.20", "9.21", "-0.01", "-0.1086", "733610", "673742.1"],
])))

# Schema drift: the vendor dropped "amount" and added "vwap", and moved "close" to the front.
write("daily_drift.json", compact(ok(["close", "ts_code", "trade_date", "open", "high", "low", "pre_close", "change",
                                      "pct_chg", "vol", "vwap"], [
    [8.70, "000001.SZ", "20180718", 8.75, 8.85, 8.69, 8.72, -0.02, -0.23, 525152.77, 8.77],
])))

write("daily_empty.json", compact(ok(DAILY_FIELDS, [])))
write("daily_has_more.json", compact(ok(DAILY_FIELDS, DAILY_ROWS[:1], has_more=True, count=12000)))

# A value the schema cannot hold: a word in a float column.
bad = [list(r) for r in DAILY_ROWS]
bad[1][5] = "停牌" * 60
write("daily_bad_value.json", compact(ok(DAILY_FIELDS, bad)))

# A row with fewer values than fields.
write("daily_short_row.json", compact(ok(DAILY_FIELDS, [DAILY_ROWS[0], DAILY_ROWS[1][:10]])))

full = compact(ok(DAILY_FIELDS, DAILY_ROWS))
write("daily_truncated.json", full[: len(full) * 2 // 3])

write("html_error.html", "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
                         "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")

# Business errors, verbatim from the vendor (fixture README), in both serializations.
write("error_40101.json", compact(err(40101, "您的token不对，请确认。")))
write("error_40203_minute.json", spaced(err(
    40203, "抱歉，您每分钟最多访问该接口200次，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。")))
write("error_40203_minute_new.json", compact(err(
    40203, "抱歉，您访问接口(daily)频率超限(400次/分钟)，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。")))
write("error_40203_hour.json", compact(err(
    40203, "抱歉，您每小时最多访问该接口1次，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。")))
write("error_40203_day.json", spaced(err(
    40203, "抱歉，您每天最多访问该接口100000次，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。")))
write("error_40203_permission.json", compact(err(
    40203, "抱歉，您没有接口(fund_daily)访问权限，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。")))
write("error_-2001.json", compact(err(-2001, "接口trade_cal不包含字段exchange_id")))
write("error_-1000.json", spaced(err(-1000, "系统内部错误")))
