#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>

#include "core/strings.hpp"

namespace datasync::core {

namespace {

// Label values escape backslash, double quote and newline; HELP text escapes backslash and newline.
std::string Escape(std::string_view s, bool quotes) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::string LabelText(const MetricLabels& labels) {
  std::string s;
  for (const auto& [k, v] : labels) {
    if (!s.empty()) s += ',';
    s += k + "=\"" + Escape(v, true) + "\"";
  }
  return s;
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return FormatDouble(v);
}

std::string_view TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

std::string WithLabels(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}

}  // namespace

std::vector<double> MetricsRegistry::LatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

void MetricsRegistry::Describe(std::string name, MetricType type, std::string help, std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.type = type;
  f.help = std::move(help);
  std::sort(buckets.begin(), buckets.end());
  f.bounds = std::move(buckets);
}

MetricsRegistry::Family& MetricsRegistry::FamilyLocked(std::string_view name, MetricType fallback) {
  auto it = families_.find(name);
  if (it != families_.end()) return it->second;
  Family& f = families_[std::string(name)];
  f.type = fallback;
  return f;
}

void MetricsRegistry::Add(std::string_view name, const MetricLabels& labels, double delta) {
  std::lock_guard lock(mu_);
  FamilyLocked(name, MetricType::kCounter).series[LabelText(labels)].value += delta;
}

void MetricsRegistry::Set(std::string_view name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  FamilyLocked(name, MetricType::kGauge).series[LabelText(labels)].value = value;
}

void MetricsRegistry::Observe(std::string_view name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  Family& f = FamilyLocked(name, MetricType::kHistogram);
  Series& s = f.series[LabelText(labels)];
  if (s.buckets.size() != f.bounds.size()) s.buckets.assign(f.bounds.size(), 0);
  auto at = std::lower_bound(f.bounds.begin(), f.bounds.end(), value);  // le: value <= bound
  if (at != f.bounds.end()) s.buckets[static_cast<size_t>(at - f.bounds.begin())]++;
  s.value += value;
  s.count++;
}

void MetricsRegistry::ClearSeries(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) it->second.series.clear();
}

void MetricsRegistry::AddCollector(std::function<void(MetricsRegistry&)> collector) {
  std::lock_guard lock(collectors_mu_);
  collectors_.push_back(std::move(collector));
}

double MetricsRegistry::Value(std::string_view name, const MetricLabels& labels) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  auto s = it->second.series.find(LabelText(labels));
  return s == it->second.series.end() ? 0 : s->second.value;
}

std::string MetricsRegistry::Render() {
  {
    std::lock_guard lock(collectors_mu_);
    for (auto& c : collectors_) c(*this);
  }
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += "# HELP " + name + " " + Escape(f.help, false) + "\n";
    out += "# TYPE " + name + " " + std::string(TypeName(f.type)) + "\n";
    for (const auto& [labels, s] : f.series) {
      if (f.type != MetricType::kHistogram) {
        out += WithLabels(name, labels) + " " + Number(s.value) + "\n";
        continue;
      }
      std::string prefix = labels.empty() ? "" : labels + ",";
      uint64_t cumulative = 0;
      for (size_t i = 0; i < f.bounds.size(); ++i) {
        cumulative += i < s.buckets.size() ? s.buckets[i] : 0;
        out += name + "_bucket{" + prefix + "le=\"" + Number(f.bounds[i]) + "\"} " + std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(s.count) + "\n";
      out += WithLabels(name + "_sum", labels) + " " + Number(s.value) + "\n";
      out += WithLabels(name + "_count", labels) + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace datasync::core
