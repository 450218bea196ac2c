"""Independent readers of what datasync stored, for the end-to-end tests of the database sinks: PostgreSQL
through psql (row_to_json), MariaDB through the mariadb client (JSON_OBJECT of every column as text),
ClickHouse through its HTTP interface (JSONEachRow, FINAL for replacing engines), SQLite, CSV, JSON Lines and
JSON from the files, Parquet through DuckDB (tests/oracles/read_parquet.mjs) and xlsx through openpyxl
(tests/oracles/read_xlsx.py). None of them shares code with datasync.

The servers come from the environment that scripts/test.sh's set-up hook writes (DATASYNC_TEST_PG_URL,
DATASYNC_TEST_MYSQL_URL, DATASYNC_TEST_CLICKHOUSE_URL); a missing one fails the test."""

import csv
import datetime
import decimal
import glob
import json
import os
import sqlite3
import subprocess
import urllib.parse
import urllib.request

ORACLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles")

ENV = {"postgres": "DATASYNC_TEST_PG_URL", "mysql": "DATASYNC_TEST_MYSQL_URL",
       "clickhouse": "DATASYNC_TEST_CLICKHOUSE_URL"}


def server_url(kind):
    url = os.environ.get(ENV[kind], "")
    if not url:
        raise AssertionError("%s is not set: run scripts/test.sh, or start scripts/services/services.sh and export "
                             "the URLs scripts/test-setup.d/10-servers.sh writes" % ENV[kind])
    return url


def split_url(url):
    u = urllib.parse.urlsplit(url)
    return {"user": u.username or "", "password": u.password or "", "host": u.hostname, "port": u.port,
            "db": u.path.lstrip("/")}


def with_database(url, db):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, "", ""))


def pg_ident(name):
    return '"' + name.replace('"', '""') + '"'


def my_ident(name):
    return "`" + name.replace("`", "``") + "`"


def ch_ident(name):
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`").replace("\n", "\\n") + "`"


def sql_text(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pg_text(text):
    return "'" + text.replace("'", "''") + "'"


class Server:
    """One database server: run statements, list columns and types, read a table's rows as dicts."""

    def __init__(self, kind, url=None):
        self.kind = kind
        self.url = url or server_url(kind)
        self.parts = split_url(self.url)

    # --- raw access -----------------------------------------------------------------------------------
    def sql(self, statement):
        """Runs one statement; returns stdout lines (PostgreSQL, MariaDB) or the body (ClickHouse)."""
        if self.kind == "postgres":
            proc = subprocess.run(["psql", self.url, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", statement],
                                  capture_output=True, text=True, timeout=120)
        elif self.kind == "mysql":
            p = self.parts
            proc = subprocess.run(["mariadb", "--no-defaults", "-h", p["host"], "-P", str(p["port"]), "-u", p["user"],
                                   "-p" + p["password"], "--default-character-set=utf8mb4", "-N", "-B", "-r", "-e",
                                   statement], capture_output=True, text=True, timeout=120)
        else:
            return self.ch(statement)
        if proc.returncode != 0:
            raise AssertionError("%s failed: %s\n%s" % (self.kind, proc.stderr, statement))
        return [line for line in proc.stdout.split("\n") if line != ""]

    def ch(self, statement, settings=""):
        p = self.parts
        url = "http://%s:%d/%s" % (p["host"], p["port"], ("?" + settings) if settings else "")
        req = urllib.request.Request(url, data=statement.encode("utf-8"),
                                     headers={"X-ClickHouse-User": p["user"], "X-ClickHouse-Key": p["password"]})
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return resp.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            raise AssertionError("clickhouse failed: %s\n%s" % (e.read().decode("utf-8", "replace"), statement))

    def ident(self, name):
        """An identifier quoted for this server."""
        return {"postgres": pg_ident, "mysql": my_ident, "clickhouse": ch_ident}[self.kind](name)

    def table(self, ns, name, final=False):
        """ns.name, quoted; with `final`, ClickHouse reads it merged (FINAL), so replaced rows do not show."""
        return self.ident(ns) + "." + self.ident(name) + (" FINAL" if final and self.kind == "clickhouse" else "")

    def query(self, statement):
        """A query's rows as lists of text fields, on every kind."""
        if self.kind == "clickhouse":
            return [line.split("\t") for line in self.ch(statement).splitlines()]
        return [line.split("|" if self.kind == "postgres" else "\t") for line in self.sql(statement)]

    # --- namespaces: a PostgreSQL schema, a MariaDB or ClickHouse database ---------------------------------
    def drop_namespace(self, ns):
        if self.kind == "postgres":
            self.sql("DROP SCHEMA IF EXISTS %s CASCADE" % pg_ident(ns))
        elif self.kind == "mysql":
            self.sql("DROP DATABASE IF EXISTS %s" % my_ident(ns))
        else:
            self.ch("DROP DATABASE IF EXISTS %s" % ch_ident(ns))

    def storage_yaml(self, ns):
        """The storage's options as a YAML flow mapping (without kind)."""
        if self.kind == "postgres":
            return "{kind: postgres, url: %s, schema: %s}" % (json.dumps(self.url), json.dumps(ns))
        return "{kind: %s, url: %s}" % (self.kind, json.dumps(with_database(self.url, ns)))

    # --- metadata ----------------------------------------------------------------------------------------
    def column_types(self, ns, table):
        """{column: native type} of a table, as the server spells it."""
        if self.kind == "postgres":
            lines = self.sql("SELECT json_object_agg(a.attname, format_type(a.atttypid, a.atttypmod)) FROM "
                             "pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON "
                             "n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND "
                             "NOT a.attisdropped" % (pg_text(ns), pg_text(table)))
            return json.loads(lines[0]) if lines and lines[0] else {}
        if self.kind == "mysql":
            lines = self.sql("SELECT JSON_OBJECTAGG(COLUMN_NAME, COLUMN_TYPE) FROM information_schema.COLUMNS WHERE "
                             "TABLE_SCHEMA = %s AND BINARY TABLE_NAME = %s" % (sql_text(ns), sql_text(table)))
            return json.loads(lines[0]) if lines and lines[0] != "NULL" else {}
        body = self.ch("SELECT name, type FROM system.columns WHERE database = %s AND table = %s FORMAT JSONEachRow"
                       % (sql_text(ns), sql_text(table)))
        return {r["name"]: r["type"] for r in map(json.loads, body.splitlines())}

    # --- data --------------------------------------------------------------------------------------------
    def rows(self, ns, table, exact=False):
        """Every row as {column: value}; values are JSON-ish (numbers, strings, None). MariaDB's are text.
        exact: numbers with a fraction are decimal.Decimal, as the server spelled them (wide decimals)."""
        load = (lambda text: json.loads(text, parse_float=decimal.Decimal)) if exact else json.loads
        if self.kind == "postgres":
            return [load(line) for line in
                    self.sql("SELECT row_to_json(t) FROM %s.%s t" % (pg_ident(ns), pg_ident(table)))]
        if self.kind == "mysql":
            cols = list(self.column_types(ns, table))
            pairs = ", ".join("%s, CAST(%s AS CHAR)" % (sql_text(c), my_ident(c)) for c in cols)
            lines = self.sql("SELECT JSON_OBJECT(%s) FROM %s.%s" % (pairs, my_ident(ns), my_ident(table)))
            return [json.loads(line) for line in lines]
        engine = self.ch("SELECT engine FROM system.tables WHERE database = %s AND name = %s FORMAT TabSeparated"
                         % (sql_text(ns), sql_text(table))).strip()
        final = " FINAL" if "Replacing" in engine else ""
        body = self.ch("SELECT * FROM %s.%s%s FORMAT JSONEachRow" % (ch_ident(ns), ch_ident(table), final),
                       "output_format_json_quote_64bit_integers=0")
        return [load(line) for line in body.splitlines()]


class ServerScenario:
    """A test's scenario on one server kind: a namespace of its own on the test server (named `prefix` and the
    pid, dropped before and after), a simulator of `stocks` stocks and a project whose config is `body` with
    that namespace's storage YAML in place of its %s. Subclasses add the checks."""

    def __init__(self, test, kind, prefix, body, stocks=6):
        from harness import Project, Sim, sim_config  # harness does not import this module
        self.t = test
        self.kind = kind
        self.ns = "%s_%d" % (prefix, os.getpid())
        self.db = Server(kind)
        self.db.drop_namespace(self.ns)
        test.addCleanup(self.db.drop_namespace, self.ns)
        self.sim = Sim(stocks=stocks)
        test.addCleanup(self.sim.stop)
        self.project = Project(self.sim)
        test.addCleanup(self.project.cleanup)
        self.project.write_config(sim_config(self.sim.url, body % self.db.storage_yaml(self.ns)))

    def table(self, name, final=False):
        # ClickHouse replaces rows (upserts, closed versions) at merge time: read as of now with FINAL.
        return self.db.table(self.ns, name, final)


def sqlite_rows(path, table):
    con = sqlite3.connect(path)
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute('SELECT * FROM "%s"' % table.replace('"', '""'))]
    finally:
        con.close()


def csv_rows(root, dataset):
    rows = []
    for path in sorted(glob.glob(os.path.join(root, dataset, "**", "*.csv"), recursive=True)):
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader)
            for rec in reader:
                rows.append({h: (None if v == "" else v) for h, v in zip(header, rec)})
    return rows


def jsonl_rows(root, dataset):
    rows = []
    for path in sorted(glob.glob(os.path.join(root, dataset, "**", "*.jsonl"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def json_rows(root, dataset):
    """Rows of the JSON storage: every *.json part file holds one array of objects."""
    rows = []
    for path in sorted(glob.glob(os.path.join(root, dataset, "**", "*.json"), recursive=True)):
        if os.path.basename(path).startswith((".", "_")):
            continue
        with open(path, encoding="utf-8") as f:
            rows += json.load(f)
    return rows


def _oracle(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError("%s failed:\n%s" % (" ".join(argv), proc.stderr))
    return json.loads(proc.stdout)


def parquet_rows(root, dataset):
    """Rows of the Parquet storage as DuckDB reads them (dates as ISO text, numbers as numbers)."""
    folder = os.path.join(root, dataset)
    if not glob.glob(os.path.join(folder, "**", "*.parquet"), recursive=True):
        return []
    doc = _oracle(["node", os.path.join(ORACLES, "read_parquet.mjs"), "--engine", "duckdb", folder])
    out = []
    for r in doc["rows"]:
        row = {}
        for col, v in zip(doc["columns"], r):
            if v is not None and col["type"] == "date":
                v = (datetime.date(1970, 1, 1) + datetime.timedelta(days=int(v))).isoformat()
            row[col["name"]] = v
        out.append(row)
    return out


def xlsx_rows(root, dataset):
    """Rows of the xlsx storage as openpyxl reads them (date cells as ISO dates)."""
    folder = os.path.join(root, dataset)
    if not glob.glob(os.path.join(folder, "**", "*.xlsx"), recursive=True):
        return []
    doc = _oracle(["/usr/bin/python3", os.path.join(ORACLES, "read_xlsx.py"), folder])
    out = []
    for r in doc["rows"]:
        row = {}
        for name, cell in zip(doc["columns"], r):
            if cell is None:
                row[name] = None
                continue
            (tag, v), = cell.items()
            row[name] = v[:10] if tag == "t" else v
        out.append(row)
    return out


def normalize(rows, types):
    """Rows as sorted tuples of typed values, in the order of `types` ({field: "float"|"int"|"date"|"str"});
    a field a row lacks reads as None."""
    out = []
    for r in rows:
        values = []
        for field, kind in types.items():
            v = r.get(field)
            if v is None:
                values.append(None)
            elif kind == "float":
                values.append(float(v))
            elif kind == "int":
                values.append(int(float(v)) if isinstance(v, str) and "." in v else int(v))
            elif kind == "date":
                s = str(v)
                values.append(s if "-" in s else "%s-%s-%s" % (s[0:4], s[4:6], s[6:8]))
            else:
                values.append(str(v))
        out.append(tuple(values))
    return sorted(out, key=repr)
