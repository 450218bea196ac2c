// `datasync asof DATASET TIME`: a dataset as it was known at TIME (app/asof.hpp), as CSV or JSON lines, to
// stdout or to a file (written aside and renamed into place, so a file that exists is whole).
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/asof.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/dates.hpp"
#include "core/json_text.hpp"

namespace datasync::cli {

int CmdAsOf(const Globals& g, const AsOfArgs& args) {
  app::AsOfOptions o;
  o.dataset = args.dataset;
  o.storage = args.storage;
  o.time = args.time;
  auto format = app::ParseExportFormat(args.format);
  if (!format) {
    std::fprintf(stderr, "error: --format: expected csv or jsonl\n");
    return kUsage;
  }
  o.format = *format;
  if (!ParseDayBounds(args.from, args.to, o.from, o.to)) return kUsage;
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());

  std::FILE* out = stdout;
  std::filesystem::path target, partial;
  if (!args.output.empty()) {
    target = args.output;
    partial = target;
    partial += ".partial";
    out = std::fopen(partial.c_str(), "wb");
    if (!out) {
      std::fprintf(stderr, "error: cannot write %s: %s\n", partial.c_str(), std::strerror(errno));
      return kRunFailed;
    }
  }
  bool write_failed = false;
  auto r = app::ExportAsOf(**a, o, [&](std::string_view text) {
    if (!write_failed && std::fwrite(text.data(), 1, text.size(), out) != text.size()) write_failed = true;
  });
  if (out == stdout) {
    std::fflush(stdout);
  } else {
    write_failed = std::fflush(out) != 0 || write_failed;
    write_failed = std::fclose(out) != 0 || write_failed;
    std::error_code ec;
    if (!r || write_failed) {
      std::filesystem::remove(partial, ec);
    } else {
      std::filesystem::rename(partial, target, ec);
      write_failed = static_cast<bool>(ec);
    }
  }
  if (!r) return ExitWithError(r.error());
  if (write_failed) {
    std::fprintf(stderr, "error: cannot write %s\n", target.empty() ? "to stdout" : target.c_str());
    return kRunFailed;
  }
  std::string at = core::FormatTimestamp(r->at);
  if (g.json && !target.empty()) {
    nlohmann::ordered_json j = {{"dataset", r->dataset}, {"storage", r->storage}, {"as_of", at},
                                {"rows", r->rows},       {"columns", r->columns}, {"output", target.string()}};
    Print(core::JsonText(j, 2) + "\n");
    return kOk;
  }
  std::string line = fmt::format("{} row(s) of {} as known at {} UTC, from storage {}{}\n", r->rows, r->dataset, at,
                                 r->storage, target.empty() ? std::string() : " -> " + target.string());
  // The rows own stdout unless they went to a file.
  if (target.empty()) {
    std::fputs(line.c_str(), stderr);
  } else {
    Print(line);
  }
  return kOk;
}

}  // namespace datasync::cli
