// InstanceShares: how many of a pool's threads are in calls to each plugin
// instance, so that one instance whose provider hangs holds at most its
// share of them (the workflow workers' and the task runner's bulkheads).
//
// Thread-safe. The object must outlive every share it gave.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace wasl::jobs {

class InstanceShares {
 public:
  // At most `most` shares of one instance at once (1 when less).
  explicit InstanceShares(int most);

  // One share of `instance`, given back when the returned pointer's last
  // copy goes; null when `most` of them are taken.
  std::shared_ptr<void> take(const std::string& instance);

 private:
  const int most_;
  std::mutex mutex_;
  std::map<std::string, int, std::less<>> taken_;  // an instance's entry goes with its last share
};

}  // namespace wasl::jobs
