#include "data_apis.hpp"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>

#include "civil_date.hpp"
#include "comma_list.hpp"
#include "data_modes.hpp"

namespace datasync::vendorsim {
namespace {

enum class ApiId { kTradeCal, kStockBasic, kDaily, kAdjFactor, kDailyBasic, kFundDaily };

struct ApiSpec {
  std::string_view name;
  ApiId id;
  std::vector<std::string_view> fields;
  std::vector<std::string_view> default_fields;
};

const std::vector<ApiSpec>& Specs() {
  static const std::vector<ApiSpec> specs = [] {
    const std::vector<std::string_view> daily = {"ts_code",   "trade_date", "open",    "high", "low",   "close",
                                                 "pre_close", "change",     "pct_chg", "vol",  "amount"};
    const std::vector<std::string_view> stock_basic = {
        "ts_code",   "symbol",      "name",   "area",     "industry",    "fullname",
        "enname",    "cnspell",     "market", "exchange", "curr_type",   "list_status",
        "list_date", "delist_date", "is_hs",  "act_name", "act_ent_type"};
    const std::vector<std::string_view> daily_basic = {
        "ts_code",     "trade_date", "close",    "turnover_rate", "turnover_rate_f", "volume_ratio", "pe",
        "pe_ttm",      "pb",         "ps",       "ps_ttm",        "dv_ratio",        "dv_ttm",       "total_share",
        "float_share", "free_share", "total_mv", "circ_mv"};
    const std::vector<std::string_view> trade_cal = {"exchange", "cal_date", "is_open", "pretrade_date"};
    const std::vector<std::string_view> adj_factor = {"ts_code", "trade_date", "adj_factor"};
    const std::vector<std::string_view> fund_daily = {"ts_code", "trade_date", "pre_close", "open", "high",  "low",
                                                      "close",   "change",     "pct_chg",   "vol",  "amount"};
    return std::vector<ApiSpec>{
        {"trade_cal", ApiId::kTradeCal, trade_cal, trade_cal},
        {"stock_basic",
         ApiId::kStockBasic,
         stock_basic,
         {"ts_code", "symbol", "name", "area", "industry", "cnspell", "market", "list_date", "act_name",
          "act_ent_type"}},
        {"daily", ApiId::kDaily, daily, daily},
        {"adj_factor", ApiId::kAdjFactor, adj_factor, adj_factor},
        {"daily_basic", ApiId::kDailyBasic, daily_basic, daily_basic},
        {"fund_daily", ApiId::kFundDaily, fund_daily, fund_daily},
    };
  }();
  return specs;
}

const ApiSpec* FindSpec(std::string_view name) {
  for (const ApiSpec& spec : Specs()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// daily after the vendor's schema change: a volume-weighted average price at the end.
const std::vector<std::string_view>& DailyChangedFields() {
  static const std::vector<std::string_view> fields = {"ts_code",   "trade_date", "open",    "high", "low",    "close",
                                                       "pre_close", "change",     "pct_chg", "vol",  "amount", "vwap"};
  return fields;
}
constexpr size_t kVwapColumn = 11;

const std::vector<std::string_view>& FieldsOf(const ApiSpec& spec, bool schema_change) {
  return schema_change && spec.id == ApiId::kDaily ? DailyChangedFields() : spec.fields;
}

// Field names → column indexes into the API's fields, in the requested order without repeats.
bool ResolveColumns(const ApiSpec& spec, bool schema_change, const std::vector<std::string>& requested,
                    std::vector<size_t>& columns, std::string& error) {
  const std::vector<std::string_view>& fields = FieldsOf(spec, schema_change);
  const std::vector<std::string_view>& defaults =
      schema_change && spec.id == ApiId::kDaily ? fields : spec.default_fields;
  const auto index_of = [&](std::string_view f) -> std::optional<size_t> {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i] == f) return i;
    }
    return std::nullopt;
  };
  for (const std::string& raw : requested) {
    const std::string_view f = Trim(raw);
    if (f.empty()) continue;
    const std::optional<size_t> i = index_of(f);
    if (!i) {
      error = "接口" + std::string(spec.name) + "不包含字段" + std::string(f);
      return false;
    }
    if (std::find(columns.begin(), columns.end(), *i) == columns.end()) columns.push_back(*i);
  }
  if (columns.empty()) {
    for (std::string_view f : defaults) columns.push_back(*index_of(f));
  }
  // After the schema change the new column comes with every daily answer, asked for or not, so a client
  // that asks for the old fields sees the drift in the response.
  if (schema_change && spec.id == ApiId::kDaily &&
      std::find(columns.begin(), columns.end(), kVwapColumn) == columns.end()) {
    columns.push_back(kVwapColumn);
  }
  return true;
}

// Typed reads of request params; each returns false with error() set when a given value is invalid.
class ParamReader {
 public:
  explicit ParamReader(const Params& params) : params_(params) {}

  const std::string& error() const { return error_; }

  bool Text(std::string_view name, std::optional<std::string>& out) {
    const ParamValue* v = Find(name);
    if (v == nullptr) return true;
    if (!v->scalar) return Fail(name, v->text, "应为字符串");
    out = v->text;
    return true;
  }

  bool Date(std::string_view name, std::optional<int>& out) {
    const ParamValue* v = Find(name);
    if (v == nullptr) return true;
    const std::optional<int> day = v->scalar ? ParseYmd(v->text) : std::nullopt;
    if (!day) return Fail(name, v->text, "应为YYYYMMDD格式的日期");
    out = day;
    return true;
  }

  bool NonNegativeInt(std::string_view name, std::optional<int64_t>& out) {
    const ParamValue* v = Find(name);
    if (v == nullptr) return true;
    const std::string_view t = v->text;
    const bool digits = v->scalar && !t.empty() && t.size() <= 12 &&
                        std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) return Fail(name, v->text, "应为非负整数");
    out = std::stoll(std::string(t));
    return true;
  }

  bool ZeroOrOne(std::string_view name, std::optional<int>& out) {
    const ParamValue* v = Find(name);
    if (v == nullptr) return true;
    if (!v->scalar || (v->text != "0" && v->text != "1")) return Fail(name, v->text, "应为0或1");
    out = v->text == "1" ? 1 : 0;
    return true;
  }

 private:
  const ParamValue* Find(std::string_view name) const {
    const auto it = params_.find(std::string(name));
    return it == params_.end() ? nullptr : &it->second;
  }

  bool Fail(std::string_view name, std::string_view value, std::string_view expected) {
    error_ = "参数" + std::string(name) + "的值无效：" + std::string(value) + "，" + std::string(expected);
    return false;
  }

  const Params& params_;
  std::string error_;
};

// Row bookkeeping shared by every endpoint: separators, the row cap and has_more.
class RowEmitter {
 public:
  RowEmitter(JsonWriter& writer, size_t cap) : w_(writer), cap_(cap) {}

  // False once the cap is reached; the caller stops, and has_more becomes true.
  bool Begin() {
    if (count_ >= cap_) {
      has_more_ = true;
      return false;
    }
    if (count_ > 0) w_.Comma();
    w_.Char('[');
    return true;
  }
  void End() {
    w_.Char(']');
    ++count_;
  }
  // Separator before every cell but the first of a row.
  void Cell(size_t position) {
    if (position > 0) w_.Comma();
  }
  void MarkHasMore() { has_more_ = true; }
  size_t count() const { return count_; }
  bool has_more() const { return has_more_; }

 private:
  JsonWriter& w_;
  size_t cap_;
  size_t count_ = 0;
  bool has_more_ = false;
};

void WriteYmd(JsonWriter& w, int day) {
  char buf[8];
  FormatYmd(day, buf);
  w.PlainString(std::string_view(buf, 8));
}

void WriteOptional(JsonWriter& w, int64_t value, int decimals) {
  if (value == kNullValue) {
    w.Null();
  } else {
    w.Scaled(value, decimals);
  }
}

void WriteOptional(JsonWriter& w, const std::optional<std::string>& value) {
  if (value) {
    w.String(*value);
  } else {
    w.Null();
  }
}

// The (stock, day) cells that daily, adj_factor and daily_basic share, in trade_date desc, ts_code order.
struct BarQuery {
  std::vector<size_t> stocks;  // ascending indexes into MarketData::stocks()
  int first_day = 0;
  int last_day = -1;
};

bool ParseBarQuery(const MarketData& market, const Params& params, int published_through, BarQuery& query,
                   std::string& error) {
  ParamReader reader(params);
  std::optional<std::string> ts_code;
  std::optional<int> trade_date, start_date, end_date;
  if (!reader.Text("ts_code", ts_code) || !reader.Date("trade_date", trade_date) ||
      !reader.Date("start_date", start_date) || !reader.Date("end_date", end_date)) {
    error = reader.error();
    return false;
  }
  const TradingCalendar& calendar = market.calendar();
  if (ts_code) {
    for (std::string_view code : SplitCommaList(*ts_code)) {
      if (const std::optional<size_t> i = market.Find(code)) query.stocks.push_back(*i);
    }
    std::sort(query.stocks.begin(), query.stocks.end());
    query.stocks.erase(std::unique(query.stocks.begin(), query.stocks.end()), query.stocks.end());
  } else {
    query.stocks.resize(market.stocks().size());
    for (size_t i = 0; i < query.stocks.size(); ++i) query.stocks[i] = i;
  }
  const int last_visible = std::min(published_through, calendar.last_day());
  if (trade_date) {
    query.first_day = query.last_day = *trade_date;
  } else if (ts_code || start_date || end_date) {
    query.first_day = start_date.value_or(calendar.first_day());
    query.last_day = end_date.value_or(calendar.last_day());
  } else {
    // Nothing narrows the call: the latest published trading day, as `pro.daily()` does.
    const int latest = last_visible >= calendar.first_day() ? calendar.PrevOpen(last_visible + 1) : -1;
    query.first_day = query.last_day = latest;
  }
  query.first_day = std::max(query.first_day, calendar.first_day());
  query.last_day = std::min(query.last_day, last_visible);
  return true;
}

// Calls emit(stock, day) for every existing row of the query, newest day first, until emit returns false.
template <typename Emit>
void ForEachBar(const MarketData& market, const BarQuery& query, Emit&& emit) {
  if (query.stocks.empty() || query.first_day > query.last_day) return;
  const std::vector<int>& open_days = market.calendar().open_days();
  const auto lo = std::lower_bound(open_days.begin(), open_days.end(), query.first_day);
  auto hi = std::upper_bound(open_days.begin(), open_days.end(), query.last_day);
  const std::vector<Stock>& stocks = market.stocks();
  while (hi != lo) {
    --hi;
    const int day = *hi;
    for (size_t i : query.stocks) {
      const Stock& stock = stocks[i];
      if (market.HasRow(stock, day) && !emit(stock, day)) return;
    }
  }
}

// amount (千元) / vol (手): yuan per share, 2 decimals; null without volume.
int64_t Vwap(const DailyRow& r) {
  if (r.vol <= 0) return kNullValue;
  // amount carries 3 decimals of thousands of CNY, so its scaled integer is CNY; vol carries 2 decimals of
  // lots of 100 shares, so its scaled integer is shares. CNY per share, scaled to 2 decimals:
  const __int128 num = static_cast<__int128>(r.amount) * 100;
  const __int128 den = static_cast<__int128>(r.vol);
  return static_cast<int64_t>((num + den / 2) / den);
}

// How a bar api sends its columns (FieldsOf order, vwap last in daily): the decimals of each column's scaled
// values, and their step (daily_basic's close and volume_ratio hold 2-decimal values in 4-decimal columns),
// which revised values keep. The key columns 0 and 1 have neither.
struct BarLayout {
  std::span<const int> decimals;
  std::span<const int64_t> steps;
};

BarLayout LayoutOf(ApiId id) {
  static constexpr int kDailyDecimals[] = {0, 0, 2, 2, 2, 2, 2, 2, 4, 2, 3, 2};
  static constexpr int64_t kDailySteps[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  static constexpr int kAdjFactorDecimals[] = {0, 0, 3};
  static constexpr int64_t kAdjFactorSteps[] = {1, 1, 1};
  static constexpr int kDailyBasicDecimals[] = {0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};
  static constexpr int64_t kDailyBasicSteps[] = {1, 1, 100, 1, 1, 100, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  static_assert(std::size(kDailyBasicSteps) == kMaxBarColumns);
  switch (id) {
    case ApiId::kDaily: return {kDailyDecimals, kDailySteps};
    case ApiId::kAdjFactor: return {kAdjFactorDecimals, kAdjFactorSteps};
    default: return {kDailyBasicDecimals, kDailyBasicSteps};
  }
}

void FillBarCells(const MarketData& market, ApiId id, const Stock& stock, int day, BarCells& cells) {
  const auto fill = [&](std::initializer_list<int64_t> values) {
    std::copy(values.begin(), values.end(), cells.value.begin() + 2);
  };
  switch (id) {
    case ApiId::kDaily: {
      const DailyRow r = market.Daily(stock, day);
      fill({r.open, r.high, r.low, r.close, r.pre_close, r.change, r.pct_chg, r.vol, r.amount, Vwap(r)});
      break;
    }
    case ApiId::kAdjFactor: cells.value[2] = market.AdjFactor(stock, day); break;
    default: {
      const DailyBasicRow r = market.DailyBasic(stock, day);
      fill({r.close, r.turnover_rate, r.turnover_rate_f, r.volume_ratio, r.pe, r.pe_ttm, r.pb, r.ps, r.ps_ttm,
            r.dv_ratio, r.dv_ttm, r.total_share, r.float_share, r.free_share, r.total_mv, r.circ_mv});
      break;
    }
  }
}

void WriteBarCells(JsonWriter& w, RowEmitter& rows, const std::vector<size_t>& columns, const Stock& stock, int day,
                   const BarCells& cells, std::span<const int> decimals) {
  for (size_t p = 0; p < columns.size(); ++p) {
    rows.Cell(p);
    const size_t c = columns[p];
    if (c == 0) {
      w.PlainString(stock.ts_code);
    } else if (c == 1) {
      WriteYmd(w, day);
    } else if (cells.spoiled[c]) {
      if (const std::optional<double>& bad = cells.spoiled_value[c]) {
        w.Double(*bad);
      } else {
        w.Null();
      }
    } else {
      WriteOptional(w, cells.value[c], decimals[c]);
    }
  }
}

void WriteStockBasicCells(JsonWriter& w, RowEmitter& rows, const std::vector<size_t>& columns, const Stock& s) {
  for (size_t p = 0; p < columns.size(); ++p) {
    rows.Cell(p);
    switch (columns[p]) {
      case 0: w.PlainString(s.ts_code); break;
      case 1: w.PlainString(s.symbol); break;
      case 2: w.String(s.name); break;
      case 3: w.String(s.area); break;
      case 4: w.String(s.industry); break;
      case 5: w.String(s.fullname); break;
      case 6: w.String(s.enname); break;
      case 7: w.String(s.cnspell); break;
      case 8: w.String(s.market); break;
      case 9: w.PlainString(s.exchange); break;
      case 10: w.PlainString(s.curr_type); break;
      case 11: w.PlainString(s.list_status); break;
      case 12: WriteYmd(w, s.list_day); break;
      case 13:
        if (s.delist_day) {
          WriteYmd(w, *s.delist_day);
        } else {
          w.Null();
        }
        break;
      case 14: w.PlainString(s.is_hs); break;
      case 15: WriteOptional(w, s.act_name); break;
      default: WriteOptional(w, s.act_ent_type); break;
    }
  }
}

bool ServeTradeCal(const MarketData& market, const Params& params, const std::vector<size_t>& columns, JsonWriter& w,
                   RowEmitter& rows, bool schema_change, std::string& error) {
  ParamReader reader(params);
  std::optional<std::string> exchange;
  std::optional<int> start_date, end_date, is_open;
  if (!reader.Text("exchange", exchange) || !reader.Date("start_date", start_date) ||
      !reader.Date("end_date", end_date) || !reader.ZeroOrOne("is_open", is_open)) {
    error = reader.error();
    return false;
  }
  const std::string exchange_name = exchange.value_or("SSE");
  if (exchange_name != "SSE" && exchange_name != "SZSE" && exchange_name != "BSE") return true;
  const TradingCalendar& calendar = market.calendar();
  const int first = std::max(start_date.value_or(calendar.first_day()), calendar.first_day());
  const int last = std::min(end_date.value_or(calendar.last_day()), calendar.last_day());
  for (int day = last; day >= first; --day) {
    const int open = calendar.IsOpen(day) ? 1 : 0;
    if (is_open && *is_open != open) continue;
    if (!rows.Begin()) break;
    for (size_t p = 0; p < columns.size(); ++p) {
      rows.Cell(p);
      switch (columns[p]) {
        case 0: w.PlainString(exchange_name); break;
        case 1: WriteYmd(w, day); break;
        case 2:
          // After the schema change the integer flag goes out as a float (1.0).
          if (schema_change) {
            w.Scaled(open, 0);
          } else {
            w.Int(open);
          }
          break;
        default: WriteYmd(w, calendar.PrevOpen(day)); break;
      }
    }
    rows.End();
  }
  return true;
}

bool ServeStockBasic(const MarketData& market, const Params& params, const std::vector<size_t>& columns, JsonWriter& w,
                     RowEmitter& rows, std::string& error) {
  ParamReader reader(params);
  std::optional<std::string> ts_code, name, market_name, list_status, exchange, is_hs;
  std::optional<int64_t> offset, limit;
  if (!reader.Text("ts_code", ts_code) || !reader.Text("name", name) || !reader.Text("market", market_name) ||
      !reader.Text("list_status", list_status) || !reader.Text("exchange", exchange) || !reader.Text("is_hs", is_hs) ||
      !reader.NonNegativeInt("offset", offset) || !reader.NonNegativeInt("limit", limit)) {
    error = reader.error();
    return false;
  }
  std::vector<std::string_view> codes;
  if (ts_code) codes = SplitCommaList(*ts_code);
  const std::string status = list_status.value_or("L");
  int64_t to_skip = offset.value_or(0);
  int64_t remaining = limit.value_or(INT64_MAX);
  for (const Stock& s : market.stocks()) {
    if (ts_code && std::find(codes.begin(), codes.end(), s.ts_code) == codes.end()) continue;
    if ((name && s.name != *name) || (market_name && s.market != *market_name) || s.list_status != status ||
        (exchange && s.exchange != *exchange) || (is_hs && s.is_hs != *is_hs)) {
      continue;
    }
    if (to_skip > 0) {
      --to_skip;
      continue;
    }
    if (remaining == 0) {
      rows.MarkHasMore();
      break;
    }
    if (!rows.Begin()) break;
    WriteStockBasicCells(w, rows, columns, s);
    rows.End();
    --remaining;
  }
  return true;
}

bool ServeBars(const MarketData& market, const ApiSpec& spec, const Params& params, const ServeOptions& options,
               const std::vector<size_t>& columns, JsonWriter& w, RowEmitter& rows, std::string& error) {
  BarQuery query;
  if (!ParseBarQuery(market, params, options.published_through_day, query, error)) return false;
  static const DataModes kNoModes;
  const BarLayout layout = LayoutOf(spec.id);
  // Holes leave rows out before the row cap counts them, as rows the vendor never had.
  const BarRowModes modes(options.data_modes ? *options.data_modes : kNoModes, spec.name,
                          FieldsOf(spec, options.schema_change), layout.steps, options.now_ms);
  const bool needs_values = std::any_of(columns.begin(), columns.end(), [](size_t c) { return c >= 2; });
  ForEachBar(market, query, [&](const Stock& stock, int day) {
    if (modes.Omits(stock.ts_code, day)) return true;
    if (!rows.Begin()) return false;
    BarCells cells;
    if (needs_values) FillBarCells(market, spec.id, stock, day, cells);
    modes.Apply(stock.ts_code, day, cells);
    WriteBarCells(w, rows, columns, stock, day, cells, layout.decimals);
    rows.End();
    return true;
  });
  return true;
}

void WriteEnvelopeHead(JsonWriter& w, std::string_view request_id, int code, std::string_view msg) {
  w.Char('{');
  w.Key("request_id");
  w.String(request_id);
  w.Comma();
  w.Key("code");
  w.Int(code);
  w.Comma();
  w.Key("msg");
  w.String(msg);
  w.Comma();
  w.Key("data");
}

}  // namespace

const std::vector<std::string_view>& DataApis::ApiNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const ApiSpec& spec : Specs()) out.push_back(spec.name);
    return out;
  }();
  return names;
}

const std::vector<std::string_view>& DataApis::SchemaChangedFields(std::string_view api_name) {
  static const std::vector<std::string_view> none;
  const ApiSpec* spec = FindSpec(api_name);
  return spec ? FieldsOf(*spec, true) : none;
}

const std::vector<std::string_view>& DataApis::BarApiNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const ApiSpec& spec : Specs()) {
      if (spec.id == ApiId::kDaily || spec.id == ApiId::kAdjFactor || spec.id == ApiId::kDailyBasic) {
        out.push_back(spec.name);
      }
    }
    return out;
  }();
  return names;
}

bool DataApis::Knows(std::string_view api_name) {
  return FindSpec(api_name) != nullptr;
}

const std::vector<std::string_view>& DataApis::Fields(std::string_view api_name) {
  static const std::vector<std::string_view> none;
  const ApiSpec* spec = FindSpec(api_name);
  return spec ? spec->fields : none;
}

void WriteErrorBody(std::string& out, JsonStyle style, std::string_view request_id, int code, std::string_view msg) {
  JsonWriter w(out, style);
  WriteEnvelopeHead(w, request_id, code, msg);
  w.Null();
  w.Char('}');
}

int DataApis::Serve(const ApiRequest& request, const ServeOptions& options, std::string& out) const {
  const ApiSpec* spec = FindSpec(request.api_name);
  if (spec == nullptr) throw std::invalid_argument("DataApis::Serve: unknown api " + request.api_name);
  std::vector<size_t> columns;
  std::string error;
  const std::vector<std::string_view>& fields = FieldsOf(*spec, options.schema_change);
  if (ResolveColumns(*spec, options.schema_change, request.fields, columns, error)) {
    // Rows go straight into `out` after the head; on a param error the partial body is discarded.
    const size_t start = out.size();
    JsonWriter w(out, options.style);
    WriteEnvelopeHead(w, options.request_id, kCodeOk, "");
    w.Char('{');
    w.Key("fields");
    w.Char('[');
    for (size_t p = 0; p < columns.size(); ++p) {
      if (p > 0) w.Comma();
      w.PlainString(fields[columns[p]]);
    }
    w.Char(']');
    w.Comma();
    w.Key("items");
    w.Char('[');
    RowEmitter rows(w, options.row_cap);
    bool ok = true;
    switch (spec->id) {
      case ApiId::kTradeCal:
        ok = ServeTradeCal(market_, request.params, columns, w, rows, options.schema_change, error);
        break;
      case ApiId::kStockBasic: ok = ServeStockBasic(market_, request.params, columns, w, rows, error); break;
      case ApiId::kFundDaily: break;  // the simulator lists no funds
      default: ok = ServeBars(market_, *spec, request.params, options, columns, w, rows, error); break;
    }
    if (ok) {
      w.Char(']');
      w.Comma();
      w.Key("has_more");
      w.Bool(rows.has_more());
      w.Comma();
      w.Key("count");
      w.Int(static_cast<int64_t>(rows.count()));
      w.Raw("}}");
      return kCodeOk;
    }
    out.resize(start);
  }
  error.append(options.error_suffix);
  WriteErrorBody(out, options.style, options.request_id, kCodeInvalidArgument, error);
  return kCodeInvalidArgument;
}

}  // namespace datasync::vendorsim
