// QuietHours: the part of each day, on a facility's wall clock, in which
// no message but "the clinician is ready" goes out
// (facilities.<id>.notifications.quiet_hours_start/_end, default
// 22:00-08:00). A window whose start is after its end spans midnight; equal
// start and end is no window. The clock is the facility's time zone through
// hub/calendar (ICU), so the window follows daylight-saving changes: a
// window end that a spring-forward gap skips ends at the first instant
// after the gap. Thread-safe: a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

class QuietHours {
 public:
  // From "HH:MM" texts (as the configuration validated them);
  // kInvalidArgument for another form.
  static sdk::Result<QuietHours> parse(std::string_view start, std::string_view end);

  // When `at_ms` falls inside the window on `zone`'s clock, the instant the
  // window ends; nullopt outside it (and always when there is no window).
  // kInvalidArgument for an unknown zone.
  sdk::Result<std::optional<std::int64_t>> until(std::int64_t at_ms, std::string_view zone) const;

 private:
  int start_minute_ = 0;  // minutes after midnight
  int end_minute_ = 0;
};

}  // namespace wasl::notifications
