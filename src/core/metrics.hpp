// Metrics: counters, gauges and histograms with labels, rendered in the Prometheus text exposition format
// (https://prometheus.io/docs/instrumenting/exposition_formats/) for the daemon's /metrics endpoint
// (ARCHITECTURE §12). Domain code records through this small interface; only api/ serves it.
//
// Lifecycle: Describe each family once (name, type, help, histogram buckets), then record any number of
// times; a family recorded without Describe is an untyped gauge. Collectors run at the start of every
// Render and set gauges that are cheaper to read at scrape time than to keep current (quota windows,
// queue lengths). Thread-safety: every method may be called from any thread; collectors run on the
// rendering thread without the registry's lock held, so they may record.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datasync::core {

enum class MetricType : uint8_t { kCounter, kGauge, kHistogram };

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  // Latency buckets in seconds, from a fast local call to a vendor's slowest answers.
  static std::vector<double> LatencyBuckets();

  void Describe(std::string name, MetricType type, std::string help, std::vector<double> buckets = {});

  void Add(std::string_view name, const MetricLabels& labels, double delta = 1);  // counters
  void Set(std::string_view name, const MetricLabels& labels, double value);      // gauges
  void Observe(std::string_view name, const MetricLabels& labels, double value);  // histograms
  // Drops every series of a gauge family (a collector that re-lists what exists now).
  void ClearSeries(std::string_view name);

  void AddCollector(std::function<void(MetricsRegistry&)> collector);

  // The current value of one counter or gauge series (0 when absent); for tests and summaries.
  double Value(std::string_view name, const MetricLabels& labels) const;

  std::string Render();

 private:
  struct Series {
    double value = 0;               // counter, gauge; histogram: sum
    uint64_t count = 0;             // histogram observations
    std::vector<uint64_t> buckets;  // histogram: per upper bound (not cumulative)
  };
  struct Family {
    MetricType type = MetricType::kGauge;
    std::string help;
    std::vector<double> bounds;
    std::map<std::string, Series> series;  // by rendered label set: `a="x",b="y"`
  };
  Family& FamilyLocked(std::string_view name, MetricType fallback);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::mutex collectors_mu_;
  std::vector<std::function<void(MetricsRegistry&)>> collectors_;
};

}  // namespace datasync::core
