"""Checks that CMake registered every test class of every tests/e2e/test_*.py as its own CTest test.

CMake finds the classes with a regex over the files (`class X(...TestCase...):`), which misses a class
that derives from another test class or is imported from another file; unittest would run such a class
when the file is run whole, but no CTest test would. Usage (CMake passes it):
    check_registration.py FILE=Class,Class FILE=Class ..."""

import importlib.util
import os
import sys
import unittest


def classes_unittest_runs(path):
    """The TestCase classes with tests that `python3 path` (unittest.main) would run."""
    sys.path.insert(0, os.path.dirname(path))
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    loader = unittest.TestLoader()
    return {obj.__name__ for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, unittest.TestCase) and loader.getTestCaseNames(obj)}


def main(argv):
    failures = []
    for arg in argv[1:]:
        path, _, names = arg.partition("=")
        registered = set(filter(None, names.split(",")))
        found = classes_unittest_runs(path)
        if found != registered:
            failures.append("%s: unittest runs %s, CTest has %s (missing: %s, extra: %s)" % (
                path, sorted(found), sorted(registered), sorted(found - registered) or "none",
                sorted(registered - found) or "none"))
    if failures:
        print("tests/e2e/CMakeLists.txt found other classes than unittest does; declare each test class "
              "as `class Name(unittest.TestCase):` in the file that runs it:\n  " + "\n  ".join(failures))
        return 1
    print("%d files, each class registered once" % (len(argv) - 1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
