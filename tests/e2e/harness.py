"""Shared helpers for datasync's end-to-end tests: start the project's Tushare-protocol simulator, create
projects, run the real datasync binary, and fetch what the simulator serves with an independent client
(urllib), so tests compare stored data with served data."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.request

DATASYNC = os.environ.get("DATASYNC_BIN", "")
SIM = os.environ.get("DATASYNC_SIM_BIN", "")
TOKEN = "e2e-token-4f9a1c"
# The token tests use to read what the simulator serves: its calls count against no limit datasync meets.
VERIFY_TOKEN = "e2e-verify-token-77d2"


def parse_args(argv):
    """Reads --datasync BIN --sim BIN from argv (CTest passes them) and returns the rest for unittest."""
    global DATASYNC, SIM
    rest = [argv[0]]
    i = 1
    while i < len(argv):
        if argv[i] == "--datasync":
            DATASYNC = argv[i + 1]
            i += 2
        elif argv[i] == "--sim":
            SIM = argv[i + 1]
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    if not DATASYNC or not SIM:
        raise SystemExit("usage: test_*.py --datasync BIN --sim BIN [unittest args]")
    return rest


class Sim:
    """The simulator on a free loopback port."""

    def __init__(self, *extra, tokens=TOKEN, stocks=300):
        self.dir = tempfile.mkdtemp(prefix="ds-sim-")
        port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "sim.log"), "w")
        self.proc = subprocess.Popen(
            [SIM, "--port", "0", "--port-file", port_file, "--tokens", tokens + "," + VERIFY_TOKEN, "--stocks",
             str(stocks), *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if os.path.exists(port_file) and read_text(port_file).strip():
                break
            if self.proc.poll() is not None:
                raise RuntimeError("simulator exited: " + read_text(os.path.join(self.dir, "sim.log")))
            time.sleep(0.02)
        self.port = int(read_text(port_file).strip())
        self.url = "http://127.0.0.1:%d" % self.port

    def call(self, api, params=None, fields="", token=TOKEN):
        body = json.dumps({"api_name": api, "token": token, "params": params or {}, "fields": fields}).encode()
        req = urllib.request.Request(self.url + "/", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def rows(self, api, params=None, fields=""):
        """Rows as dicts (read with the verification token); fails if the answer is an error or truncated."""
        doc = self.call(api, params, fields, token=VERIFY_TOKEN)
        assert doc["code"] == 0, doc
        data = doc["data"]
        assert not data.get("has_more"), "simulator answer truncated: %r" % (params,)
        return [dict(zip(data["fields"], item)) for item in data["items"]]

    def admin(self, path, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(self.url + "/_sim/" + path, data=data,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Project:
    """A datasync project in a temporary folder."""

    def __init__(self, sim=None, config=None):
        self.dir = tempfile.mkdtemp(prefix="ds-e2e-")
        self.env = dict(os.environ)
        self.env["E2E_TOKEN"] = TOKEN
        self.env.pop("TUSHARE_TOKEN", None)
        # None of the caller's DATASYNC_* variables (DATASYNC_PROJECT, DATASYNC_CLOCK_FILE) but DATASYNC_TEST_*
        # reaches datasync: a test that wants one sets it on project.env.
        for name in [n for n in self.env if n.startswith("DATASYNC_") and not n.startswith("DATASYNC_TEST_")]:
            del self.env[name]
        args = ["init", self.dir, "--force", "--token-env", "E2E_TOKEN"]
        if sim:
            args += ["--endpoint", sim.url]
        self.ds(*args)
        if config is not None:
            self.write_config(config)

    def write_config(self, text):
        with open(os.path.join(self.dir, "datasync.yaml"), "w", encoding="utf-8") as f:
            f.write(text)

    def ds(self, *args, check=True, timeout=600):
        proc = subprocess.run([DATASYNC, "--project", self.dir, *args], capture_output=True, text=True,
                              env=self.env, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError("datasync %s exited %d\nstdout:\n%s\nstderr:\n%s" %
                                 (" ".join(args), proc.returncode, proc.stdout, proc.stderr))
        return proc

    def ds_json(self, *args, check=True):
        proc = self.ds(*args, "--json", check=check)
        return json.loads(proc.stdout)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def sqlite(self, sql, params=()):
        con = sqlite3.connect(self.path("data", "warehouse.db"))
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def sim_config(sim_url, body, limits="{concurrency: 4}"):
    """A project config with the standard source header, for tests that write their own plans."""
    return """version: 1
sources:
  tushare:
    provider: tushare
    endpoint: %s
    token: ${E2E_TOKEN}
    limits: %s
%s""" % (sim_url, limits, body)


def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def iso(yyyymmdd):
    if yyyymmdd is None:
        return None
    return "%s-%s-%s" % (yyyymmdd[0:4], yyyymmdd[4:6], yyyymmdd[6:8])
