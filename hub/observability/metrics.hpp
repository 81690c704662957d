// Metrics: counters, gauges and histograms rendered in the Prometheus text
// exposition format (version 0.0.4) at /metrics. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wasl::observability {

using Labels = std::map<std::string, std::string>;

class Metrics {
 public:
  Metrics();
  ~Metrics();

  // Declares a family once (name, help text); later calls with the same name
  // return the same family. Names follow Prometheus rules (wasl_…).
  void counter_add(const std::string& name, const std::string& help, const Labels& labels,
                   double delta = 1);
  void gauge_set(const std::string& name, const std::string& help, const Labels& labels,
                 double value);
  // Observes a value (seconds for latencies) into a histogram with the given
  // bucket upper bounds (the first observation fixes them).
  void histogram_observe(const std::string& name, const std::string& help, const Labels& labels,
                         double value, const std::vector<double>& buckets = default_buckets());
  // A gauge read at scrape time (pool sizes, queue depth).
  void gauge_callback(const std::string& name, const std::string& help,
                      std::function<std::vector<std::pair<Labels, double>>()> read);

  std::string render() const;  // the exposition text

  static const std::vector<double>& default_buckets();  // 1 ms … 10 s

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasl::observability
