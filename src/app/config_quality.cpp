// `datasets.NAME.quality`: the dataset's data-quality rules (datasource/quality_rule.hpp), one list entry per
// rule, each a mapping with the rule's key and an optional severity:
//   quality:
//     - not_null: [close, vol]
//       severity: error
//     - unique: [ts_code, trade_date]
//     - range: {pct_chg: [-30, 30]}          # either bound may be null
//     - accepted_values: {exchange: [SSE, SZSE, BSE]}
//     - relationship: {ts_code: stock_basic.ts_code}
//     - freshness: {deadline: "18:00"}       # the source's time zone
//     - row_count: {window: 20, k: 3}
// Fields must be the dataset's; a relationship's dataset and field are checked once every dataset is read.
#include <cmath>
#include <cstdio>

#include "app/config_parser.hpp"
#include "core/strings.hpp"

namespace datasync::app {

namespace {

std::optional<double> Number(const YAML::Node& n) {
  if (!n.IsScalar()) return std::nullopt;
  auto x = core::ParseDouble(core::Trim(n.Scalar()));
  if (!x || !std::isfinite(*x)) return std::nullopt;
  return x;
}

bool IsNullBound(const YAML::Node& n) {
  return n.IsNull() || (n.IsScalar() && (n.Scalar() == "~" || n.Scalar() == "null"));
}

}  // namespace

void ConfigParser::ParseQuality(const YAML::Node& v, const std::string& path, datasource::Dataset& ds) {
  if (!v.IsSequence()) {
    Error(v.Mark(), path + ": expected a list of rules (e.g. - not_null: [close]), got a " + Kind(v));
    return;
  }
  const std::vector<std::string> kinds = {"not_null",     "unique",    "range",    "accepted_values",
                                          "relationship", "freshness", "row_count"};
  for (size_t i = 0; i < v.size(); ++i) {
    const YAML::Node entry = v[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!RequireMap(entry, at)) continue;
    std::vector<std::string> allowed = kinds;
    allowed.push_back("severity");
    CheckKeys(entry, at, allowed);
    datasource::QualityRule rule;
    YAML::Node body;
    int found = 0;
    for (const auto& k : kinds) {
      if (auto b = entry[k]) {
        rule.kind = *datasource::ParseRuleKind(k);
        body = b;
        ++found;
      }
    }
    if (found != 1) {
      Error(entry.Mark(), at + ": name exactly one rule (" + core::Join(kinds, ", ") + ")");
      continue;
    }
    const std::string rp = at + "." + std::string(datasource::RuleKindName(rule.kind));
    if (auto s = entry["severity"]) {
      auto text = Str(s, at + ".severity");
      if (!text) continue;
      if (*text != "warn" && *text != "error") {
        Error(s.Mark(), at + ".severity: expected warn or error (error keeps the rows out, in " + ds.name +
                            "_rejected), got " + Quote(*text));
        continue;
      }
      rule.severity = *text == "error" ? datasource::RuleSeverity::kError : datasource::RuleSeverity::kWarn;
    }
    auto field = [&](const std::string& name, const YAML::Mark& mark) {
      if (ds.schema && !ds.schema->IndexOf(name)) {
        Error(mark, rp + ": " + Quote(name) + " is not a field (fields: " + JoinNames(ds.schema->Names()) + ")");
        return false;
      }
      return true;
    };
    // The single-field rules are written {field: argument}.
    auto one_field = [&]() -> std::optional<YAML::Node> {
      if (!body.IsMap() || body.size() != 1) {
        Error(body.Mark(), rp + ": expected {field: ...} with one field");
        return std::nullopt;
      }
      auto it = body.begin();
      std::string name = it->first.as<std::string>();
      if (!field(name, it->first.Mark())) return std::nullopt;
      rule.fields = {name};
      return it->second;
    };
    bool ok = true;
    switch (rule.kind) {
      case datasource::RuleKind::kNotNull:
      case datasource::RuleKind::kUnique: {
        auto names = StrList(body, rp);
        if (!names || names->empty()) {
          if (names) Error(body.Mark(), rp + ": name at least one field");
          ok = false;
          break;
        }
        for (const auto& n : *names) ok = field(n, body.Mark()) && ok;
        rule.fields = *names;
        break;
      }
      case datasource::RuleKind::kRange: {
        auto arg = one_field();
        if (!arg) {
          ok = false;
          break;
        }
        if (!arg->IsSequence() || arg->size() != 2) {
          Error(arg->Mark(), rp + ": expected [min, max] (null for an open side), e.g. [-30, 30]");
          ok = false;
          break;
        }
        for (size_t b = 0; b < 2; ++b) {
          const YAML::Node bound = (*arg)[b];
          if (IsNullBound(bound)) continue;
          auto x = Number(bound);
          if (!x) {
            Error(bound.Mark(),
                  rp + ": " + Quote(bound.IsScalar() ? bound.Scalar() : Kind(bound)) + " is not a number");
            ok = false;
            continue;
          }
          (b == 0 ? rule.min : rule.max) = *x;
        }
        if (ok && !rule.min && !rule.max) {
          Error(arg->Mark(), rp + ": give at least one bound");
          ok = false;
        }
        if (ok && rule.min && rule.max && *rule.min > *rule.max) {
          Error(arg->Mark(), rp + ": min is above max");
          ok = false;
        }
        break;
      }
      case datasource::RuleKind::kAcceptedValues: {
        auto arg = one_field();
        if (!arg) {
          ok = false;
          break;
        }
        auto values = StrList(*arg, rp);
        if (!values || values->empty()) {
          if (values) Error(arg->Mark(), rp + ": list at least one value");
          ok = false;
          break;
        }
        rule.values = *values;
        break;
      }
      case datasource::RuleKind::kRelationship: {
        auto arg = one_field();
        if (!arg) {
          ok = false;
          break;
        }
        auto target = Str(*arg, rp);
        if (!target) {
          ok = false;
          break;
        }
        auto dot = target->find('.');
        rule.ref_dataset = target->substr(0, dot);
        rule.ref_field = dot == std::string::npos ? rule.fields.front() : target->substr(dot + 1);
        if (rule.ref_dataset.empty() || rule.ref_field.empty()) {
          Error(arg->Mark(), rp + ": expected DATASET.FIELD (e.g. stock_basic.ts_code), got " + Quote(*target));
          ok = false;
        }
        relationship_marks_.push_back({ds.name, rule.ref_dataset, rule.ref_field, arg->Mark(), rp});
        break;
      }
      case datasource::RuleKind::kFreshness: {
        if (!RequireMap(body, rp)) {
          ok = false;
          break;
        }
        CheckKeys(body, rp, {"deadline"});
        rule.deadline = "00:00";
        if (auto d = body["deadline"]) {
          auto text = Str(d, rp + ".deadline");
          int h = -1, m = -1;
          if (!text || std::sscanf(text->c_str(), "%d:%d", &h, &m) != 2 || h < 0 || h > 23 || m < 0 || m > 59 ||
              text->size() != 5) {
            if (text) Error(d.Mark(), rp + ".deadline: expected HH:MM (the source's time zone), got " + Quote(*text));
            ok = false;
            break;
          }
          rule.deadline = *text;
        }
        if (ds.date_key.empty()) {
          Error(body.Mark(), rp + ": freshness needs the dataset's date_key");
          ok = false;
        }
        break;
      }
      case datasource::RuleKind::kRowCount: {
        if (!RequireMap(body, rp)) {
          ok = false;
          break;
        }
        CheckKeys(body, rp, {"window", "k"});
        if (auto w = body["window"]) {
          auto n = PositiveInt(w, rp + ".window", 366);
          if (!n || *n < 3) {
            if (n) Error(w.Mark(), rp + ".window: at least 3 days");
            ok = false;
          } else {
            rule.window = *n;
          }
        }
        if (auto k = body["k"]) {
          auto x = Number(k);
          if (!x || *x <= 0) {
            Error(k.Mark(), rp + ".k: expected a positive number of MADs");
            ok = false;
          } else {
            rule.k = *x;
          }
        }
        if (ds.date_key.empty()) {
          Error(body.Mark(), rp + ": row_count counts rows per day of the dataset's date_key, which it lacks");
          ok = false;
        }
        break;
      }
    }
    if (ok) ds.quality.push_back(std::move(rule));
  }
}

void ConfigParser::CheckRelationships() {
  for (const auto& r : relationship_marks_) {
    const datasource::Dataset* target = nullptr;
    for (const auto& d : config_.datasets) {
      if (d.name == r.ref_dataset) target = &d;
    }
    if (!target) {
      Error(r.mark, r.path + ": dataset " + Quote(r.ref_dataset) + " is not in the configuration");
      continue;
    }
    if (target->schema && !target->schema->IndexOf(r.ref_field)) {
      Error(r.mark, r.path + ": dataset " + Quote(r.ref_dataset) + " has no field " + Quote(r.ref_field) +
                        " (fields: " + JoinNames(target->schema->Names()) + ")");
    }
  }
}

}  // namespace datasync::app
