// What the benchmarks read about their own process.
#pragma once

#include <sys/resource.h>

namespace wasl::bench {

// CPU seconds (user + system, every thread) this process has used so far.
inline double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace wasl::bench
