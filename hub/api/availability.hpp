// Availability: the free slots of the facility's EHR and booking one.
//
//   GET /v1/availability?practitioner=<FHIR id>|service=<FHIR id>
//                       &from=<RFC 3339>&to=<RFC 3339>[&limit=1..200]
//
// asks the EHR the facility binds (role "ehr") for the free slots of one
// practitioner, or of a clinic (HealthcareService) across its
// practitioners, starting in [from, to) (at most kMaxAvailabilityWindowMs
// wide), earliest first: {"items": [{"slot", "start", "end",
// "practitioner", "service", "schedule"}], "truncated"}. The answer is kept
// per facility and search for ApiOptions::availability_ttl
// (availability_cache.hpp). No PHI: nothing is audited.
//
// POST /v1/consultations books through book_slot() below when its body
// names a `slot` or a `service` (consultations.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "hub/api/api_context.hpp"
#include "hub/http/exchange.hpp"
#include "hub/http/router.hpp"
#include "wasl/sdk/ehr.hpp"

namespace wasl::api {

inline constexpr std::int64_t kMaxAvailabilityWindowMs = 31LL * 24 * 60 * 60 * 1000;
// How far ahead a booking by service looks for its first free slot.
inline constexpr std::int64_t kServiceBookingHorizonMs = 14LL * 24 * 60 * 60 * 1000;

void add_availability_routes(http::Router& router, ApiContext& context);

// The EHR connector of the facility's "ehr" binding, or the problem to
// answer: 409 when the facility binds no EHR, 503 when its instance is not
// running.
std::variant<std::shared_ptr<sdk::EhrConnector>, http::Response> facility_ehr(
    const ApiContext& ctx, const http::Request& request, const std::string& facility_id);

// What to book: a named slot, or the first free slot of a service starting
// at or after from_ms.
struct BookingChoice {
  std::optional<std::string> slot;
  std::optional<std::string> service;
  std::int64_t from_ms = 0;
  std::string patient_id;
  std::string practitioner_id;  // optional
  std::string idempotency_key;  // the EHR's Appointment identifier
};

// Books the choice in the facility's EHR (outside any transaction): the
// booked slot, or the problem to answer — 409 when the slot is taken (or
// the service has no free slot left in kServiceBookingHorizonMs), 404 for
// an unknown slot, 501 for an EHR that cannot book, 503 when the EHR does
// not answer. A booking forgets the facility's cached availability.
std::variant<sdk::BookedSlot, http::Response> book_slot(ApiContext& ctx,
                                                        const http::Request& request,
                                                        const std::string& facility_id,
                                                        const BookingChoice& choice);

}  // namespace wasl::api
