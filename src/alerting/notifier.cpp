#include "alerting/notifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::alerting {

namespace {

constexpr size_t kMaxPending = 1000;  // distinct alerts kept per channel; beyond it they are only counted

std::string KeyOf(const Alert& a) {
  return a.key.empty() ? std::string(AlertEventName(a.event)) + "|" + a.plan : a.key;
}

std::string Indent(const std::string& text) {
  std::string out = "  ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

}  // namespace

Notifier::Notifier(std::vector<std::unique_ptr<Channel>> channels, std::vector<RuleSpec> rules, NotifierOptions options,
                   core::MetricsRegistry* metrics)
    : rules_(std::move(rules)), opt_(std::move(options)), metrics_(metrics) {
  for (auto& c : channels) {
    std::string name = c->name();
    channels_[name].channel = std::move(c);
  }
  if (metrics_) {
    metrics_->Describe("datasync_alerts_total", core::MetricType::kCounter,
                       "Alert messages by channel and outcome (sent, retried, failed, suppressed: a repeat or an "
                       "alert beyond the queue, counted and mentioned in the next message)");
  }
}

void Notifier::Count(const std::string& channel, const char* outcome, double n) {
  if (metrics_) metrics_->Add("datasync_alerts_total", {{"channel", channel}, {"outcome", outcome}}, n);
}

void Notifier::QueueLocked(State& s, Alert alert, core::TimePoint now, bool dedup) {
  const std::string& name = s.channel->name();
  alert.key = KeyOf(alert);
  if (dedup) {
    auto sent = s.sent_keys.find(alert.key);
    if (sent != s.sent_keys.end() && now - sent->second < opt_.dedup) {
      s.suppressed++;
      Count(name, "suppressed");
      return;
    }
    for (auto& p : s.pending) {
      if (p.alert.key == alert.key) {
        p.repeats++;
        s.suppressed++;
        Count(name, "suppressed");
        return;
      }
    }
  }
  if (s.pending.size() >= kMaxPending) {
    s.suppressed++;
    Count(name, "suppressed");
    return;
  }
  if (s.pending.empty()) s.first_at = now;
  s.pending.push_back({std::move(alert), 0});
}

size_t Notifier::Submit(Alert alert, core::TimePoint now) {
  std::lock_guard lock(mu_);
  std::vector<std::string> targets;
  for (const auto& rule : rules_) {
    if (std::find(rule.events.begin(), rule.events.end(), alert.event) == rule.events.end()) continue;
    if (!rule.plans.empty() && std::find(rule.plans.begin(), rule.plans.end(), alert.plan) == rule.plans.end())
      continue;
    for (const auto& c : rule.channels) {
      if (std::find(targets.begin(), targets.end(), c) == targets.end()) targets.push_back(c);
    }
  }
  size_t taken = 0;
  std::string queued;
  for (const auto& c : targets) {
    auto it = channels_.find(c);
    if (it == channels_.end()) continue;
    QueueLocked(it->second, alert, now, true);
    queued += (queued.empty() ? "" : ", ") + c;
    taken++;
  }
  core::LogDebug(fmt::format("alert {} queued for [{}]: {}", AlertEventName(alert.event), queued, alert.title));
  return taken;
}

void Notifier::SubmitTo(const std::vector<std::string>& channels, Alert alert, core::TimePoint now) {
  std::lock_guard lock(mu_);
  for (const auto& c : channels) {
    auto it = channels_.find(c);
    if (it != channels_.end()) QueueLocked(it->second, alert, now, false);
  }
  core::LogDebug(fmt::format("alert {} queued for [{}]: {}", AlertEventName(alert.event), core::Join(channels, ", "),
                             alert.title));
}

Message Notifier::BuildLocked(State& s, core::TimePoint now) {
  Message m;
  m.project = opt_.project;
  m.at_us = core::ToEpochMicros(now);
  std::map<std::string, int64_t> by_event;
  for (size_t i = 0; i < s.pending.size(); ++i) {
    const Pending& p = s.pending[i];
    by_event[std::string(AlertEventName(p.alert.event))]++;
    s.sent_keys[p.alert.key] = now;
    if (i >= opt_.max_listed) {
      m.more++;
      continue;
    }
    m.alerts.push_back(p.alert);
    if (!m.text.empty()) m.text += "\n\n";
    m.text += "- " + p.alert.title;
    if (p.repeats > 0) m.text += fmt::format(" ({} more time(s))", p.repeats);
    if (!p.alert.message.empty()) m.text += "\n" + Indent(p.alert.message);
  }
  if (m.alerts.size() == 1 && m.more == 0) {
    m.title = m.alerts[0].title;
  } else {
    std::string kinds;
    for (const auto& [event, n] : by_event) kinds += (kinds.empty() ? "" : ", ") + fmt::format("{} {}", n, event);
    m.title = fmt::format("{} alerts: {}", m.alerts.size() + static_cast<size_t>(m.more), kinds);
  }
  m.suppressed = s.suppressed;
  s.suppressed = 0;
  s.pending.clear();
  for (auto it = s.sent_keys.begin(); it != s.sent_keys.end();) {
    it = now - it->second >= opt_.dedup ? s.sent_keys.erase(it) : std::next(it);
  }
  return m;
}

size_t Notifier::Tick(core::TimePoint now) {
  std::vector<std::pair<State*, Message>> due;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, s] : channels_) {
      if (s.outbox) {
        if (now >= s.outbox->next_at) due.emplace_back(&s, s.outbox->message);
        continue;
      }
      if (s.pending.empty() || now - s.first_at < opt_.group) continue;
      while (!s.sent_times.empty() && now - s.sent_times.front() >= std::chrono::hours(1)) s.sent_times.pop_front();
      if (static_cast<int64_t>(s.sent_times.size()) >= opt_.max_per_hour) continue;  // waits, grows, goes out later
      s.sent_times.push_back(now);
      s.outbox = Outgoing{BuildLocked(s, now), 0, now};
      due.emplace_back(&s, s.outbox->message);
    }
  }
  size_t delivered = 0;
  std::vector<std::tuple<std::string, const Message*, std::string>> ended;  // for on_outcome, after the lock
  for (auto& [s, message] : due) {
    auto st = s->channel->Send(message);
    std::lock_guard lock(mu_);
    const std::string& name = s->channel->name();
    if (st) {
      s->outbox.reset();
      delivered++;
      Count(name, "sent");
      core::LogInfo(fmt::format("alert channel '{}': sent \"{}\"", name, message.title));
      ended.emplace_back(name, &message, std::string());
      continue;
    }
    Outgoing& out = *s->outbox;
    out.attempts++;
    if (out.attempts >= opt_.max_attempts) {
      core::LogError(fmt::format("alert channel '{}': giving up on \"{}\" after {} attempt(s): {}", name, message.title,
                                 out.attempts, core::Redact(st.error().message())));
      Count(name, "failed");
      s->outbox.reset();
      ended.emplace_back(name, &message, core::Redact(st.error().message()));
      continue;
    }
    auto wait = opt_.retry * (1 << std::min(out.attempts - 1, 10));
    out.next_at = now + wait;
    Count(name, "retried");
    core::LogWarn(fmt::format("alert channel '{}': sending \"{}\" failed ({}); retrying in {} s", name, message.title,
                              core::Redact(st.error().message()),
                              std::chrono::duration_cast<std::chrono::seconds>(wait).count()));
  }
  if (opt_.on_outcome) {
    for (const auto& [channel, message, error] : ended) opt_.on_outcome(channel, *message, error);
  }
  return delivered;
}

size_t Notifier::Backlog() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [_, s] : channels_) n += (s.outbox ? 1 : 0) + (s.pending.empty() ? 0 : 1);
  return n;
}

}  // namespace datasync::alerting
