#include <algorithm>

#include "alerting/channel.hpp"
#include "app/config_parser.hpp"
#include "core/secrets.hpp"
#include "core/time_zone.hpp"
#include "sync/schedule.hpp"

namespace datasync::app {

void ConfigParser::ParseTemplate(const YAML::Node& v, const std::string& path, generation::Escape escape,
                                 std::string& out) {
  auto t = Str(v, path);
  if (!t) return;
  if (auto parsed = generation::TextTemplate::Parse(*t, escape); !parsed) {
    Error(v.Mark(), path + ": " + parsed.error().message());
    return;
  }
  out = *t;
}

void ConfigParser::ParseChannel(const YAML::Node& key, const YAML::Node& n) {
  std::string name = key.Scalar();
  std::string path = "alerts.channels." + name;
  if (!RequireMap(n, path)) return;
  alerting::ChannelSpec ch;
  ch.name = name;
  auto type_node = n["type"];
  std::string type = type_node ? Str(type_node, path + ".type").value_or("") : "";
  if (type == "email") {
    ch.type = alerting::ChannelType::kEmail;
    CheckKeys(n, path,
              {"type", "smtp_url", "username", "password", "from", "to", "require_tls", "subject", "body", "verify_tls",
               "ca_file", "timeout_secs"});
    if (auto v = n["smtp_url"]) {
      if (auto u = Str(v, path + ".smtp_url")) {
        ch.smtp_url = *u;
        if (!u->starts_with("smtp://") && !u->starts_with("smtps://")) {
          Error(v.Mark(), path + ".smtp_url: " + Quote(*u) +
                              " is not an smtp:// or smtps:// URL (smtp://host:587 "
                              "upgrades with STARTTLS; smtps://host:465 is TLS "
                              "from the start)");
        }
      }
    } else {
      Error(key.Mark(), path + ": missing required key 'smtp_url' (e.g. smtps://smtp.example.com:465)");
    }
    if (auto v = n["username"]) ch.username = Str(v, path + ".username").value_or("");
    if (auto v = n["password"]) ch.password = Secret(v, path + ".password").value_or("");
    if (auto v = n["from"]) {
      ch.from = Str(v, path + ".from").value_or("");
    } else {
      Error(key.Mark(), path + ": missing required key 'from' (the sender address)");
    }
    if (auto v = n["to"]) {
      if (auto l = StrList(v, path + ".to")) {
        ch.to = *l;
        if (l->empty()) Error(v.Mark(), path + ".to: name at least one recipient");
      }
    } else {
      Error(key.Mark(), path + ": missing required key 'to' (recipient addresses)");
    }
    if (auto v = n["require_tls"]) ch.require_tls = Bool(v, path + ".require_tls").value_or(false);
    if (auto v = n["subject"]) ParseTemplate(v, path + ".subject", generation::Escape::kNone, ch.subject);
    if (auto v = n["body"]) ParseTemplate(v, path + ".body", generation::Escape::kNone, ch.body);
  } else if (type == "webhook") {
    ch.type = alerting::ChannelType::kWebhook;
    CheckKeys(n, path, {"type", "url", "format", "headers", "body", "verify_tls", "ca_file", "timeout_secs"});
    if (auto v = n["url"]) {
      if (auto u = Str(v, path + ".url")) {
        ch.url = *u;
        if (!core::IsSecretReference(*u)) {
          if (!u->starts_with("http://") && !u->starts_with("https://")) {
            Error(v.Mark(), path + ".url: " + Quote(*u) +
                                " is not an http:// or https:// URL (or a ${ENV} "
                                "reference to one)");
          }
          // Chat robots carry their token in the URL: keep it out of every log line.
          if (auto q = u->find('?'); q != std::string::npos) core::RegisterSecret(u->substr(q + 1));
        }
      }
    } else {
      Error(key.Mark(), path + ": missing required key 'url' (e.g. url: ${SLACK_WEBHOOK_URL})");
    }
    if (auto v = n["format"]) {
      if (auto f = Str(v, path + ".format")) {
        auto fmt = alerting::ParseWebhookFormat(*f);
        if (!fmt) {
          Error(v.Mark(), path + ".format: " + Quote(*f) +
                              " is not allowed (allowed: json, slack, dingtalk, "
                              "wecom, feishu)");
        } else {
          ch.format = *fmt;
        }
      }
    }
    if (auto v = n["headers"]) {
      if (RequireMap(v, path + ".headers")) {
        for (auto it = v.begin(); it != v.end(); ++it) {
          std::string h = it->first.Scalar();
          YAML::Node hv = it->second;
          if (auto value = Str(hv, path + ".headers." + h)) {
            bool sensitive = core::ToLower(h) == "authorization" || core::ToLower(h).find("token") != std::string::npos;
            if (sensitive && !core::IsSecretReference(*value)) {
              core::RegisterSecret(*value);
              Warn(hv.Mark(), path + ".headers." + h +
                                  ": a secret is written in the file; use a ${ENV_VAR} "
                                  "reference instead");
            }
            ch.headers.emplace_back(h, *value);
          }
        }
      }
    }
    if (auto v = n["body"]) ParseTemplate(v, path + ".body", generation::Escape::kJson, ch.body);
  } else {
    Error(type_node ? type_node.Mark() : key.Mark(),
          path + (type_node ? ".type: " + Quote(type) + " is not allowed" : ": missing required key 'type'") +
              " (allowed: email, webhook)");
    return;
  }
  if (auto v = n["verify_tls"]) ch.verify_tls = Bool(v, path + ".verify_tls").value_or(true);
  if (auto v = n["ca_file"]) {
    if (auto f = Str(v, path + ".ca_file")) {
      std::filesystem::path p(*f);
      ch.ca_file = (p.is_relative() ? config_.project_dir / p : p).string();
    }
  }
  if (auto v = n["timeout_secs"]) {
    if (auto x = PositiveInt(v, path + ".timeout_secs", 600)) ch.timeout_secs = *x;
  }
  ReportProblems(n, key.Mark(), path, alerting::CheckChannelSecrets(ch, CheckContext()));
  config_.alerts.channels.push_back(std::move(ch));
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
