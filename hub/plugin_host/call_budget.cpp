#include "hub/plugin_host/call_budget.hpp"

#include <string>

namespace wasl::plugin_host {
namespace {

thread_local const CallBudget* t_budget = nullptr;

}  // namespace

std::chrono::milliseconds CallBudget::time_left() const {
  const auto now = std::chrono::steady_clock::now();
  if (deadline <= now) return std::chrono::milliseconds(0);
  if (deadline == std::chrono::steady_clock::time_point::max()) {
    return std::chrono::milliseconds::max();
  }
  return std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
}

sdk::Status CallBudget::check(std::string_view what) const {
  if (is_cancelled()) {
    return sdk::Error(sdk::ErrorCode::kCancelled,
                      std::string(what) +
                          ": the call was cancelled (its step was given up or the hub is stopping)",
                      true);
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    return sdk::Error(sdk::ErrorCode::kDeadlineExceeded,
                      std::string(what) + ": the call's time limit has passed", true);
  }
  return {};
}

const CallBudget* current_call_budget() { return t_budget; }

sdk::Status call_may_continue(std::string_view what) {
  const CallBudget* budget = t_budget;
  return budget == nullptr ? sdk::Status() : budget->check(what);
}

ScopedCallBudget::ScopedCallBudget(CallBudget budget)
    : budget_(std::move(budget)), previous_(t_budget) {
  t_budget = &budget_;
}

ScopedCallBudget::~ScopedCallBudget() { t_budget = previous_; }

}  // namespace wasl::plugin_host
