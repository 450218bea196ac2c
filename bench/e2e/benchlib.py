"""What the end-to-end benchmarks in bench/e2e share: the binaries of a build, the project's simulator, a
datasync project, and the measurement of one child process (wall time, CPU, peak RSS)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BUILD = os.path.join(ROOT, "build", "release")
TOKEN = "bench-token"


def binaries(build):
    """(datasync, simulator) of a build folder; exits with what to build when one is missing."""
    ds = os.path.join(build, "src", "cli", "datasync")
    sim = os.path.join(build, "tools", "vendor-sim", "datasync-vendor-sim")
    for path in (ds, sim):
        if not os.access(path, os.X_OK):
            sys.exit("%s is missing: build it with `bash scripts/build.sh release datasync vendor_sim` "
                     "(or give --build)" % path)
    return ds, sim


class Simulator:
    """A running datasync-vendor-sim on a free loopback port, tokens TOKEN; stop() ends it. Its HTTP server
    gives each keep-alive connection a thread until the client lets it go, so fewer threads than datasync's
    connections (up to max_concurrency, 8 by default, plus the benchmark's own calls) leave a call waiting
    for an idle connection's keep-alive timeout (5 s) and measure the simulator, not datasync."""

    def __init__(self, sim, stocks, extra=(), threads=16):
        self.dir = tempfile.mkdtemp(prefix="ds-bench-sim-")
        port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen([sim, "--port", "0", "--port-file", port_file, "--stocks", str(stocks),
                                      "--tokens", TOKEN, "--threads", str(threads), *extra],
                                     stdout=subprocess.DEVNULL)
        for _ in range(400):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            if self.proc.poll() is not None:
                sys.exit("the simulator exited with %s at start-up (arguments: %s)" % (self.proc.returncode, extra))
            time.sleep(0.025)
        else:
            self.stop()
            sys.exit("the simulator did not write its port within 10 s")
        self.port = int(open(port_file).read().strip())
        self.url = "http://127.0.0.1:%d" % self.port

    def call(self, api, params=None, fields=""):
        """One Tushare call; returns its `data` (exits on a vendor error)."""
        body = json.dumps({"api_name": api, "token": TOKEN, "params": params or {}, "fields": fields}).encode()
        with urllib.request.urlopen(urllib.request.Request(self.url + "/", data=body)) as r:
            doc = json.loads(r.read())
        if doc["code"] != 0:
            sys.exit("the simulator answered %s to %s %s: %s" % (doc["code"], api, params, doc["msg"]))
        return doc["data"]

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        with urllib.request.urlopen(urllib.request.Request(self.url + path, data=data, method=method)) as r:
            return json.loads(r.read())

    def stock_codes(self, n):
        items = self.call("stock_basic", {"list_status": "L"}, "ts_code,list_date")["items"]
        return [i[0] for i in items][:n]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Measured:
    wall: float  # seconds
    user: float  # CPU seconds in user mode
    sys: float  # and in the kernel
    rss_mib: float  # peak resident set
    stdout: str
    stderr: str

    @property
    def cpu(self):
        return self.user + self.sys


GNU_TIME = "/usr/bin/time"  # Debian's `time` package (scripts/deps/bench.txt)


def run_measured(cmd, env=None, what=None):
    """Runs cmd to its end and measures that child alone: wall time; user and system CPU through os.wait4
    (its own and its descendants', not those of earlier children); peak RSS through GNU time's %M. Not
    os.wait4's ru_maxrss: Linux carries the high-water mark of resident memory across fork and exec, so a
    child of this process never reports less than this process's own RSS when it forked (about 25 MiB of
    Python); GNU time is small, and so is that floor under its child. Exits with the output when cmd fails."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss.name, *cmd] if os.access(GNU_TIME, os.X_OK) else cmd
        t0 = time.perf_counter()
        proc = subprocess.Popen(wrapped, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        # GNU time writes "Command exited with non-zero status N" before the format when cmd fails.
        lines = rss.read().split()
        rss_kib = int(lines[-1]) if wrapped is not cmd and lines else usage.ru_maxrss
        result = Measured(wall, usage.ru_utime, usage.ru_stime, rss_kib / 1024.0, out.read(), err.read())
    if proc.returncode != 0:
        sys.exit("%s failed (%d): %s\n%s\n%s" % (what or cmd[0], proc.returncode, " ".join(cmd), result.stdout,
                                                   result.stderr))
    return result


def datasync_project(config):
    """A fresh project folder holding datasync.yaml = config."""
    project = tempfile.mkdtemp(prefix="ds-bench-")
    with open(os.path.join(project, "datasync.yaml"), "w") as f:
        f.write(config)
    return project


def daily_project(sim_url, storage, plan_keys, limits=""):
    """A fresh project syncing the simulator's `daily`: the source `tushare` at sim_url (token BENCH_TOKEN,
    `limits` if given), the storage `out` (`storage`: a YAML flow mapping) and the plan `backfill` of `daily`
    into it, whose further keys (params, concurrency, ...) are `plan_keys`, lines indented by four spaces."""
    return datasync_project("""version: 1
sources:
  tushare:
    provider: tushare
    endpoint: %s
    token: ${BENCH_TOKEN}%s
datasets:
  daily: {source: tushare}
storages:
  out: %s
plans:
  backfill:
    dataset: daily
    storages: [out]
%s""" % (sim_url, "\n    limits: %s" % limits if limits else "", storage, plan_keys))


def datasync_env():
    return dict(os.environ, BENCH_TOKEN=TOKEN)


def datasync_apply(ds, project):
    proc = subprocess.run([ds, "--project", project, "apply"], env=datasync_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("datasync apply failed (%d) in %s:\n%s%s" % (proc.returncode, project, proc.stdout, proc.stderr))


def datasync_run(ds, project, plan):
    """`datasync run PLAN --json`, measured; returns (Measured, the run's report). Exits unless it succeeded."""
    m = run_measured([ds, "--project", project, "run", plan, "--json"], datasync_env(), "datasync run")
    report = json.loads(m.stdout)[0]["report"]
    if report["status"] != "succeeded":
        sys.exit("run did not succeed: %s\n%s" % (report["status"], m.stderr))
    return m, report
