#include "app/alert_dispatcher.hpp"

#include "alerting/notifier.hpp"

namespace datasync::app {

AlertDispatcher::~AlertDispatcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

core::Status AlertDispatcher::Configure(const alerting::AlertsConfig& alerts, const std::string& project) {
  std::vector<std::unique_ptr<alerting::Channel>> channels;
  for (const auto& spec : alerts.channels) {
    auto ch = alerting::MakeChannel(spec);
    if (!ch) return core::Fail(ch.error());
    channels.push_back(std::move(*ch));
  }
  alerting::NotifierOptions o;
  o.project = project;
  o.group = std::chrono::seconds(alerts.group_secs);
  o.dedup = std::chrono::seconds(alerts.dedup_secs);
  o.max_per_hour = alerts.max_per_hour;
  o.on_outcome = on_outcome_;
  auto n = std::make_shared<alerting::Notifier>(std::move(channels), alerts.rules, o, &metrics_);
  std::lock_guard lock(notifier_mu_);
  notifier_ = std::move(n);
  return core::Ok();
}

std::shared_ptr<alerting::Notifier> AlertDispatcher::Current() {
  std::lock_guard lock(notifier_mu_);
  return notifier_;
}

void AlertDispatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void AlertDispatcher::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    if (auto n = Current()) n->Tick(clock_.Now());
    lock.lock();
    cv_.wait_for(lock, tick_, [&] { return stop_; });
  }
}

void AlertDispatcher::Stop(std::chrono::seconds group) {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (auto n = Current()) n->Tick(clock_.Now() + group);
}

void AlertDispatcher::Submit(alerting::Alert alert) {
  auto n = Current();
  alert.at_us = core::ToEpochMicros(clock_.Now());
  if (n) n->Submit(std::move(alert), clock_.Now());
}

void AlertDispatcher::SubmitTo(const std::vector<std::string>& channels, alerting::Alert alert, core::TimePoint now) {
  if (auto n = Current()) n->SubmitTo(channels, std::move(alert), now);
}

size_t AlertDispatcher::Backlog() {
  auto n = Current();
  return n ? n->Backlog() : 0;
}

}  // namespace datasync::app
