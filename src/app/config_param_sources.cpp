#include <set>

#include "app/config_parser.hpp"
#include "app/config_sections.hpp"
#include "generation/argument_generator.hpp"
#include "generation/value_sources.hpp"

namespace datasync::app {

std::vector<std::string> ConfigParser::SourceKeys() {
  return {"dates", "trading_days", "column", "windows", "since_checkpoint", "today", "now", "format", "zip", "product"};
}

bool ConfigParser::ParseWhere(const YAML::Node& n, const std::string& path,
                              std::vector<std::pair<std::string, std::string>>& out) {
  if (!RequireMap(n, path)) return false;
  for (auto it = n.begin(); it != n.end(); ++it) {
    auto v = Str(it->second, path + "." + it->first.Scalar());
    if (!v) return false;
    out.emplace_back(it->first.Scalar(), *v);
  }
  return true;
}

// calendar, column, exchange, is_open, where, storage: the open days of a calendar dataset, whose columns
// its calendar mapping names.
bool ConfigParser::CalendarFilters(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
  ps.dataset = "trade_cal";
  TextKey(n, path, "calendar", ps.dataset);
  const YAML::Mark at = n["calendar"] ? n["calendar"].Mark() : n.Mark();
  const datasource::Dataset* ds = FindAnyDataset(ps.dataset);
  if (!ds) {
    Error(at, path + ".calendar: unknown dataset " + Quote(ps.dataset) + " (defined: " + JoinNames(AllDatasetNames()) +
                  ")");
    return false;
  }
  auto cal = CalendarOf(*ds);
  if (!cal) {
    Error(at, path + ".calendar: " + NotACalendar(ps.dataset));
    return false;
  }
  ps.column = cal->date;
  TextKey(n, path, "column", ps.column);
  TextKey(n, path, "storage", ps.storage);
  std::string exchange = "SSE", is_open = "1";
  TextKey(n, path, "exchange", exchange);
  TextKey(n, path, "is_open", is_open);
  if (!exchange.empty() && exchange != "any") ps.where.emplace_back(cal->exchange, exchange);
  if (is_open != "any" && !is_open.empty()) {
    if (is_open != "0" && is_open != "1") {
      Error(n["is_open"].Mark(), path + ".is_open: " + Quote(is_open) + " is not allowed (allowed: 1, 0, any)");
      return false;
    }
    ps.where.emplace_back(cal->open, is_open == "1" ? cal->open_value : is_open);
  }
  if (auto w = n["where"]) return ParseWhere(w, path + ".where", ps.where);
  return true;
}

bool ConfigParser::RequireStart(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
  auto start = n["start"];
  if (!start) {
    Error(n.Mark(), path + ": missing required key 'start' (YYYYMMDD, YYYY-MM-DD or today-N)");
    return false;
  }
  auto s = Str(start, path + ".start");
  if (s) ps.start = *s;
  ps.end = "today";
  TextKey(n, path, "end", ps.end);
  return s.has_value();
}

bool ConfigParser::ParseDates(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
  if (!RequireMap(n, path)) return false;
  CheckKeys(n, path, {"start", "end", "step", "format", "weekdays_only"});
  ps.kind = generation::ParamSource::Kind::kDateRange;
  if (!RequireStart(n, path, ps)) return false;
  TextKey(n, path, "step", ps.step);
  TextKey(n, path, "format", ps.format);
  if (auto w = n["weekdays_only"]) {
    if (auto b = Bool(w, path + ".weekdays_only")) ps.weekdays_only = *b;
  }
  return true;
}

bool ConfigParser::ParseTradingDays(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
  if (!RequireMap(n, path)) return false;
  CheckKeys(
      n, path,
      {"calendar", "column", "exchange", "is_open", "where", "storage", "start", "end", "step", "pick", "format"});
  ps.kind = generation::ParamSource::Kind::kTradingDays;
  if (!RequireStart(n, path, ps) || !CalendarFilters(n, path, ps)) return false;
  TextKey(n, path, "step", ps.step);
  TextKey(n, path, "pick", ps.pick);
  TextKey(n, path, "format", ps.format);
  return true;
}

bool ConfigParser::ParseColumn(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
  if (!RequireMap(n, path)) return false;
  CheckKeys(n, path, {"dataset", "column", "where", "storage", "format"});
  ps.kind = generation::ParamSource::Kind::kColumn;
  if (!n["dataset"]) {
    Error(n.Mark(), path + ": missing required key 'dataset' (the dataset whose column is read)");
    return false;
  }
  TextKey(n, path, "dataset", ps.dataset);
  ps.column = ps.name;
  TextKey(n, path, "column", ps.column);
  TextKey(n, path, "storage", ps.storage);
  TextKey(n, path, "format", ps.format);
  if (auto w = n["where"]) return ParseWhere(w, path + ".where", ps.where);
  return true;
}

bool ConfigParser::ParseWindows(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
  if (!RequireMap(n, path)) return false;
  CheckKeys(n, path, {"start", "end", "days", "months", "align", "names", "format"});
  ps.kind = generation::ParamSource::Kind::kWindows;
  if (!RequireStart(n, path, ps)) return false;
  if (auto v = n["days"]) {
    if (auto d = PositiveInt(v, path + ".days", 200 * 366)) ps.window_days = *d;
  }
  if (auto v = n["months"]) {
    if (auto m = PositiveInt(v, path + ".months", 12 * 200)) ps.window_months = *m;
  }
  TextKey(n, path, "align", ps.align);
  TextKey(n, path, "format", ps.format);
  if (auto v = n["names"]) {
    auto names = StrList(v, path + ".names");
    if (!names) return false;
    if (names->size() != 2) {
      Error(v.Mark(), path + ".names: give two parameter names, for the start and the end of each window");
      return false;
    }
    ps.columns = *names;
  }
  return true;
}

bool ConfigParser::ParseSince(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
  if (!RequireMap(n, path)) return false;
  CheckKeys(n, path,
            {"initial", "lookback", "step", "end", "format", "calendar", "column", "exchange", "is_open", "where",
             "storage"});
  ps.kind = generation::ParamSource::Kind::kSinceCheckpoint;
  ps.end = "today";
  TextKey(n, path, "initial", ps.initial);
  TextKey(n, path, "end", ps.end);
  TextKey(n, path, "step", ps.step);
  TextKey(n, path, "format", ps.format);
  if (auto v = n["lookback"]) {
    auto l = Int(v, path + ".lookback");
    if (!l) return false;
    ps.lookback = *l;
  }
  if (n["calendar"] || n["exchange"] || n["is_open"]) return CalendarFilters(n, path, ps);
  return true;
}

bool ConfigParser::ParseNow(const YAML::Node& n, const std::string& path, bool now, generation::ParamSource& ps) {
  ps.kind = generation::ParamSource::Kind::kNow;
  ps.unit = now ? "minute" : "day";
  ps.format = now ? "YYYY-MM-DD hh:mm:ss" : "YYYYMMDD";
  if (n.IsNull()) return true;
  if (n.IsScalar()) {  // `today: -1`: the offset alone
    auto o = Int(n, path);
    if (o) ps.offset = *o;
    return o.has_value();
  }
  if (!RequireMap(n, path)) return false;
  CheckKeys(n, path,
            now ? std::vector<std::string>{"offset", "unit", "format"} : std::vector<std::string>{"offset", "format"});
  if (auto v = n["offset"]) {
    auto o = Int(v, path + ".offset");
    if (!o) return false;
    ps.offset = *o;
  }
  TextKey(n, path, "unit", ps.unit);
  TextKey(n, path, "format", ps.format);
  return true;
}

bool ConfigParser::ParseGroup(const YAML::Node& n, const std::string& path, bool zip, generation::ParamSource& ps) {
  if (!RequireMap(n, path)) return false;
  ps.kind = zip ? generation::ParamSource::Kind::kZip : generation::ParamSource::Kind::kProduct;
  bool ok = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string child = it->first.Scalar();
    auto c = ParseParamSource(child, it->second, path + "." + child);
    if (!c) {
      ok = false;
      continue;
    }
    ps.children.push_back(std::move(*c));
  }
  return ok;
}

std::optional<generation::ParamSource> ConfigParser::ParseParamSource(const std::string& pname, const YAML::Node& v,
                                                                      const std::string& path) {
  generation::ParamSource ps;
  ps.name = pname;
  if (v.IsScalar()) {
    ps.kind = generation::ParamSource::Kind::kConstant;
    ps.values = {v.Scalar()};
    return ps;
  }
  if (v.IsSequence()) {
    ps.kind = generation::ParamSource::Kind::kList;
    for (const auto& item : v) {
      auto s = Str(item, path);
      if (!s) return std::nullopt;
      ps.values.push_back(*s);
    }
    return ps;
  }
  if (!v.IsMap()) {
    Error(v.Mark(), path + ": expected a value, a list, or a mapping with one of " + JoinNames(SourceKeys()));
    return std::nullopt;
  }
  CheckKeys(v, path, SourceKeys());
  if (v.size() != 1) {
    std::vector<std::string> keys;
    for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(it->first.Scalar());
    Error(v.Mark(), path + ": give one source, not several (" + JoinNames(keys) + ")");
    return std::nullopt;
  }
  std::string kind = v.begin()->first.Scalar();
  YAML::Node body = v.begin()->second;
  std::string kpath = path + "." + kind;
  bool ok = false;
  if (kind == "dates") {
    ok = ParseDates(body, kpath, ps);
  } else if (kind == "trading_days") {
    ok = ParseTradingDays(body, kpath, ps);
  } else if (kind == "column") {
    ok = ParseColumn(body, kpath, ps);
  } else if (kind == "windows") {
    ok = ParseWindows(body, kpath, ps);
  } else if (kind == "since_checkpoint") {
    ok = ParseSince(body, kpath, ps);
  } else if (kind == "today" || kind == "now") {
    ok = ParseNow(body, kpath, kind == "now", ps);
  } else if (kind == "format") {
    ps.kind = generation::ParamSource::Kind::kFormat;
    if (auto t = Str(body, kpath)) {
      ps.text = *t;
      ok = true;
    }
  } else if (kind == "zip" || kind == "product") {
    ok = ParseGroup(body, kpath, kind == "zip", ps);
  } else {
    return std::nullopt;  // reported by CheckKeys
  }
  if (!ok) return std::nullopt;
  // Checks dates, steps, formats and templates now, so a typo fails validate rather than a run.
  if (auto st = generation::CheckSource(ps); !st) {
    Error(body.Mark(), path + ": " + st.error().message());
    return std::nullopt;
  }
  return ps;
}

// A params block (plans.X.params, templates.X.params): name -> source, in order. `marks` gets where each
// name it defines is written (windows and groups define several).
void ConfigParser::ParseSourcesBlock(const YAML::Node& p, const std::string& path,
                                     std::vector<generation::ParamSource>& out,
                                     std::map<std::string, YAML::Mark>& marks) {
  if (!RequireMap(p, path)) return;
  std::set<std::string> seen;
  for (auto it = p.begin(); it != p.end(); ++it) {
    std::string pname = it->first.Scalar();
    if (!seen.insert(pname).second) {
      Error(it->first.Mark(), "duplicate key " + Quote(pname) + " in " + path);
      continue;
    }
    auto ps = ParseParamSource(pname, it->second, path + "." + pname);
    if (!ps) continue;
    marks[pname] = it->first.Mark();
    for (const auto& d : generation::InspectSources({*ps}).defined) marks.emplace(d, it->first.Mark());
    out.push_back(std::move(*ps));
  }
}

void ConfigParser::ParseTemplate(const YAML::Node& key, const YAML::Node& n) {
  std::string name = key.Scalar();
  std::string path = "templates." + name;
  if (!RequireMap(n, path)) return;
  CheckKeys(n, path, SectionKeyNames(metadata::ObjectKind::kTemplate));
  generation::Template t;
  t.name = name;
  TextKey(n, path, "description", t.description);
  auto p = n["params"];
  if (!p) {
    Error(key.Mark(), path + ": missing required key 'params' (parameter sources, as under plans.NAME.params)");
    return;
  }
  std::map<std::string, YAML::Mark> marks;
  ParseSourcesBlock(p, path + ".params", t.params, marks);
  template_marks_[name] = std::move(marks);
  config_.templates.push_back(std::move(t));
}

}  // namespace datasync::app
