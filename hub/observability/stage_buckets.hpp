// stage_buckets(): histogram bucket bounds, in seconds, for the stages inside
// one request (waits, verification, encryption, a commit): 50 µs … 512 ms,
// doubling from 0.5 ms, so a p99 of a few hundred microseconds is told from
// one of a few milliseconds. Metrics::default_buckets() (1 ms … 10 s) is for
// whole requests.
#pragma once

#include <vector>

namespace wasl::observability {

inline const std::vector<double>& stage_buckets() {
  static const std::vector<double> kBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                               0.002,   0.004,  0.008,   0.016,  0.032,
                                               0.064,   0.128,  0.256,   0.512};
  return kBuckets;
}

}  // namespace wasl::observability
