#include "hub/observability/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <shared_mutex>
#include <utility>

namespace wasl::observability {
namespace {

enum class Kind { kCounter, kGauge, kHistogram, kGaugeCallback };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kCounter: return "counter";
    case Kind::kHistogram: return "histogram";
    case Kind::kGauge:
    case Kind::kGaugeCallback: return "gauge";
  }
  return "untyped";
}

// Label values escape backslash, double quote and line feed (format 0.0.4).
void append_label_value(std::string& out, const std::string& value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

// HELP text escapes backslash and line feed.
void append_help(std::string& out, const std::string& help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) {
    out += "NaN";
    return;
  }
  out.append(buf, end);
}

// `{a="x",b="y"}` or "" for no labels; `extra` (the histogram's le) is
// appended last.
std::string label_text(const Labels& labels, const std::string& extra_name = {},
                       const std::string& extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_label_value(out, value);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    append_label_value(out, extra_value);
    out += '"';
  }
  out += '}';
  return out;
}

struct HistogramData {
  std::vector<std::uint64_t> counts;  // per bucket, not cumulative
  std::uint64_t count = 0;
  double sum = 0;
};

struct Family {
  Kind kind;
  std::string help;
  std::mutex mutex;                 // guards the series below
  std::map<Labels, double> values;  // counters and gauges
  std::vector<double> buckets;      // histograms: sorted upper bounds
  std::map<Labels, HistogramData> histograms;
  std::function<std::vector<std::pair<Labels, double>>()> read;  // callback gauges
};

}  // namespace

struct Metrics::Impl {
  mutable std::shared_mutex mutex;  // guards the table, not the families' series
  std::map<std::string, std::unique_ptr<Family>> families;

  // Returns the family, creating it with `kind`; nullptr when the name is
  // already used with another kind.
  Family* family(const std::string& name, const std::string& help, Kind kind) {
    {
      std::shared_lock lock(mutex);
      auto it = families.find(name);
      if (it != families.end()) return it->second->kind == kind ? it->second.get() : nullptr;
    }
    std::unique_lock lock(mutex);
    auto& slot = families[name];
    if (!slot) {
      slot = std::make_unique<Family>();
      slot->kind = kind;
      slot->help = help;
    }
    return slot->kind == kind ? slot.get() : nullptr;
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::counter_add(const std::string& name, const std::string& help, const Labels& labels,
                          double delta) {
  if (delta < 0) return;  // counters only go up
  Family* f = impl_->family(name, help, Kind::kCounter);
  if (!f) return;
  std::lock_guard lock(f->mutex);
  f->values[labels] += delta;
}

void Metrics::gauge_set(const std::string& name, const std::string& help, const Labels& labels,
                        double value) {
  Family* f = impl_->family(name, help, Kind::kGauge);
  if (!f) return;
  std::lock_guard lock(f->mutex);
  f->values[labels] = value;
}

void Metrics::gauge_add(const std::string& name, const std::string& help, const Labels& labels,
                        double delta) {
  Family* f = impl_->family(name, help, Kind::kGauge);
  if (!f) return;
  std::lock_guard lock(f->mutex);
  f->values[labels] += delta;
}

void Metrics::histogram_observe(const std::string& name, const std::string& help,
                                const Labels& labels, double value,
                                const std::vector<double>& buckets) {
  Family* f = impl_->family(name, help, Kind::kHistogram);
  if (!f) return;
  std::lock_guard lock(f->mutex);
  if (f->buckets.empty()) {
    f->buckets = buckets;
    std::sort(f->buckets.begin(), f->buckets.end());
    f->buckets.erase(std::unique(f->buckets.begin(), f->buckets.end()), f->buckets.end());
    // +Inf is always rendered; an explicit one would duplicate it.
    while (!f->buckets.empty() && std::isinf(f->buckets.back())) f->buckets.pop_back();
  }
  HistogramData& h = f->histograms[labels];
  if (h.counts.size() != f->buckets.size()) h.counts.assign(f->buckets.size(), 0);
  auto it = std::lower_bound(f->buckets.begin(), f->buckets.end(), value);
  if (it != f->buckets.end()) ++h.counts[static_cast<std::size_t>(it - f->buckets.begin())];
  ++h.count;
  h.sum += value;
}

void Metrics::gauge_callback(const std::string& name, const std::string& help,
                             std::function<std::vector<std::pair<Labels, double>>()> read) {
  Family* f = impl_->family(name, help, Kind::kGaugeCallback);
  if (!f) return;
  std::lock_guard lock(f->mutex);
  f->read = std::move(read);
}

void Metrics::remove_gauge_callback(const std::string& name) {
  std::unique_lock lock(impl_->mutex);
  auto it = impl_->families.find(name);
  if (it != impl_->families.end() && it->second->kind == Kind::kGaugeCallback) {
    impl_->families.erase(it);
  }
}

std::string Metrics::render() const {
  std::string out;
  // The table lock is shared for the whole render so no family is erased
  // underneath; callbacks run after the family's own lock is released.
  std::shared_lock table_lock(impl_->mutex);
  for (const auto& [name, family] : impl_->families) {
    Family& f = *family;
    std::vector<std::pair<Labels, double>> samples;
    std::map<Labels, HistogramData> histograms;
    std::vector<double> buckets;
    std::function<std::vector<std::pair<Labels, double>>()> read;
    {
      std::lock_guard lock(f.mutex);
      samples.assign(f.values.begin(), f.values.end());
      histograms = f.histograms;
      buckets = f.buckets;
      read = f.read;
    }
    if (read) {
      try {
        samples = read();
      } catch (...) {
        samples.clear();  // a failing reader drops its samples from this scrape only
      }
      std::sort(samples.begin(), samples.end());
    }
    out += "# HELP ";
    out += name;
    out += ' ';
    append_help(out, f.help);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += kind_name(f.kind);
    out += '\n';
    if (f.kind == Kind::kHistogram) {
      for (const auto& [labels, h] : histograms) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < buckets.size(); ++i) {
          cumulative += i < h.counts.size() ? h.counts[i] : 0;
          std::string le;
          append_number(le, buckets[i]);
          out += name + "_bucket" + label_text(labels, "le", le) + ' ';
          append_number(out, static_cast<double>(cumulative));
          out += '\n';
        }
        out += name + "_bucket" + label_text(labels, "le", "+Inf") + ' ';
        append_number(out, static_cast<double>(h.count));
        out += '\n';
        out += name + "_sum" + label_text(labels) + ' ';
        append_number(out, h.sum);
        out += '\n';
        out += name + "_count" + label_text(labels) + ' ';
        append_number(out, static_cast<double>(h.count));
        out += '\n';
      }
    } else {
      for (const auto& [labels, value] : samples) {
        out += name + label_text(labels) + ' ';
        append_number(out, value);
        out += '\n';
      }
    }
  }
  return out;
}

const std::vector<double>& Metrics::default_buckets() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

}  // namespace wasl::observability
