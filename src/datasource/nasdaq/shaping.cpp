#include "datasource/nasdaq/shaping.hpp"

#include "datasource/nasdaq/cursor_chain.hpp"
#include "datasource/splitting.hpp"

namespace datasync::datasource::nasdaq {

namespace {

bool Has(const Params& params, const std::string& name) {
  for (const auto& [k, v] : params) {
    if (k == name) return true;
  }
  return false;
}

bool IsFilter(const std::string& name) {
  return !name.empty() && name.front() != '_' && !name.starts_with("qopts.");
}

}  // namespace

std::optional<std::vector<Params>> SplitRequest(const NdlApi& api, const Params& params) {
  ChainState chain = ReadChain(params);
  if (chain.has_cursor || chain.rows > 0) return std::nullopt;
  if (api.kind == NdlApi::Kind::kTimeSeries) {
    return DateWindowSplitter("start_date", "end_date", DateFormat::kIso).Split(params);
  }
  for (const auto& [name, value] : params) {
    if (!IsFilter(name) || !name.ends_with(".gte")) continue;
    std::string column = name.substr(0, name.size() - 4);
    if (!Has(params, column + ".lte")) continue;
    if (auto halves = DateWindowSplitter(name, column + ".lte", DateFormat::kAsGiven).Split(params)) return halves;
  }
  std::vector<std::string> filters;
  for (const auto& [name, value] : params) {
    if (IsFilter(name)) filters.push_back(name);
  }
  if (filters.empty()) return std::nullopt;
  return KeyListSplitter(filters, ',').Split(params);
}

}  // namespace datasync::datasource::nasdaq
