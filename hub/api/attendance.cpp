#include "hub/api/attendance.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/csv_cell.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/attendance/attendance_store.hpp"
#include "hub/calendar/civil_time.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The longest window one usage answer covers, in days.
constexpr std::int64_t kMaxUsageDays = 366;
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::size_t kMaxParameter = 256;

// `seconds` / 60 rounded half up to hundredths, as "12.50": the minutes
// the CSV and (as a number) the JSON show beside the exact seconds.
std::string minutes_text(std::int64_t seconds) {
  const std::int64_t hundredths = (seconds * 100 + 30) / 60;
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%02lld", static_cast<long long>(hundredths / 100),
                static_cast<long long>(hundredths % 100));
  return text;
}

double minutes_number(std::int64_t seconds) {
  return static_cast<double>((seconds * 100 + 30) / 60) / 100.0;
}

std::string time_zone_of(const ApiContext& ctx, const std::string& facility_id) {
  if (ctx.config != nullptr) {
    if (auto it = ctx.config->facilities.find(facility_id); it != ctx.config->facilities.end()) {
      return it->second.reporting.time_zone;
    }
  }
  return std::string(calendar::kDefaultTimeZone);
}

json period_json(const attendance::Period& p) {
  json out = {{"start_ms", p.start_ms}, {"start", domain::format_timestamp(p.start_ms)}};
  if (p.end_ms != 0) {
    out["end_ms"] = p.end_ms;
    out["end"] = domain::format_timestamp(p.end_ms);
    out["seconds"] = attendance::period_seconds(p);
  }
  return out;
}

// GET /v1/consultations/{id}/attendance
Response consultation_attendance(ApiContext& ctx, Request& request,
                                 const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto exists = records::ConsultationStore::exists(**tx, principal.facility_id, id);
  if (!exists.ok()) return error_response(request, exists.error());
  if (!*exists) return problem_response(request, 404, MessageId::kConsultationNotFound);
  auto found =
      attendance::AttendanceStore(*ctx.cipher).of_consultation(**tx, principal.facility_id, id);
  if (!found.ok()) return error_response(request, found.error());
  json participants = json::array();
  for (const attendance::ParticipantAttendance& a : found->participants) {
    json item = {{"provider_participant_id", a.provider_participant_id},
                 {"role", a.role},
                 {"periods", json::array()},
                 {"seconds", a.seconds}};
    if (!a.participant_id.empty()) item["participant_id"] = a.participant_id;
    if (!a.practitioner_id.empty()) item["practitioner_id"] = a.practitioner_id;
    for (const attendance::Period& p : a.periods) item["periods"].push_back(period_json(p));
    participants.push_back(std::move(item));
  }
  json body = {{"consultation_id", id},
               {"participants", std::move(participants)},
               {"patient_joined", found->patient_joined},
               {"clinician_joined", found->clinician_joined},
               {"attendee_seconds", found->attendee_seconds},
               {"attendee_minutes", minutes_number(found->attendee_seconds)}};
  if (found->room_ended_at_ms != 0) {
    body["room_ended_at_ms"] = found->room_ended_at_ms;
    body["room_ended_at"] = domain::format_timestamp(found->room_ended_at_ms);
  }
  audit::AuditEvent event =
      request_event(request, principal, "consultation.attendance_read", "consultation", id);
  event.detail = json{{"participants", found->participants.size()}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  return json_response(200, body);
}

// One end of the usage window: an RFC 3339 date-time as it is, or a date
// as the facility's civil midnight (the next one for an inclusive `to`).
std::optional<std::int64_t> window_end(const std::string& value, const std::string& time_zone,
                                       bool next_day) {
  if (auto t = domain::parse_timestamp(value)) return t;
  if (value.size() != 10 || value[4] != '-' || value[7] != '-') return std::nullopt;
  calendar::CivilTime day;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (value[i] < '0' || value[i] > '9') return std::nullopt;
  }
  day.year = std::stoi(value.substr(0, 4));
  day.month = std::stoi(value.substr(5, 2));
  day.day = std::stoi(value.substr(8, 2));
  auto midnight = calendar::instant_of(day, time_zone);
  if (!midnight.ok()) return std::nullopt;
  // The civil date must exist as written (no 2026-02-30 rolling over).
  auto back = calendar::civil_time(*midnight, time_zone);
  if (!back.ok() || calendar::iso_date(*back) != value) return std::nullopt;
  if (!next_day) return *midnight;
  // The next civil midnight: a day later on the wall clock, whatever the
  // zone's offset does in between.
  auto after = calendar::civil_time(*midnight + kDayMs + 3 * 3'600'000, time_zone);
  if (!after.ok()) return std::nullopt;
  calendar::CivilTime next{after->year, after->month, after->day};
  auto next_midnight = calendar::instant_of(next, time_zone);
  if (!next_midnight.ok()) return std::nullopt;
  return *next_midnight;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(begin, end - begin);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    out.push_back(std::move(part));
    begin = end + 1;
  }
  return out;
}

bool wants_csv(const Request& request, const std::optional<std::string>& format) {
  if (format) return *format == "csv";
  auto accept = request.header("Accept");
  return accept && accept->find("text/csv") != std::string::npos;
}

// The value of `dimension` in `row`.
const std::string& dimension_of(const attendance::AttendanceStore::UsageRow& row,
                                const std::string& dimension) {
  if (dimension == "facility") return row.facility_id;
  if (dimension == "instance") return row.instance;
  if (dimension == "practitioner") return row.practitioner_key;
  return row.day;
}

// The JSON member a dimension is answered in.
std::string member_of(const std::string& dimension) {
  if (dimension == "facility") return "facility_id";
  return dimension;
}

std::string usage_csv(const std::vector<attendance::AttendanceStore::UsageRow>& rows,
                      const std::vector<std::string>& group_by) {
  std::string out;
  for (const std::string& g : group_by) out += member_of(g) + ",";
  out += "periods,attendee_seconds,attendee_minutes\r\n";
  for (const auto& row : rows) {
    for (const std::string& g : group_by) out += csv_cell(dimension_of(row, g)) + ",";
    out += std::to_string(row.periods) + "," + std::to_string(row.attendee_seconds) + "," +
           minutes_text(row.attendee_seconds) + "\r\n";
  }
  return out;
}

// GET /v1/usage?from=&to=&group_by=&format=
Response usage(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  const std::string time_zone = time_zone_of(ctx, principal.facility_id);
  std::optional<std::int64_t> from_ms, to_ms;
  std::vector<std::string> group_by;
  std::optional<std::string> format;
  for (const auto& [name, value] : request.query) {
    if (value.size() > kMaxParameter) {
      v.add(name.substr(0, 64), "too_long", "must be at most 256 characters");
    } else if (name == "from" || name == "to") {
      auto t = window_end(value, time_zone, name == "to");
      if (!t) {
        v.add(name, "invalid_format", "must be an RFC 3339 date-time or a date, YYYY-MM-DD");
      } else {
        (name == "from" ? from_ms : to_ms) = *t;
      }
    } else if (name == "group_by") {
      if (value.empty()) continue;
      for (std::string& g : split_commas(value)) {
        if (g != "facility" && g != "instance" && g != "practitioner" && g != "day") {
          v.add("group_by", "invalid_value",
                "must be a comma list of facility, instance, practitioner, day");
          break;
        }
        if (std::find(group_by.begin(), group_by.end(), g) != group_by.end()) {
          v.add("group_by", "invalid_value", "names '" + g + "' twice");
          break;
        }
        group_by.push_back(std::move(g));
      }
    } else if (name == "format") {
      if (value != "json" && value != "csv") {
        v.add("format", "invalid_value", "must be json or csv");
      } else {
        format = value;
      }
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  for (const char* name : {"from", "to"}) {
    if (!request.query.contains(name)) v.add(name, "required", "is required");
  }
  if (from_ms && to_ms && *to_ms <= *from_ms) {
    v.add("to", "out_of_range", "must be after from");
  } else if (from_ms && to_ms && *to_ms - *from_ms > kMaxUsageDays * kDayMs) {
    v.add("to", "out_of_range",
          "must end a window of at most " + std::to_string(kMaxUsageDays) + " days");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());

  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto rows = attendance::AttendanceStore(*ctx.cipher)
                  .usage(**tx, principal.facility_id, *from_ms, *to_ms, group_by, time_zone);
  if (!rows.ok()) return error_response(request, rows.error());
  audit::AuditEvent event = request_event(request, principal, "usage.read", "usage", "");
  event.detail = json{
      {"count", rows->size()},
      {"from_ms", *from_ms},
      {"to_ms", *to_ms},
      {"group_by",
       group_by}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;

  if (wants_csv(request, format)) {
    Response r = Response::text(200, usage_csv(*rows, group_by), "text/csv; charset=utf-8");
    r.set_header("Content-Disposition", "attachment; filename=\"usage-" + std::to_string(*from_ms) +
                                            "-" + std::to_string(*to_ms) + ".csv\"");
    return r;
  }
  json items = json::array();
  std::int64_t seconds = 0, periods = 0;
  for (const auto& row : *rows) {
    json item = json::object();
    for (const std::string& g : group_by) item[member_of(g)] = dimension_of(row, g);
    item["periods"] = row.periods;
    item["attendee_seconds"] = row.attendee_seconds;
    item["attendee_minutes"] = minutes_number(row.attendee_seconds);
    items.push_back(std::move(item));
    seconds += row.attendee_seconds;
    periods += row.periods;
  }
  return json_response(200, json{{"from", domain::format_timestamp(*from_ms)},
                                 {"to", domain::format_timestamp(*to_ms)},
                                 {"time_zone", time_zone},
                                 {"group_by", group_by},
                                 {"items", std::move(items)},
                                 {"total",
                                  {{"periods", periods},
                                   {"attendee_seconds", seconds},
                                   {"attendee_minutes", minutes_number(seconds)}}}});
}

}  // namespace

void add_attendance_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/attendance",
      [&context](Request& r, const access::Principal& p) {
        return consultation_attendance(context, r, p);
      },
      route_options("Who was in a consultation's session, and when."));
  add_authorized_route(
      router, context, "GET", "/v1/usage",
      [&context](Request& r, const access::Principal& p) { return usage(context, r, p); },
      route_options("The facility's attendee-minutes, grouped; JSON or CSV."));
}

}  // namespace wasl::api
