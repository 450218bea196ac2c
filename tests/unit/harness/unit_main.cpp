// main() of every unit test binary, in place of gtest_main. Before any test runs:
// - The caller's DATASYNC_* environment variables are removed, except DATASYNC_TEST_* (the database URLs
//   the set-up hooks of scripts/test-setup.d export): DATASYNC_CLOCK_FILE, DATASYNC_PROJECT and the like
//   would silently change what the code under test does, so a developer's shell must not reach the tests,
//   whether ctest, scripts/test.sh or a hand runs the binary. A test that wants one sets it itself.
// - --update-golden (harness/golden.hpp) is the one argument besides GoogleTest's; any other is refused.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "harness/golden.hpp"

namespace {

void RemoveCallersDatasyncVariables() {
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (name.starts_with("DATASYNC_") && !name.starts_with("DATASYNC_TEST_")) names.emplace_back(name);
  }
  for (const auto& name : names) ::unsetenv(name.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  RemoveCallersDatasyncVariables();
  ::testing::InitGoogleTest(&argc, argv);  // removes the --gtest_* flags it knows
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--update-golden") {
      datasync::harness::SetUpdateGolden(true);
      continue;
    }
    std::fprintf(stderr, "%s: unknown argument '%s' (GoogleTest's --gtest_* flags and --update-golden are known)\n",
                 argv[0], argv[i]);
    return 2;
  }
  return RUN_ALL_TESTS();
}
