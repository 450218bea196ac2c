// Fuzz target: the config loader (app/config.hpp), datasync.yaml text -> a Config or its problems, with the
// built-in providers, sinks and system database backends (their option tables take part in validation).
//
// Input: the file's text. Checks, besides the sanitizers: the loader returns (no exception escapes); a
// config is produced exactly when no issue is an error; every issue names the file, a line within it (or
// 0 when unknown) and a message, and formats.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "app/config.hpp"
#include "app/registries.hpp"

namespace app = datasync::app;

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "config loader fuzz: %s\n", what.c_str());
  std::abort();
}

struct Registries {
  datasync::datasource::ProviderRegistry providers;
  datasync::storage::SinkRegistry sinks;
  datasync::metadata::SystemDbFactory system_dbs;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Registries* r = [] {
    auto* regs = new Registries;
    app::RegisterBuiltinProviders(regs->providers);
    app::RegisterBuiltinSinks(regs->sinks);
    app::RegisterBuiltinSystemDbs(regs->system_dbs);
    return regs;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';
  app::ConfigResult result;
  try {
    result = app::ConfigLoader(r->providers, r->sinks, {}, app::LoadOptions{.system_dbs = &r->system_dbs})
                 .LoadString(text, "datasync.yaml", "/nonexistent/fuzz-project");
  } catch (const std::exception& e) {
    Fail(std::string("an exception escaped: ") + e.what());
  }
  bool has_error = false;
  for (const auto& issue : result.issues) {
    has_error = has_error || !issue.warning;
    if (issue.where.file != "datasync.yaml") Fail("an issue names the file '" + issue.where.file + "'");
    if (issue.where.line < 0 || issue.where.line > lines) {
      Fail("an issue is at line " + std::to_string(issue.where.line) + " of a " + std::to_string(lines) +
           "-line file: " + issue.message);
    }
    if (issue.message.empty()) Fail("an issue without a message");
    if (app::FormatIssue(issue).empty()) Fail("an issue formats as nothing");
  }
  if (result.ok() == has_error) {
    Fail(result.ok() ? "a config was produced despite an error" : "no config and no error says why");
  }
  return 0;
}
