#include "generation/argument_spec.hpp"

#include <algorithm>

namespace datasync::generation {

using Kind = ParamSource::Kind;

std::vector<ParamSource> ComposeSources(const Template* tmpl, const std::vector<ParamSource>& own) {
  std::vector<ParamSource> out;
  if (tmpl != nullptr) out = tmpl->params;
  for (const auto& s : own) {
    auto same = std::find_if(out.begin(), out.end(), [&](const ParamSource& t) { return t.name == s.name; });
    if (same != out.end()) {
      *same = s;
    } else {
      out.push_back(s);
    }
  }
  return out;
}

namespace {

void Inspect(const ParamSource& s, SourceUse& use) {
  auto define = [&](const std::string& name) {
    use.defined.push_back(name);
    if (name.empty() || name[0] != '_') use.sent.push_back(name);
  };
  switch (s.kind) {
    case Kind::kProduct:
    case Kind::kZip:
      for (const auto& c : s.children) Inspect(c, use);
      return;
    case Kind::kWindows:
      for (const auto& c : s.columns) define(c);
      return;
    case Kind::kSinceCheckpoint:
      use.uses_checkpoint = true;
      if (!s.dataset.empty()) use.reads.emplace_back(s.dataset, s.storage);
      define(s.name);
      return;
    case Kind::kTradingDays:
    case Kind::kColumn:
      use.reads.emplace_back(s.dataset, s.storage);
      define(s.name);
      return;
    default: define(s.name); return;
  }
}

}  // namespace

SourceUse InspectSources(const std::vector<ParamSource>& sources) {
  SourceUse use;
  for (const auto& s : sources) Inspect(s, use);
  return use;
}

std::string_view KindName(ParamSource::Kind kind) {
  switch (kind) {
    case Kind::kConstant: return "constant";
    case Kind::kList: return "list";
    case Kind::kDateRange: return "dates";
    case Kind::kTradingDays: return "trading_days";
    case Kind::kColumn: return "column";
    case Kind::kWindows: return "windows";
    case Kind::kSinceCheckpoint: return "since_checkpoint";
    case Kind::kNow: return "now";
    case Kind::kFormat: return "format";
    case Kind::kProduct: return "product";
    case Kind::kZip: return "zip";
  }
  return "?";
}

}  // namespace datasync::generation
