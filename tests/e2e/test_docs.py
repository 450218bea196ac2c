"""The docs embed each plugin's option table exactly as `datasync plugins --markdown` renders it from the
option table that also validates the config, so a new or changed option cannot go undocumented."""

import os
import re
import subprocess
import sys
import unittest

import harness
from harness import read_text

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class DocsTest(unittest.TestCase):
    def test_every_plugin_page_has_its_current_option_table(self):
        out = subprocess.run([harness.DATASYNC, "plugins", "--markdown"], capture_output=True, text=True,
                             check=True).stdout
        sections = re.findall(r"^### (provider|sink) `([^`]+)`\n\n.*?\n\n((?:\|.*\n)+)", out, re.M)
        self.assertGreaterEqual(len(sections), 4)
        for kind, plugin_id, table in sections:
            folder = "providers" if kind == "provider" else "storage"
            page = os.path.join(ROOT, "docs", folder, plugin_id + ".md")
            with self.subTest(plugin=plugin_id):
                self.assertTrue(os.path.exists(page), "missing docs page " + page)
                self.assertIn(table, read_text(page),
                              "%s is out of date: paste the table from `datasync plugins --markdown`" % page)

    def test_plugins_json_lists_options_with_defaults(self):
        out = subprocess.run([harness.DATASYNC, "plugins", "--json"], capture_output=True, text=True, check=True)
        import json
        doc = json.loads(out.stdout)
        sinks = {s["id"]: s for s in doc["sinks"]}
        self.assertIn("sqlite", sinks)
        path = next(o for o in sinks["sqlite"]["options"] if o["name"] == "path")
        self.assertTrue(path["required"])
        tushare = next(p for p in doc["providers"] if p["id"] == "tushare")
        self.assertEqual(tushare["default_endpoint"], "https://api.tushare.pro")


if __name__ == "__main__":
    unittest.main(argv=harness.parse_args(sys.argv), verbosity=2)
