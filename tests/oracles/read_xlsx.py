"""Reads xlsx part files with openpyxl (the independent oracle) and prints one JSON document, so tests
compare what datasync wrote with what openpyxl reads, cell by cell and type by type.

Usage: /usr/bin/python3 read_xlsx.py PATH...   (a file, or a folder: every *.xlsx below it whose name does
not start with '.' or '_'). Output: {"files", "sheets": [{"file", "sheet", "rows", "header_bold"}],
"columns": [names, union over files], "rows": [[cell...]], "formats": {column: [number formats seen]}}.
A cell is null (empty) or a one-key object: {"b": bool}, {"i": "123"}, {"f": repr(float)},
{"t": "YYYY-MM-DDTHH:MM:SS.ffffff"} (a date-formatted number), or {"s": text} with the OOXML _xHHHH_
escapes decoded in one left-to-right pass, as Excel shows them (openpyxl 3.0 leaves them in inline strings).

/usr/bin/python3 read_xlsx.py --serve keeps one process for many reads (a test binary starts it once instead
of paying python's and openpyxl's start-up per read): each line on stdin is a JSON array of PATHs, each
answer one line on stdout, {"exit": the exit code the command line would have, "output": what it would print
(null after an error), "error": the traceback, or absent}; an error is also written to stderr. The process
ends at the end of stdin.
"""
import json
import os
import re
import sys
import datetime
import traceback

import openpyxl

ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text):
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def cell(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return {"b": v}
    if isinstance(v, int):
        return {"i": str(v)}
    if isinstance(v, float):
        return {"f": repr(v)}
    if isinstance(v, datetime.datetime):
        return {"t": v.strftime("%Y-%m-%dT%H:%M:%S.%f")}
    if isinstance(v, datetime.date):
        return {"t": v.strftime("%Y-%m-%dT00:00:00.000000")}
    return {"s": unescape(str(v))}


def collect(path, out):
    if os.path.isfile(path):
        out.append(path)
        return
    for name in sorted(os.listdir(path)):
        if name.startswith(".") or name.startswith("_"):
            continue
        full = os.path.join(path, name)
        if os.path.isdir(full):
            collect(full, out)
        elif name.endswith(".xlsx"):
            out.append(full)


def read(paths):
    files = []
    for p in paths:
        collect(p, files)
    columns, rows, sheets, formats = [], [], [], {}
    for f in files:
        wb = openpyxl.load_workbook(f)  # not read_only: number formats and fonts are needed
        for ws in wb.worksheets:
            header = [c.value for c in ws[1]] if ws.max_row >= 1 else []
            names = [unescape(str(h)) for h in header]
            sheets.append({"file": f, "sheet": ws.title, "rows": ws.max_row,
                           "header_bold": all(c.font.b for c in ws[1]) if header else False})
            for n in names:
                if n not in columns:
                    columns.append(n)
            for r in ws.iter_rows(min_row=2):
                row = [None] * len(columns)
                for name, c in zip(names, r):
                    row[columns.index(name)] = cell(c.value)
                    if c.value is not None and c.data_type == "n" or c.is_date:
                        formats.setdefault(name, [])
                        if c.number_format not in formats[name]:
                            formats[name].append(c.number_format)
                rows.append(row)
    return {"files": files, "sheets": sheets, "columns": columns, "rows": rows, "formats": formats}


def serve():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            paths = json.loads(line)
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise ValueError("a request is a JSON array of strings, got: " + line[:200])
            answer = {"exit": 0, "output": read(paths)}
        except Exception:  # one failed read is answered, and the next request still served
            error = traceback.format_exc()
            sys.stderr.write(error)
            sys.stderr.flush()
            answer = {"exit": 1, "output": None, "error": error}
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def main():
    if sys.argv[1:2] == ["--serve"]:
        serve()
        return
    json.dump(read(sys.argv[1:]), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
