// Secret: a configuration value that came from ${env:…} or ${file:…} or is
// otherwise sensitive. It never prints: streaming or formatting it yields
// "[redacted]". Read it with reveal() only where it is used.
#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace wasl::config {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend std::ostream& operator<<(std::ostream& os, const Secret&) { return os << "[redacted]"; }

 private:
  std::string value_;
};

}  // namespace wasl::config
