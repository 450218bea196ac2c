// The time-series API answers for database QTS (codes = the universe's tickers): data.json with
// start_date, end_date, order, limit and column_index, and metadata.json. The values are QSIM/EQ's.
#include <algorithm>
#include <climits>
#include <nlohmann/json.hpp>

#include "json_writer.hpp"
#include "ndl/ndl_responses.hpp"
#include "ndl/ndl_universe.hpp"

namespace datasync::vendorsim::ndl {
namespace {

const std::vector<std::string> kColumnNames{"Date", "Open", "High", "Low", "Close", "Volume"};

std::optional<std::string> Single(const std::vector<Param>& params, const std::string& name) {
  const Param* p = FindParam(params, name);
  if (!p || p->values.empty()) return std::nullopt;
  // A comma list was split on the way in; a time-series parameter takes the text whole.
  std::string joined;
  for (size_t i = 0; i < p->values.size(); ++i) joined += (i ? "," : "") + p->values[i];
  return joined;
}

std::optional<int64_t> WholeNumber(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(text);
}

}  // namespace

std::optional<NdlError> DatasetData(const NdlUniverse& u, size_t ticker, const std::vector<Param>& params,
                                    std::string& body) {
  const int oldest = u.FirstTradingDay(ticker);
  const int newest = u.LastTradingDay(ticker);
  int from = oldest, to = newest;
  for (const char* name : {"start_date", "end_date"}) {
    if (const std::optional<std::string> v = Single(params, name)) {
      const std::optional<int> day = ParseIsoDate(*v);
      if (!day) return MakeError("QESx02", std::string(name) + " must be a date as YYYY-MM-DD, got '" + *v + "'.");
      if (name[0] == 's') {
        from = std::max(from, *day);
      } else {
        to = std::min(to, *day);
      }
    }
  }
  std::optional<std::string> order = Single(params, "order");
  if (order && *order != "asc" && *order != "desc") {
    return MakeError("QESx02", "order must be asc or desc, got '" + *order + "'.");
  }
  std::optional<int64_t> limit;
  if (const std::optional<std::string> v = Single(params, "limit")) {
    limit = WholeNumber(*v);
    if (!limit || *limit < 1) return MakeError("QESx02", "limit must be a positive whole number, got '" + *v + "'.");
  }
  std::optional<int64_t> column_index;
  if (const std::optional<std::string> v = Single(params, "column_index")) {
    column_index = WholeNumber(*v);
    if (!column_index || *column_index > 5) {
      return MakeError("QESx02", "column_index must be a whole number from 0 to 5, got '" + *v + "'.");
    }
  }
  for (const char* name : {"collapse", "transform"}) {
    const std::optional<std::string> v = Single(params, name);
    if (v && !v->empty() && *v != "none") {
      return MakeError("QESx10",
                       std::string(name) + "=" + *v +
                           " is not supported by the simulator (only none); fetch daily data and compute it.");
    }
  }
  std::vector<int> columns{0};
  if (column_index) {
    if (*column_index > 0) columns.push_back(static_cast<int>(*column_index));
  } else {
    columns = {0, 1, 2, 3, 4, 5};
  }

  std::vector<int> days;
  for (int day = from; day <= to; ++day) {
    if (u.Trades(ticker, day)) days.push_back(day);
  }
  const bool ascending = order && *order == "asc";
  if (!ascending) std::reverse(days.begin(), days.end());
  if (limit && static_cast<size_t>(*limit) < days.size()) days.resize(static_cast<size_t>(*limit));

  JsonWriter w(body, JsonStyle::kCompact);
  body.reserve(256 + days.size() * 64);
  body += "{\"dataset_data\":{\"limit\":";
  limit ? w.Int(*limit) : w.Null();
  body += ",\"transform\":null,\"column_index\":";
  column_index ? w.Int(*column_index) : w.Null();
  body += ",\"column_names\":[";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) body.push_back(',');
    w.PlainString(kColumnNames[static_cast<size_t>(columns[i])]);
  }
  body += "],\"start_date\":";
  w.PlainString(IsoDate(from));
  body += ",\"end_date\":";
  w.PlainString(IsoDate(to));
  body += ",\"frequency\":\"daily\",\"data\":[";
  for (size_t r = 0; r < days.size(); ++r) {
    if (r) body.push_back(',');
    const EquityBar bar = u.Bar(ticker, days[r]);
    body.push_back('[');
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i) body.push_back(',');
      switch (columns[i]) {
        case 0: w.PlainString(IsoDate(days[r])); break;
        case 1: w.Scaled(bar.open, 4); break;
        case 2: w.Scaled(bar.high, 4); break;
        case 3: w.Scaled(bar.low, 4); break;
        case 4: w.Scaled(bar.close, 4); break;
        default: w.Int(bar.volume);
      }
    }
    body.push_back(']');
  }
  body += "],\"collapse\":null,\"order\":";
  order ? w.PlainString(*order) : w.Null();
  body += "}}";
  return std::nullopt;
}

std::string DatasetMetadata(const NdlUniverse& u, size_t ticker) {
  using Json = nlohmann::ordered_json;
  const std::string& code = u.Ticker(ticker);
  Json dataset{{"id", 1000000 + ticker},
               {"dataset_code", code},
               {"database_code", kSeriesDatabase},
               {"name", code + " daily prices (simulated)"},
               {"description",
                "Synthetic end-of-day open, high, low, close and volume of " + code + ", the same values as QSIM/EQ."},
               {"refreshed_at", "2025-01-01T22:00:00Z"},
               {"newest_available_date", IsoDate(u.LastTradingDay(ticker))},
               {"oldest_available_date", IsoDate(u.FirstTradingDay(ticker))},
               {"column_names", kColumnNames},
               {"frequency", "daily"},
               {"type", "Time Series"},
               {"premium", false},
               {"database_id", 4242}};
  return Json{{"dataset", std::move(dataset)}}.dump();
}

}  // namespace datasync::vendorsim::ndl
