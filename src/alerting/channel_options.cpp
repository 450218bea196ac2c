#include "alerting/channel_options.hpp"

namespace datasync::alerting {

std::span<const core::OptionSpec> CommonChannelOptions() {
  static const std::vector<core::OptionSpec> table = {
      {kVerifyTls.name, core::OptionType::kBool, "true", false, "",
       "check the server's TLS certificate (off only for testing)"},
      {kCaFile.name, core::OptionType::kPath, "", false, "",
       "CA certificates (PEM) to trust instead of the system store; relative to the project"},
      {.name = kTimeoutSecs.name,
       .type = core::OptionType::kInt,
       .default_value = "10",
       .unit = "seconds",
       .description = "how long one delivery may take",
       .range = core::OptionRange{.min = 1, .max = 600}},
  };
  return table;
}

void AppendCommonChannelOptions(std::vector<core::OptionSpec>& table) {
  auto common = CommonChannelOptions();
  table.insert(table.end(), common.begin(), common.end());
}

void ReadCommonChannelOptions(const core::Options& options, const std::filesystem::path& project_dir,
                              ChannelSpec& spec) {
  spec.verify_tls = options.Get(kVerifyTls);
  if (auto f = options.Get(kCaFile); !f.empty()) {
    std::filesystem::path p(f);
    spec.ca_file = (p.is_relative() ? project_dir / p : p).string();
  }
  spec.timeout_secs = options.Get(kTimeoutSecs);
}

void CheckTemplateOption(const core::Options& options, const core::OptionKey<std::string>& key,
                         generation::Escape escape, core::OptionProblems& problems) {
  if (!options.Has(key.name)) return;
  if (auto parsed = generation::TextTemplate::Parse(options.Get(key), escape); !parsed) {
    problems.push_back({std::string(key.name), parsed.error().message()});
  }
}

}  // namespace datasync::alerting
