// Golden files (CONVENTIONS "Tests" 5): a test compares what the code produces with a file in the source
// tree. The file changes only when someone asks for it, by running the test binary with --update-golden
// (scripts/update-golden.sh does); no environment variable can switch a run from comparing to rewriting, so
// ctest and scripts/test.sh always compare, and the new file is a diff to review.
// Thread-safety: the flag is set by main() before any test runs.
#pragma once

#include <string>

namespace datasync::harness {

// Set by main() from --update-golden.
void SetUpdateGolden(bool update);

// Compares actual with the file at path byte for byte (a test failure that names the file and how to
// update it); when the binary runs with --update-golden, writes actual to path instead.
void ExpectGolden(const std::string& actual, const std::string& path);

}  // namespace datasync::harness
