"""The web app in a real headless Chromium (issue 13): tests/browser/web_app.mjs (puppeteer-core driving
Debian's /usr/bin/chromium) against a real `datasync serve` over the simulator. It signs in, starts a plan
and watches its progress arrive over SSE, pauses and resumes the run, pages, filters and searches its
tasks, makes a storage and a plan in the Manage forms and runs the plan, tests a template, checks that a
viewer sees no operator buttons, and opens the dataset's page, asserting on what each page shows. Screenshots go to $DATASYNC_TEST_ARTIFACTS/web (default: the build folder's
test-artifacts/web), in light and in dark mode."""

import json
import os
import shutil
import subprocess
import sys
import unittest

import harness
from harness import E2ETestCase, weekdays
from test_web_api import WebDaemon, make_token, project_config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DRIVER = os.path.join(ROOT, "tests", "browser", "web_app.mjs")
# 120 trading days, one call each, at most one call in flight and 250 ms per call: a run of about 30 s,
# long enough to watch, pause and resume.
DAYS = weekdays("20240102", 120)


def artifacts_dir(name):
    base = os.environ.get("DATASYNC_TEST_ARTIFACTS") or os.path.join(
        os.path.dirname(os.path.abspath(harness.DATASYNC)), "..", "..", "test-artifacts")
    path = os.path.join(base, "web", name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


class BrowserTest(E2ETestCase):
    def run_driver(self, scheme):
        if not os.path.isdir(os.path.join(ROOT, "tests", "browser", "node_modules", "puppeteer-core")):
            self.fail("tests/browser/node_modules is missing: scripts/test-setup.d/30-browser.sh installs it "
                      "(scripts/test.sh runs it)")
        sim = self.start_sim("--latency-ms", "250", stocks=20)
        project = self.new_project(sim, project_config(sim.url, days=DAYS, limits="{concurrency: 1}", calendar=True))
        project.ds("run", "cal")  # the calendar the dataset page's coverage reads
        daemon = WebDaemon(self, project)
        viewer = make_token(project, "vera", "viewer")
        out_dir = artifacts_dir(scheme)
        env = dict(os.environ, DATASYNC_URL=daemon.url, OPERATOR_TOKEN=daemon.admin, VIEWER_TOKEN=viewer,
                   PLAN="bars", ARTIFACTS=out_dir, TASK_QUERY="202402", COLOR_SCHEME=scheme)
        proc = subprocess.run(["node", DRIVER], env=env, capture_output=True, text=True, timeout=600)
        report = proc.stdout + proc.stderr
        self.assertEqual(proc.returncode, 0, report + "\n--- serve:\n" + daemon.output()[-4000:])
        passed = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("ok ")]
        self.assertEqual(passed, ["no_credentials", "sign_in_operator", "start_and_watch", "pause_resume",
                                  "run_page_tasks", "manage_create_and_run", "viewer_read_only", "dataset_page"],
                         report)
        shots = sorted(f for f in os.listdir(out_dir) if f.endswith(".png"))
        self.assertGreaterEqual(len(shots), 8, shots)
        # What the browser did is what the server recorded: a run started and paused by admin from the page.
        audit = json.loads(project.ds("audit", "--json", "--limit", "200").stdout)
        actions = {(e["actor"], e["action"]) for e in audit}
        for expected in (("admin", "session.create"), ("admin", "plan.run"), ("admin", "run.pause"),
                         ("admin", "run.resume"), ("vera", "session.create"), ("admin", "object.create")):
            self.assertIn(expected, actions)
        return report

    def test_the_web_app_in_chromium_light(self):
        self.run_driver("light")

    def test_the_web_app_in_chromium_dark(self):
        self.run_driver("dark")


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
