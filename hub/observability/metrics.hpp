// Metrics: counters, gauges and histograms rendered in the Prometheus text
// exposition format (version 0.0.4) at /metrics. Thread-safe: every member
// may be called from any thread. Updates take a shared lock on the family
// table and a short per-family lock; render() sorts families and series by
// name so its output is stable. A name used with two different kinds
// (counter vs gauge) keeps its first kind; the mismatched update is dropped.
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
  // Adds `delta` (may be negative) to a gauge atomically with respect to other
  // updates of the same series (in-flight counts).
  void gauge_add(const std::string& name, const std::string& help, const Labels& labels,
                 double delta);
  // Observes a value (seconds for latencies) into a histogram with the given
  // bucket upper bounds (the first observation fixes them).
  void histogram_observe(const std::string& name, const std::string& help, const Labels& labels,
                         double value, const std::vector<double>& buckets = default_buckets());
  // A gauge read at scrape time (pool sizes, queue depth). `read` runs on the
  // thread calling render(), without any lock of this object held, so it may
  // not call back into this Metrics. A second call with the same name
  // replaces the callback. Whatever `read` captures must outlive this object
  // or be removed with remove_gauge_callback() first.
  void gauge_callback(const std::string& name, const std::string& help,
                      std::function<std::vector<std::pair<Labels, double>>()> read);
  void remove_gauge_callback(const std::string& name);

  std::string render() const;  // the exposition text

  static const std::vector<double>& default_buckets();  // 1 ms … 10 s

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasl::observability
