#include "hub/observability/metrics.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace wasl::observability {
namespace {

TEST(MetricsTest, RendersCountersAndGaugesWithHelpAndType) {
  Metrics m;
  m.counter_add("wasl_jobs_total", "Jobs run.", {{"kind", "claim"}});
  m.counter_add("wasl_jobs_total", "Jobs run.", {{"kind", "claim"}}, 2);
  m.counter_add("wasl_jobs_total", "Jobs run.", {{"kind", "report"}});
  m.gauge_set("wasl_queue_depth", "Items queued.", {}, 7);
  m.gauge_add("wasl_queue_depth", "Items queued.", {}, -2);
  EXPECT_EQ(m.render(),
            "# HELP wasl_jobs_total Jobs run.\n"
            "# TYPE wasl_jobs_total counter\n"
            "wasl_jobs_total{kind=\"claim\"} 3\n"
            "wasl_jobs_total{kind=\"report\"} 1\n"
            "# HELP wasl_queue_depth Items queued.\n"
            "# TYPE wasl_queue_depth gauge\n"
            "wasl_queue_depth 5\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Metrics m;
  std::vector<double> buckets = {0.1, 0.5, 1};
  for (double v : {0.05, 0.1, 0.3, 0.7, 2.0}) {
    m.histogram_observe("wasl_latency_seconds", "Latency.", {{"op", "x"}}, v, buckets);
  }
  EXPECT_EQ(m.render(),
            "# HELP wasl_latency_seconds Latency.\n"
            "# TYPE wasl_latency_seconds histogram\n"
            "wasl_latency_seconds_bucket{op=\"x\",le=\"0.1\"} 2\n"
            "wasl_latency_seconds_bucket{op=\"x\",le=\"0.5\"} 3\n"
            "wasl_latency_seconds_bucket{op=\"x\",le=\"1\"} 4\n"
            "wasl_latency_seconds_bucket{op=\"x\",le=\"+Inf\"} 5\n"
            "wasl_latency_seconds_sum{op=\"x\"} 3.15\n"
            "wasl_latency_seconds_count{op=\"x\"} 5\n");
}

TEST(MetricsTest, DefaultBucketsSpanMillisecondsToTenSeconds) {
  const auto& b = Metrics::default_buckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.001);
  EXPECT_DOUBLE_EQ(b.back(), 10);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  Metrics m;
  m.counter_add("wasl_x_total", "Line one\nback\\slash", {{"v", "a\\b\"c\nd"}});
  EXPECT_EQ(m.render(),
            "# HELP wasl_x_total Line one\\nback\\\\slash\n"
            "# TYPE wasl_x_total counter\n"
            "wasl_x_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(MetricsTest, GaugeCallbackIsReadAtRenderAndCanBeRemoved) {
  Metrics m;
  int depth = 1;
  m.gauge_callback("wasl_pool_size", "Pool size.", [&] {
    return std::vector<std::pair<Labels, double>>{{{{"pool", "b"}}, double(depth)},
                                                  {{{"pool", "a"}}, 2}};
  });
  EXPECT_NE(m.render().find("wasl_pool_size{pool=\"b\"} 1\n"), std::string::npos);
  depth = 9;
  std::string text = m.render();
  EXPECT_NE(text.find("wasl_pool_size{pool=\"b\"} 9\n"), std::string::npos);
  EXPECT_LT(text.find("pool=\"a\""), text.find("pool=\"b\""));
  m.remove_gauge_callback("wasl_pool_size");
  EXPECT_EQ(m.render(), "");
}

TEST(MetricsTest, KindConflictsAndNegativeCounterDeltasAreDropped) {
  Metrics m;
  m.counter_add("wasl_a", "A.", {}, 1);
  m.gauge_set("wasl_a", "A.", {}, 100);
  m.counter_add("wasl_a", "A.", {}, -5);
  EXPECT_EQ(m.render(), "# HELP wasl_a A.\n# TYPE wasl_a counter\nwasl_a 1\n");
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        m.counter_add("wasl_hits_total", "Hits.", {{"route", "/x"}});
        m.histogram_observe("wasl_d_seconds", "D.", {}, 0.002);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::string text = m.render();
  EXPECT_NE(text.find("wasl_hits_total{route=\"/x\"} 80000\n"), std::string::npos);
  EXPECT_NE(text.find("wasl_d_seconds_count 80000\n"), std::string::npos);
  EXPECT_NE(text.find("wasl_d_seconds_bucket{le=\"0.001\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("wasl_d_seconds_bucket{le=\"0.0025\"} 80000\n"), std::string::npos);
}

}  // namespace
}  // namespace wasl::observability
