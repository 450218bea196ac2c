// Alert channel types as plugins, in the shape of sinks and providers: each type (email, webhook) declares
// its settings once as an option table and a descriptor, and is registered from app/registries.cpp
// (RegisterBuiltinChannels). Config loading parses a channel's options from its table (file:line
// positions, types, ranges, secrets), runs `validate` for the rules the table cannot state, and `build`s
// the typed ChannelSpec the dispatcher uses. Adding a channel type: its files here + one registry line.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/alerts_config.hpp"
#include "core/options.hpp"

namespace datasync::alerting {

struct ChannelInfo {
  std::string id;  // the `type:` of a channel: "email", "webhook"
  std::string description;
  // Every key of a channel except `type` and `headers`.
  std::span<const core::OptionSpec> options;
  // The channel takes a `headers:` map of HTTP headers (a map-valued setting the option table cannot state;
  // config loading reads it into ChannelSpec::headers, treating Authorization and *token* values as secrets).
  bool http_headers = false;
  // The rules beyond the table's types (a URL's scheme, a template that parses, a non-empty recipient
  // list), on the options that are set, with defaults applied; no I/O. Config loading reports each problem
  // at its key's value. Empty: no such rules.
  std::function<core::OptionProblems(const core::Options&, const core::OptionCheckContext&)> validate;
  // The typed spec from validated options; relative paths resolve against project_dir.
  std::function<ChannelSpec(const std::string& name, const core::Options&, const std::filesystem::path& project_dir)>
      build;
};

class ChannelRegistry {
 public:
  void Register(ChannelInfo info);
  const ChannelInfo* Find(std::string_view id) const;
  std::vector<std::string> Ids() const;  // in registration order

 private:
  std::vector<ChannelInfo> infos_;
};

// The registrations of the built-in channel types (called from app/registries.cpp).
void RegisterEmailChannel(ChannelRegistry& registry);
void RegisterWebhookChannel(ChannelRegistry& registry);

}  // namespace datasync::alerting
