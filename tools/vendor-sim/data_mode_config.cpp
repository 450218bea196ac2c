#include "data_mode_config.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <vector>

#include "civil_date.hpp"
#include "data_apis.hpp"
#include "sim_clock.hpp"

namespace datasync::vendorsim {
namespace {

using nlohmann::json;

template <typename Names>
std::string Join(const Names& names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out.append(", ");
    out.append(name);
  }
  return out;
}

bool IsKeyField(std::string_view field) {
  return field == "ts_code" || field == "trade_date";
}

// The fields a rule may name: every field of the api but the row's key (all numeric in the bar apis); daily's
// vwap included, though only the schema change sends it.
std::vector<std::string_view> NumericFields(std::string_view api) {
  std::vector<std::string_view> out;
  for (std::string_view f : DataApis::SchemaChangedFields(api)) {
    if (!IsKeyField(f)) out.push_back(f);
  }
  return out;
}

// One rule of one setting, and the messages about it: "'revisions[2].fields' …".
class RuleReader {
 public:
  RuleReader(std::string_view setting, size_t index, const json& rule, std::string& error)
      : setting_(setting), index_(index), rule_(rule), error_(error) {}

  std::string Where(std::string_view member = {}) const {
    std::string out = "'" + std::string(setting_) + "[" + std::to_string(index_) + "]";
    if (!member.empty()) out.append(".").append(member);
    return out + "'";
  }

  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  // The member, or nullptr when it is missing or null.
  const json* Find(const char* member) const {
    const auto it = rule_.find(member);
    return it == rule_.end() || it->is_null() ? nullptr : &*it;
  }

  bool CheckKeys(std::initializer_list<std::string_view> allowed) {
    for (const auto& item : rule_.items()) {
      if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
        return Fail(Where() + ": unknown key '" + item.key() + "' (allowed: " + Join(allowed) + ")");
      }
    }
    return true;
  }

  bool Selector(RowSelector& rows) {
    const std::vector<std::string_view>& apis = DataApis::BarApiNames();
    const json* api = Find("api");
    if (api == nullptr || !api->is_string() ||
        std::find(apis.begin(), apis.end(), api->get<std::string>()) == apis.end()) {
      return Fail(Where("api") + " must be one of " + Join(apis) + " (the apis whose rows carry per-day values), got " +
                  (api == nullptr ? "nothing" : api->dump()));
    }
    rows.api = api->get<std::string>();
    if (!Date("start_date", rows.first_day) || !Date("end_date", rows.last_day)) return false;
    if (rows.first_day && rows.last_day && *rows.first_day > *rows.last_day) {
      return Fail(Where() + ": start_date " + YmdString(*rows.first_day) + " is after end_date " +
                  YmdString(*rows.last_day) + " (both are inclusive)");
    }
    if (const json* codes = Find("codes")) {
      const auto is_code = [](const json& c) { return c.is_string() && !c.get_ref<const std::string&>().empty(); };
      if (!codes->is_array() || !std::all_of(codes->begin(), codes->end(), is_code)) {
        return Fail(Where("codes") + " must be a list of ts_codes (omitted, null or [] = every code), got " +
                    codes->dump());
      }
      for (const json& c : *codes) rows.codes.push_back(c.get<std::string>());
      std::sort(rows.codes.begin(), rows.codes.end());
      rows.codes.erase(std::unique(rows.codes.begin(), rows.codes.end()), rows.codes.end());
    }
    return true;
  }

  // A field a rule changes: a numeric field of the api, never part of the row's key.
  bool NumericField(const json& value, std::string_view member, std::string_view api, std::string& out) {
    const std::vector<std::string_view> fields = NumericFields(api);
    const std::string list = " (numeric fields of " + std::string(api) + ": " + Join(fields) + ")";
    if (!value.is_string()) return Fail(Where(member) + " must name a numeric field" + list + ", got " + value.dump());
    out = value.get<std::string>();
    if (IsKeyField(out)) {
      return Fail(Where(member) + ": '" + out +
                  "' is part of the row's key (ts_code, trade_date), which rules select rows by: a changed key would "
                  "make another row rather than a changed or bad value in this one, so only numeric fields are "
                  "allowed" +
                  list);
    }
    if (std::find(fields.begin(), fields.end(), out) == fields.end()) {
      return Fail(Where(member) + ": '" + out + "' is not a numeric field of " + std::string(api) + list);
    }
    return true;
  }

  bool Fields(std::string_view api, std::vector<std::string>& out) {
    const json* fields = Find("fields");
    if (fields == nullptr || !fields->is_array() || fields->empty()) {
      return Fail(Where("fields") + " must be a non-empty list of numeric fields of " + std::string(api) + " (" +
                  Join(NumericFields(api)) + "), got " + (fields == nullptr ? "nothing" : fields->dump()));
    }
    for (const json& f : *fields) {
      std::string name;
      if (!NumericField(f, "fields", api, name)) return false;
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    return true;
  }

  bool Scale(double& out) {
    const json* scale = Find("scale");
    if (scale == nullptr) return true;
    const bool ok = scale->is_number() && scale->get<double>() >= Revision::kMinScale &&
                    scale->get<double>() <= Revision::kMaxScale && scale->get<double>() != 1.0;
    if (!ok) {
      return Fail(Where("scale") + " must be a number from 0.001 to 1000 other than 1 (omitted = 1.01), got " +
                  scale->dump());
    }
    out = scale->get<double>();
    return true;
  }

  bool After(std::optional<int64_t>& out) {
    const json* after = Find("after");
    if (after == nullptr) return true;
    if (after->is_string()) {
      out = ParseIso8601(after->get<std::string>());
    } else if (after->is_number() && std::isfinite(after->get<double>()) &&
               after->get<double>() == std::floor(after->get<double>()) && std::fabs(after->get<double>()) < 1e15) {
      out = after->is_number_float() ? std::llround(after->get<double>()) : after->get<int64_t>();
    }
    if (!out) {
      return Fail(Where("after") +
                  " must be an ISO-8601 instant with an offset (\"2024-06-04T09:00:00+08:00\") or epoch "
                  "milliseconds (omitted or null = at once), got " +
                  after->dump());
    }
    return true;
  }

  bool Value(std::optional<double>& out) {
    const auto it = rule_.find("value");
    if (it != rule_.end() && it->is_null()) return true;
    if (it == rule_.end() || !it->is_number()) {
      return Fail(Where("value") + " must be a number (an out-of-range value) or null (a missing value), got " +
                  (it == rule_.end() ? "nothing" : it->dump()));
    }
    out = it->get<double>();
    return true;
  }

 private:
  bool Date(const char* member, std::optional<int>& out) {
    const json* v = Find(member);
    if (v == nullptr) return true;
    if (v->is_string()) {
      out = ParseYmd(v->get<std::string>());
    } else if (v->is_number_unsigned()) {
      out = ParseYmd(std::to_string(v->get<uint64_t>()));  // as Tushare's params, 20240102 works too
    }
    if (!out) return Fail(Where(member) + " must be a YYYYMMDD date (omitted or null = unbounded), got " + v->dump());
    return true;
  }

  std::string_view setting_;
  size_t index_;
  const json& rule_;
  std::string& error_;
};

bool ReadRule(RuleReader& r, Revision& out) {
  return r.CheckKeys({"api", "start_date", "end_date", "codes", "fields", "scale", "after"}) && r.Selector(out.rows) &&
         r.Fields(out.rows.api, out.fields) && r.Scale(out.scale) && r.After(out.after_ms);
}

bool ReadRule(RuleReader& r, Hole& out) {
  return r.CheckKeys({"api", "start_date", "end_date", "codes"}) && r.Selector(out.rows);
}

bool ReadRule(RuleReader& r, BadRow& out) {
  if (!r.CheckKeys({"api", "start_date", "end_date", "codes", "field", "value"}) || !r.Selector(out.rows)) return false;
  const json* field = r.Find("field");
  if (field == nullptr) {
    return r.Fail(r.Where("field") + " is required: the numeric field of " + out.rows.api + " to spoil (" +
                  Join(NumericFields(out.rows.api)) + ")");
  }
  return r.NumericField(*field, "field", out.rows.api, out.field) && r.Value(out.value);
}

template <typename Rule>
bool ReadRules(std::string_view setting, std::string_view example, const json& value, std::vector<Rule>& out,
               std::string& error) {
  if (!value.is_array()) {
    error = "'" + std::string(setting) + "' must be a list of rule objects such as [" + std::string(example) +
            "] ([] turns it off), got " + value.dump();
    return false;
  }
  std::vector<Rule> rules;
  for (size_t i = 0; i < value.size(); ++i) {
    RuleReader reader(setting, i, value[i], error);
    if (!value[i].is_object()) {
      return reader.Fail(reader.Where() + " must be an object such as " + std::string(example) + ", got " +
                         value[i].dump());
    }
    if (!ReadRule(reader, rules.emplace_back())) return false;
  }
  out = std::move(rules);
  return true;
}

void WriteDay(JsonWriter& w, const std::optional<int>& day) {
  if (day) {
    w.PlainString(YmdString(*day));
  } else {
    w.Null();
  }
}

void WriteSelector(JsonWriter& w, const RowSelector& rows) {
  w.Key("api");
  w.String(rows.api);
  w.Comma();
  w.Key("start_date");
  WriteDay(w, rows.first_day);
  w.Comma();
  w.Key("end_date");
  WriteDay(w, rows.last_day);
  w.Comma();
  w.Key("codes");
  w.Char('[');
  for (size_t i = 0; i < rows.codes.size(); ++i) {
    if (i > 0) w.Comma();
    w.String(rows.codes[i]);
  }
  w.Char(']');
}

void WriteRule(JsonWriter& w, const Revision& r) {
  WriteSelector(w, r.rows);
  w.Comma();
  w.Key("fields");
  w.Char('[');
  for (size_t i = 0; i < r.fields.size(); ++i) {
    if (i > 0) w.Comma();
    w.String(r.fields[i]);
  }
  w.Char(']');
  w.Comma();
  w.Key("scale");
  w.Double(r.scale);
  w.Comma();
  w.Key("after");
  if (r.after_ms) {
    w.PlainString(FormatShanghai(*r.after_ms));
  } else {
    w.Null();
  }
}

void WriteRule(JsonWriter& w, const Hole& h) {
  WriteSelector(w, h.rows);
}

void WriteRule(JsonWriter& w, const BadRow& b) {
  WriteSelector(w, b.rows);
  w.Comma();
  w.Key("field");
  w.String(b.field);
  w.Comma();
  w.Key("value");
  if (b.value) {
    w.Double(*b.value);
  } else {
    w.Null();
  }
}

template <typename Rule>
void WriteRules(JsonWriter& w, const std::vector<Rule>& rules) {
  w.Char('[');
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i > 0) w.Comma();
    w.Char('{');
    WriteRule(w, rules[i]);
    w.Char('}');
  }
  w.Char(']');
}

}  // namespace

bool IsDataModeKey(std::string_view key) {
  return std::find(std::begin(kDataModeKeys), std::end(kDataModeKeys), key) != std::end(kDataModeKeys);
}

bool ReadDataModeSetting(std::string_view key, const json& value, DataModes& modes, std::string& error) {
  if (key == "revisions") {
    return ReadRules(key, R"({"api":"daily","fields":["close"],"scale":1.01})", value, modes.revisions, error);
  }
  if (key == "holes") {
    return ReadRules(key, R"({"api":"daily","start_date":"20240103","end_date":"20240103"})", value, modes.holes,
                     error);
  }
  if (key == "bad_rows") {
    return ReadRules(key, R"({"api":"daily","field":"pct_chg","value":999.0})", value, modes.bad_rows, error);
  }
  error = "unknown data mode '" + std::string(key) + "'";
  return false;
}

void WriteDataModeSetting(JsonWriter& w, std::string_view key, const DataModes& modes) {
  if (key == "revisions") {
    WriteRules(w, modes.revisions);
  } else if (key == "holes") {
    WriteRules(w, modes.holes);
  } else {
    WriteRules(w, modes.bad_rows);
  }
}

}  // namespace datasync::vendorsim
