#include <algorithm>

#include "alerting/channel.hpp"
#include "alerting/channel_registry.hpp"
#include "app/config_parser.hpp"
#include "core/secrets.hpp"
#include "core/time_zone.hpp"
#include "sync/schedule.hpp"

namespace datasync::app {

// A channel's options come from its type's option table (alerting/channel_registry.hpp); the type's
// `validate` states the rules beyond the table and `build` makes the ChannelSpec.
void ConfigParser::ParseChannel(const YAML::Node& key, const YAML::Node& n) {
  std::string name = key.Scalar();
  std::string path = "alerts.channels." + name;
  if (!RequireMap(n, path)) return;
  auto type_node = n["type"];
  std::string type = type_node ? Str(type_node, path + ".type").value_or("") : "";
  const alerting::ChannelInfo* info = channels_.Find(type);
  if (!info) {
    Error(type_node ? type_node.Mark() : key.Mark(),
          path + (type_node ? ".type: " + Quote(type) + " is not allowed" : ": missing required key 'type'") +
              " (allowed: " + JoinNames(channels_.Ids()) + ")");
    return;
  }
  std::vector<std::string> reserved = {"type"};
  if (info->http_headers) reserved.emplace_back("headers");
  bool complete = true;
  core::Options options = ParseOptions(n, path, info->options, reserved, complete, key.Mark());
  // Each rule looks only at the options that are set, so a channel's problems are all reported at once.
  if (info->validate) ReportProblems(n, key.Mark(), path, info->validate(options, CheckContext()));
  alerting::ChannelSpec ch = info->build(name, options, config_.project_dir);
  if (info->http_headers) {
    if (auto v = n["headers"]) ch.headers = ParseHeaders(v, path + ".headers");
  }
  ReportProblems(n, key.Mark(), path, alerting::CheckChannelSecrets(ch, CheckContext()));
  config_.alerts.channels.push_back(std::move(ch));
}

// HTTP headers by name; an Authorization or *token* header written as a literal is a secret in the file.
std::vector<std::pair<std::string, std::string>> ConfigParser::ParseHeaders(const YAML::Node& v,
                                                                            const std::string& path) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!RequireMap(v, path)) return headers;
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string h = it->first.Scalar();
    YAML::Node hv = it->second;
    if (auto value = Str(hv, path + "." + h)) {
      bool sensitive = core::ToLower(h) == "authorization" || core::ToLower(h).find("token") != std::string::npos;
      if (sensitive && !core::IsSecretReference(*value)) {
        core::RegisterSecret(*value);
        Warn(hv.Mark(), path + "." + h +
                            ": a secret is written in the file; use a ${ENV_VAR} "
                            "reference instead");
      }
      headers.emplace_back(h, *value);
    }
  }
  return headers;
}

// Names of channels that exist, checked where they are referenced.
std::vector<std::string> ConfigParser::ChannelRefs(const YAML::Node& v, const std::string& path) {
  auto l = StrList(v, path);
  if (!l) return {};
  std::vector<std::string> defined;
  for (const auto& c : config_.alerts.channels) defined.push_back(c.name);
  for (const auto& c : *l) {
    if (std::find(defined.begin(), defined.end(), c) == defined.end()) {
      Error(v.Mark(), path + ": unknown channel " + Quote(c) + " (defined under alerts.channels: " +
                          (defined.empty() ? std::string("none") : JoinNames(defined)) + ")");
    }
  }
  if (l->empty()) Error(v.Mark(), path + ": name at least one channel");
  return *l;
}

void ConfigParser::ParseAlerts(const YAML::Node& n) {
  if (!RequireMap(n, "alerts")) return;
  CheckKeys(n, "alerts", {"channels", "rules", "group_secs", "dedup_secs", "max_per_hour", "daily_summary"});
  auto& a = config_.alerts;
  if (auto v = n["group_secs"]) {
    if (auto x = PositiveInt(v, "alerts.group_secs", 3600)) a.group_secs = *x;
  }
  if (auto v = n["dedup_secs"]) {
    if (auto x = PositiveInt(v, "alerts.dedup_secs", 7 * 86400)) a.dedup_secs = *x;
  }
  if (auto v = n["max_per_hour"]) {
    if (auto x = PositiveInt(v, "alerts.max_per_hour", 3600)) a.max_per_hour = *x;
  }
  if (auto c = n["channels"]) {
    ForEachEntry(c, "alerts.channels", [&](const YAML::Node& k, const YAML::Node& v) { ParseChannel(k, v); });
  }
  if (auto r = n["rules"]) {
    if (!r.IsSequence()) {
      Error(r.Mark(), "alerts.rules: expected a list of {events, plans, channels}");
    } else {
      int i = 0;
      for (const auto& item : r) {
        std::string path = "alerts.rules[" + std::to_string(i++) + "]";
        if (!RequireMap(item, path)) continue;
        CheckKeys(item, path, {"events", "plans", "channels"});
        alerting::RuleSpec rule;
        auto events = item["events"];
        if (!events) {
          Error(item.Mark(), path + ": missing required key 'events' (allowed: all, " +
                                 JoinNames(alerting::AlertEventNames()) + ")");
        } else if (auto l = StrList(events, path + ".events")) {
          for (const auto& e : *l) {
            if (e == "all") {
              for (const auto& name : alerting::AlertEventNames()) {
                auto ev = *alerting::ParseAlertEvent(name);
                if (ev != alerting::AlertEvent::kDailySummary) rule.events.push_back(ev);
              }
            } else if (auto ev = alerting::ParseAlertEvent(e); ev && *ev != alerting::AlertEvent::kDailySummary) {
              rule.events.push_back(*ev);
            } else {
              std::vector<std::string> names;
              for (const auto& name : alerting::AlertEventNames()) {
                if (name != "daily_summary") names.push_back(name);
              }
              Error(events.Mark(), path + ".events: unknown event " + Quote(e) + " (allowed: all, " + JoinNames(names) +
                                       "; the daily summary is set under alerts.daily_summary)");
            }
          }
        }
        if (auto p = item["plans"]) {
          if (auto l = StrList(p, path + ".plans")) {
            for (const auto& name : *l) {
              if (!config_.FindPlan(name)) {
                Error(p.Mark(), path + ".plans: unknown plan " + Quote(name) +
                                    " (defined: " + JoinNames(Names(config_.plans)) + ")");
              }
            }
            rule.plans = *l;
          }
        }
        if (auto c = item["channels"]) {
          rule.channels = ChannelRefs(c, path + ".channels");
        } else {
          Error(item.Mark(), path + ": missing required key 'channels'");
        }
        a.rules.push_back(std::move(rule));
      }
    }
  }
  if (auto d = n["daily_summary"]) {
    std::string path = "alerts.daily_summary";
    if (RequireMap(d, path)) {
      CheckKeys(d, path, {"at", "timezone", "channels"});
      a.daily_summary.timezone = "UTC";
      if (auto v = d["at"]) {
        if (auto t = Str(v, path + ".at")) {
          a.daily_summary.at = *t;
          if (!sync::ParseClockTime(*t)) Error(v.Mark(), path + ".at: " + Quote(*t) + " is not a time of day HH:MM");
        }
      } else {
        Error(d.Mark(), path + ": missing required key 'at' (HH:MM)");
      }
      if (auto v = d["timezone"]) {
        if (auto t = Str(v, path + ".timezone")) {
          a.daily_summary.timezone = *t;
          if (auto tz = core::TimeZone::Load(*t); !tz) Error(v.Mark(), path + ".timezone: " + tz.error().message());
        }
      }
      if (auto c = d["channels"]) {
        a.daily_summary.channels = ChannelRefs(c, path + ".channels");
      } else {
        Error(d.Mark(), path + ": missing required key 'channels'");
      }
    }
  }
}

}  // namespace datasync::app
