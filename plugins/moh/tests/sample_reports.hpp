// Report bodies as hub.build_report makes them, for the plugin's tests.
#pragma once

#include <nlohmann/json.hpp>

#include "wasl/sdk/types.hpp"

namespace wasl::plugins::moh::testing {

inline nlohmann::json sample_facility(const char* language = "en") {
  return {{"id", "hospital-a"},
          {"name", "Hospital A"},
          {"licence", "10000000000001"},
          {"language", language},
          {"time_zone", "Asia/Riyadh"}};
}

inline sdk::Report sample_consultation_report(bool with_name = false) {
  sdk::Report r;
  r.idempotency_key = "wasl-0123456789abcdef0123456789abcdef";
  r.kind = "consultation";
  r.facility_id = "hospital-a";
  r.period_start_ms = 1740805200000;
  r.period_end_ms = 1740807000000;
  r.body = {
      {"report_id", "rep-1"},
      {"generated_at", "2025-03-01T12:00:00+03:00"},
      {"facility", sample_facility()},
      {"period",
       {{"kind", "session"},
        {"label", "2025-03-01"},
        {"start", "2025-03-01T08:00:00+03:00"},
        {"end", "2025-03-01T08:29:59+03:00"},
        {"start_ms", 1740805200000},
        {"end_ms", 1740807000000},
        {"start_hijri", "1446-09-01"},
        {"end_hijri", "1446-09-01"}}},
      {"consultation",
       {{"id", "c-1"},
        {"type", "doctor_patient"},
        {"status", "completed"},
        {"service_type", "Telemedicine consultation"},
        {"specialty", "Family medicine"}}},
      {"duration_seconds", 1800},
      {"attendance",
       {{"outcome", "held"},
        {"attendee_seconds", 3410},
        {"attendee_minutes", 56.83},
        {"patient_joined", true},
        {"clinician_joined", true}}},
      {"patient", {{"identifiers", {{{"kind", "iqama"}, {"value", "2123456789"}}}}}},
      {"practitioner", {{"licence", "PR-0001"}}},
  };
  if (with_name) {
    r.body["patient"]["name"] = {
        {"text", "فاطمة الزهراني"}, {"given", "فاطمة"}, {"family", "الزهراني"}};
  }
  return r;
}

inline sdk::Report sample_aggregate_report(const char* language = "en", bool hijri = true) {
  sdk::Report r;
  r.idempotency_key = "wasl-fedcba9876543210fedcba9876543210";
  r.kind = "aggregate";
  r.facility_id = "hospital-a";
  r.period_start_ms = 1740776400000;
  r.period_end_ms = 1740862800000;
  nlohmann::json period = {{"kind", "day"},
                           {"label", "2025-03-01"},
                           {"start", "2025-03-01T00:00:00+03:00"},
                           {"end", "2025-03-01T23:59:59+03:00"},
                           {"start_ms", 1740776400000},
                           {"end_ms", 1740862800000}};
  if (hijri) {
    period["start_hijri"] = "1446-09-01";
    period["end_hijri"] = "1446-09-01";
  }
  r.body = {
      {"report_id", "rep-2"},
      {"generated_at", "2025-03-02T02:00:00+03:00"},
      {"facility", sample_facility(language)},
      {"period", period},
      {"measures",
       {{"total", 9},
        {"completed", 5},
        {"cancelled", {{"total", 2}, {"by_reason", {{"patient_request", 1}, {"unspecified", 1}}}}},
        {"no_shows", 1},
        {"clinician_no_shows", 1},
        {"attendance", {{"attendee_seconds", 9125}, {"attendee_minutes", 152.08}}},
        {"by_specialty", {{"Cardiology, adult", 4}, {"Family medicine", 5}}},
        {"by_type", {{"doctor_patient", 7}, {"follow_up", 2}}},
        {"session_duration_seconds", {{"count", 5}, {"median", 1200}, {"p90", 2700.5}}}}},
  };
  return r;
}

}  // namespace wasl::plugins::moh::testing
