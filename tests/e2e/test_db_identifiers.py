"""Untrusted identifiers end to end: a vendor whose field names hold a quote, a backtick, a semicolon, spaces,
Chinese characters and SQL keywords (a small Tushare-protocol server in this test), synced by the real
binary into every sink, table names made hostile too through the storages' table_name template. What every
store holds is read back by the independent readers and must equal what the vendor served, twice (a re-run
leaves no duplicates), and a bystander table in the same schema survives."""

import http.server
import json
import os
import sys
import threading
import unittest

import dbs
import harness
from harness import Project

FIELDS = [
    ('id"quote', "int64", "int"),
    ("back`tick", "string", "str"),
    ("semi;colon", "float64", "float"),
    ("with space", "date", "date"),
    ("中文 名称", "string", "str"),
    ("select", "int32", "int"),
    ("order", "string", "str"),
    ("drop table x; --", "string", "str"),
    ("'single'", "string", "str"),
]
TYPES = {name: kind for name, _, kind in FIELDS}
ITEMS = [
    [1, "`; DROP TABLE bystander; --", 1.25, "20240102", "平安银行", 7, "desc", "x';--", "\\N"],
    [2, "line\nbreak\ttab", -0.5, "20240103", "贵州茅台 600519.SH", -1, "NULL", None, "back\\slash"],
    [3, None, 1e300, "20240104", "空", 0, "\"quoted\"", "🚀 emoji", "'"],
]
HOSTILE_TABLE = '表 {dataset}`"; --'


class VendorHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"request_id": "0" * 32, "code": 0, "msg": "",
                           "data": {"fields": [f for f, _, _ in FIELDS], "items": ITEMS, "has_more": False,
                                    "count": len(ITEMS)}}, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HostileIdentifiersTest(unittest.TestCase):
    def test_hostile_field_and_table_names_reach_every_sink_intact(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), VendorHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ns = "e2e_hostile_%d" % os.getpid()
        servers = {k: dbs.Server(k) for k in ("postgres", "mysql", "clickhouse")}
        for s in servers.values():
            s.drop_namespace(ns)
        project = Project()
        try:
            fields = "\n".join("      - {name: %s, type: %s}" % (json.dumps(name, ensure_ascii=False), t)
                               for name, t, _ in FIELDS)
            table = json.dumps(HOSTILE_TABLE, ensure_ascii=False)
            names = {"postgres": "pg", "mysql": "my", "clickhouse": "ch"}
            storages = "".join("  %s: %s\n" % (names[k], s.storage_yaml(ns)[:-1] + ", table_name: %s}" % table)
                               for k, s in servers.items())
            project.write_config(harness.sim_config("http://127.0.0.1:%d" % server.server_address[1], """datasets:
  hostile:
    source: tushare
    api: hostile_api
    primary_key: ['id"quote']
    date_key: with space
    fields:
%s
storages:
  lite: {kind: sqlite, path: data/warehouse.db}
  csv_files: {kind: csv, path: data/csv}
  json_files: {kind: jsonl, path: data/jsonl}
%splans:
  hostile:
    dataset: hostile
    storages: [lite, csv_files, json_files, pg, my, ch]
""" % (fields, storages)))
            # A bystander that an injected DROP would destroy.
            servers["postgres"].sql("CREATE SCHEMA %s" % dbs.pg_ident(ns))
            servers["postgres"].sql("CREATE TABLE %s.bystander (x int)" % dbs.pg_ident(ns))
            expected = dbs.normalize([dict(zip([f for f, _, _ in FIELDS], item)) for item in ITEMS], TYPES)
            hostile_table = HOSTILE_TABLE.replace("{dataset}", "hostile")
            for attempt in (1, 2):
                project.ds("run", "hostile")
                stored = {
                    "lite": dbs.sqlite_rows(project.path("data", "warehouse.db"), "hostile"),
                    "csv": dbs.csv_rows(project.path("data", "csv"), "hostile"),
                    "jsonl": dbs.jsonl_rows(project.path("data", "jsonl"), "hostile"),
                }
                for kind, s in servers.items():
                    stored[kind] = s.rows(ns, hostile_table)
                    self.assertLessEqual(set(TYPES), set(s.column_types(ns, hostile_table)), kind)
                for store, rows in stored.items():
                    self.assertEqual(dbs.normalize(rows, TYPES), expected, "%s, run %d" % (store, attempt))
            self.assertEqual(servers["postgres"].sql("SELECT count(*) FROM %s.bystander" % dbs.pg_ident(ns)), ["0"])
            # The scripts and listings that name these identifiers work too.
            project.ds("migrate", "--dry-run")
            self.assertEqual(len(project.ds_json("storages")), 6)
        finally:
            server.shutdown()
            server.server_close()
            project.cleanup()
            for s in servers.values():
                s.drop_namespace(ns)


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv))
