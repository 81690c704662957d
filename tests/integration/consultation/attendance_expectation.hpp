// What a consultation's attendance must be, computed here from the
// provider's own events (the video peer's log), independently of the hub:
// each participant's events sorted by time, a join opening a period unless
// one is open, a leave closing the open one, the room's end closing every
// open one at its time, touching or overlapping periods merged; a period
// counts its whole seconds. And the hub's answer
// (GET /v1/consultations/{id}/attendance) read in the same shape. A test
// double's tool: never shipped.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace wasl::testing {

// One provider event: who (the provider's participant id; empty for the
// room's end), when (epoch ms) and what.
struct AttendanceMark {
  enum Kind { kJoin, kLeave, kRoomEnd };
  std::string who;
  std::int64_t at_ms = 0;
  Kind kind = kJoin;
};

using Periods = std::vector<std::pair<std::int64_t, std::int64_t>>;  // [start, end] ms; end 0 open

inline std::map<std::string, Periods> expected_periods(std::vector<AttendanceMark> marks) {
  std::stable_sort(
      marks.begin(), marks.end(),
      [](const AttendanceMark& a, const AttendanceMark& b) { return a.at_ms < b.at_ms; });
  std::map<std::string, Periods> out;
  std::map<std::string, std::int64_t> open;
  for (const AttendanceMark& m : marks) {
    if (m.kind == AttendanceMark::kRoomEnd) {
      for (const auto& [who, start] : open) out[who].emplace_back(start, m.at_ms);
      open.clear();
    } else if (m.kind == AttendanceMark::kJoin) {
      open.emplace(m.who, m.at_ms);  // a join while in the room changes nothing
    } else if (auto it = open.find(m.who); it != open.end()) {
      out[m.who].emplace_back(it->second, m.at_ms);
      open.erase(it);
    }
  }
  for (const auto& [who, start] : open) out[who].emplace_back(start, 0);
  for (auto& [who, periods] : out) {
    std::sort(periods.begin(), periods.end());
    Periods merged;
    for (const auto& p : periods) {
      if (!merged.empty() && merged.back().second != 0 && p.first <= merged.back().second) {
        merged.back().second = p.second == 0 ? 0 : std::max(merged.back().second, p.second);
      } else {
        merged.push_back(p);
      }
    }
    periods = std::move(merged);
  }
  return out;
}

// Whole seconds of the closed periods.
inline std::int64_t whole_seconds(const Periods& periods) {
  std::int64_t seconds = 0;
  for (const auto& [start, end] : periods) {
    if (end != 0) seconds += (end - start) / 1000;
  }
  return seconds;
}

// The hub's attendance answer as provider participant id → periods.
inline std::map<std::string, Periods> periods_of(const nlohmann::json& attendance) {
  std::map<std::string, Periods> out;
  for (const auto& p : attendance.value("participants", nlohmann::json::array())) {
    Periods& periods = out[p.value("provider_participant_id", std::string())];
    for (const auto& period : p.value("periods", nlohmann::json::array())) {
      periods.emplace_back(period.value("start_ms", std::int64_t{0}),
                           period.value("end_ms", std::int64_t{0}));
    }
  }
  return out;
}

}  // namespace wasl::testing
