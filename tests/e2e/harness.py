"""Shared helpers for datasync's end-to-end tests: start the project's Tushare-protocol simulator, create
projects, run the real datasync binary, and fetch what the simulator serves with an independent client
(urllib), so tests compare stored data with served data.

Rules every test here follows (CONVENTIONS "Tests"):
- Nothing acts "mid-run" on timing: the simulator's gate (Sim.gate) holds the vendor's answers, the test
  waits until the engine has its calls waiting there, acts (pause, cancel, SIGKILL, SIGTERM, stop a server),
  then lets the calls through.
- No fixed sleeps and no deadline that falls through: wait_until() polls a condition and fails with what it
  waited for and what it saw last.
- Every child process and temporary folder is registered for cleanup (E2ETestCase), so a failing test
  leaves nothing running.
- Virtual time moves only when every datasync process is parked (VirtualClock.drive)."""

import datetime
import decimal
import glob
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

DATASYNC = os.environ.get("DATASYNC_BIN", "")
SIM = os.environ.get("DATASYNC_SIM_BIN", "")
TOKEN = "e2e-token-4f9a1c"
# The token tests use to read what the simulator serves: its calls count against no limit datasync meets.
VERIFY_TOKEN = "e2e-verify-token-77d2"
# The Nasdaq Data Link keys of the same simulator: datasync's, and the one tests read what it serves with (the
# simulator counts limits per key, so reading never eats datasync's budget).
NDL_KEY = "e2e-ndl-key-5c1e"
NDL_VERIFY_KEY = "e2e-ndl-verify-9b3d"


def wait_until(predicate, what, timeout=120, interval=0.01):
    """Polls predicate() until it returns something truthy, and returns that. On timeout it fails, naming what
    it waited for and the last value it saw (an exception raised by predicate counts as a falsy answer)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = predicate()
        except Exception as e:  # noqa: BLE001 - reported below if the wait times out
            last = e
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %g s waiting for %s (last seen: %r)" % (timeout, what, last))
        time.sleep(interval)


def kill_process(proc):
    """SIGKILLs a child still running and reaps it."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()


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
             str(stocks), "--ndl-keys", NDL_KEY + "," + NDL_VERIFY_KEY, *extra],
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

    # --- Nasdaq Data Link (tools/vendor-sim/README.md, "Nasdaq Data Link") --------------------------------
    def ndl_get(self, path, params=(), key=NDL_VERIFY_KEY):
        """GET /api/v3/PATH with the verification key; the decoded answer (an error answer raises)."""
        query = urllib.parse.urlencode(list(params))
        req = urllib.request.Request(self.url + "/api/v3/" + path + ("?" + query if query else ""),
                                     headers={"X-Api-Token": key})
        with urllib.request.urlopen(req, timeout=60) as resp:
            # Numbers with a fraction as decimal.Decimal: BigDecimal(34,12) values have more digits than a float.
            return json.loads(resp.read().decode("utf-8"), parse_float=decimal.Decimal)

    def ndl_table(self, table, params=()):
        """Every row of a Tables API query as dicts, following the cursors (read with the verification key),
        and the column types: (rows, {name: vendor type})."""
        rows, types, cursor = [], {}, None
        while True:
            doc = self.ndl_get("datatables/%s.json" % table,
                               list(params) + ([("qopts.cursor_id", cursor)] if cursor else []))
            names = [c["name"] for c in doc["datatable"]["columns"]]
            types = {c["name"]: c["type"] for c in doc["datatable"]["columns"]}
            rows += [dict(zip(names, r)) for r in doc["datatable"]["data"]]
            cursor = doc["meta"]["next_cursor_id"]
            if not cursor:
                return rows, types

    def ndl_admin(self, path, payload=None, method=None):
        return self.admin("ndl/" + path, payload, method)

    def admin(self, path, payload=None, method=None):
        data = None if payload is None and method is None else json.dumps(payload).encode()
        req = urllib.request.Request(self.url + "/_sim/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read().decode("utf-8"))

    # --- the gate: hold the vendor's answers so a test can act while calls are in flight ---------------
    def gate(self, allow):
        """Lets `allow` more accepted calls through, then holds every further one; None opens the gate."""
        return self.admin("gate", {"allow": allow}, method="POST")

    def gate_state(self):
        """{"open", "allow", "passed", "waiting", "in_flight"}."""
        return self.admin("gate")

    def wait_gate(self, waiting, passed=None, timeout=120):
        """Waits until exactly `waiting` calls are held at the gate (and `passed` went through, if given)."""
        def ok():
            st = self.gate_state()
            return st if st["waiting"] == waiting and (passed is None or st["passed"] == passed) else None
        return wait_until(ok, "%d call(s) held at the simulator's gate%s" %
                          (waiting, "" if passed is None else " after %d passed" % passed), timeout)

    def stop(self):
        if self.proc.poll() is None:
            # SIGTERM opens the gate, so held calls finish and the simulator exits.
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

    def spawn(self, *args, **popen_kwargs):
        """Starts `datasync --project DIR ARGS` in the background (stdout/stderr to pipes unless given)."""
        popen_kwargs.setdefault("stdout", subprocess.PIPE)
        popen_kwargs.setdefault("stderr", subprocess.PIPE)
        popen_kwargs.setdefault("text", True)
        return subprocess.Popen([DATASYNC, "--project", self.dir, *args], env=self.env, **popen_kwargs)

    def system_db(self, sql, params=()):
        """Reads the system database directly (no datasync process per poll)."""
        path = self.path(".datasync", "datasync.db")
        if not os.path.exists(path):
            return []
        con = sqlite3.connect(path, timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def latest_run(self):
        """The newest run as a dict (id, plan, status, tasks_total, tasks_done, heartbeat_at_us), or None."""
        rows = self.system_db("SELECT id, plan, status, tasks_total, heartbeat_at_us FROM runs ORDER BY id DESC "
                              "LIMIT 1")
        if not rows:
            return None
        run_id, plan, status, total, beat = rows[0]
        done = self.system_db("SELECT count(*) FROM tasks WHERE run_id = ? AND state = 'done'", (run_id,))[0][0]
        return {"id": run_id, "plan": plan, "status": status, "tasks_total": total, "tasks_done": done,
                "heartbeat_at_us": beat}

    def log(self):
        """The project's log file (.datasync/logs/datasync.log), every process's lines."""
        path = self.path(".datasync", "logs", "datasync.log")
        return read_text(path) if os.path.exists(path) else ""

    def wait_observed(self, run_id, control, timeout=60):
        """Waits until the process executing `run_id` has read a `datasync pause|cancel` (control: "pause" or
        "cancel"): from then on it starts no new call."""
        line = "run %d: %s requested" % (run_id, control)
        return wait_until(lambda: line in self.log(), "the log line '%s'" % line, timeout)

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


class E2ETestCase(unittest.TestCase):
    """A TestCase whose simulators, projects, processes and clocks are cleaned up after each test (and after
    the class, for the ones made in setUpClass), whatever the outcome."""

    def _register(self, obj, stop, cls_level):
        (type(self).addClassCleanup if cls_level else self.addCleanup)(stop)
        return obj

    def start_sim(self, *args, cls_level=False, **kwargs):
        sim = Sim(*args, **kwargs)
        return self._register(sim, sim.stop, cls_level)

    def new_project(self, sim=None, config=None, cls_level=False):
        project = Project(sim, config)
        return self._register(project, project.cleanup, cls_level)

    def spawn(self, project, *args, **popen_kwargs):
        proc = project.spawn(*args, **popen_kwargs)
        self.addCleanup(kill_process, proc)
        return proc

    def virtual_clock(self, start_us):
        clock = VirtualClock(start_us)
        self.addCleanup(clock.close)
        return clock


class VirtualClock:
    """A clock file shared by the simulator (--clock file:F) and datasync (DATASYNC_CLOCK_FILE=F): frozen,
    moved only by set() or by drive().

    drive() moves it as the engine asks and only then: every datasync process publishes in F.waits/<pid>.json
    whether any of its workers is busy and the earliest time a parked worker waits for (core/wait_board.hpp).
    When every live process is parked, the simulator has no call in flight, at least one worker waits for a
    time and that time is in the future, the clock jumps to the earliest such time. Nothing is in flight
    while it moves, so the vendor sees every call at the time the quota planned it: zero rejected calls is
    a property of the planner, not of CPU scheduling."""

    def __init__(self, start_us):
        self.dir = tempfile.mkdtemp(prefix="ds-clock-")
        self.path = os.path.join(self.dir, "clock")
        self.now_us = start_us
        self.lock = threading.Lock()
        self.write()
        self.moves = []  # every time drive() moved the clock, in order
        self._stop = threading.Event()
        self._thread = None
        self._error = None

    def write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(self.now_us))
        os.replace(tmp, self.path)

    def set(self, us):
        with self.lock:
            self.now_us = max(self.now_us, us)
            self.write()

    def boards(self):
        """{pid: board} of the live datasync processes on this clock."""
        out = {}
        for path in glob.glob(self.path + ".waits/*.json"):
            try:
                with open(path) as f:
                    board = json.load(f)
            except (OSError, ValueError):
                continue  # replaced while read: the next poll sees it
            if alive(board["pid"]):
                out[board["pid"]] = board
        return out

    def step(self, sims=()):
        """Moves the clock once if the engine is waiting for a time and nothing is in flight; True if it did."""
        first = self.boards()
        if not first or any(b["busy"] for b in first.values()):
            return False
        waits = [b["until_us"] for b in first.values() if b["until_us"] is not None]
        if not waits or min(waits) <= self.now_us:
            return False
        if any(s.gate_state()["in_flight"] for s in sims):
            return False
        # Still the same state (every board unchanged since the first read): nothing started in between.
        second = self.boards()
        if {p: b["seq"] for p, b in second.items()} != {p: b["seq"] for p, b in first.items()}:
            return False
        target = min(waits)
        self.set(target)
        self.moves.append(target)
        return True

    def drive(self, sims=()):
        """Moves the clock in a background thread until close() or stop_driving()."""
        def loop():
            try:
                while not self._stop.is_set():
                    if not self.step(sims):
                        time.sleep(0.002)
            except Exception as e:  # noqa: BLE001 - re-raised by stop_driving
                self._error = e
        self._stop.clear()
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop_driving(self):
        if self._thread:
            self._stop.set()
            self._thread.join()
            self._thread = None
        if self._error:
            raise self._error

    def close(self):
        self._stop.set()
        if self._thread:
            self._thread.join()
        shutil.rmtree(self.dir, ignore_errors=True)


def alive(pid):
    """True while pid runs (a zombie, exited but not yet reaped, is not alive)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


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


def weekdays(start, count):
    """The first `count` Monday-to-Friday dates from `start` (a datetime.date or "YYYYMMDD"), as "YYYYMMDD"."""
    d = start if isinstance(start, datetime.date) else datetime.date(int(start[:4]), int(start[4:6]),
                                                                      int(start[6:]))
    out = []
    while len(out) < count:
        if d.weekday() < 5:
            out.append(d.strftime("%Y%m%d"))
        d += datetime.timedelta(days=1)
    return out


def iso(yyyymmdd):
    if yyyymmdd is None:
        return None
    return "%s-%s-%s" % (yyyymmdd[0:4], yyyymmdd[4:6], yyyymmdd[6:8])
