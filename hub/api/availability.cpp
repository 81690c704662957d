#include "hub/api/availability.hpp"

#include <cstdlib>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/availability_cache.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/domain/timestamp.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

constexpr int kDefaultSlotLimit = 50;
constexpr int kMaxSlotLimit = 200;
// The free slots of a service tried in turn when booking by service.
constexpr int kServiceCandidates = 20;

// An EHR's error as the problem to answer; `slot` names the slot asked for.
Response ehr_problem(const Request& request, const sdk::Error& error, const std::string& slot) {
  switch (error.code) {
    case sdk::ErrorCode::kConflict:
      return problem_response(request, 409, MessageId::kSlotTaken, {slot});
    case sdk::ErrorCode::kNotFound: return problem_response(request, 404, MessageId::kSlotNotFound);
    case sdk::ErrorCode::kUnimplemented:
      return problem_response(request, 501, MessageId::kNotSupported);
    case sdk::ErrorCode::kInvalidArgument:
    case sdk::ErrorCode::kFailedPrecondition:
    case sdk::ErrorCode::kPermissionDenied:
    case sdk::ErrorCode::kUnauthenticated:
      return problem_response(request, 502, MessageId::kEhrRefused);
    case sdk::ErrorCode::kUnavailable:
    case sdk::ErrorCode::kDeadlineExceeded:
    case sdk::ErrorCode::kResourceExhausted: {
      Response r = problem_response(request, 503, MessageId::kEhrUnavailable);
      r.set_header("Retry-After", "1");
      return r;
    }
    default: return error_response(request, error);
  }
}

nlohmann::json slot_json(const sdk::FreeSlot& s) {
  nlohmann::json out = {{"slot", s.id},
                        {"start", domain::format_timestamp(s.start_ms)},
                        {"end", domain::format_timestamp(s.end_ms)},
                        {"schedule", s.schedule_id},
                        {"practitioner", nullptr},
                        {"service", nullptr}};
  if (!s.practitioner_id.empty()) out["practitioner"] = s.practitioner_id;
  if (!s.service_id.empty()) out["service"] = s.service_id;
  return out;
}

// GET /v1/availability
Response availability(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  nlohmann::json ids = nlohmann::json::object();
  std::optional<std::int64_t> from;
  std::optional<std::int64_t> to;
  int limit = kDefaultSlotLimit;
  for (const auto& [name, value] : request.query) {
    if (name == "practitioner" || name == "service") {
      ids[name] = value;
    } else if (name == "from" || name == "to") {
      auto t = domain::parse_timestamp(value);
      if (!t) {
        v.add(name, "invalid_format", "must be an RFC 3339 date-time");
      } else {
        (name == "from" ? from : to) = *t;
      }
    } else if (name == "limit") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > kMaxSlotLimit) {
        v.add("limit", "out_of_range",
              "must be a whole number from 1 to " + std::to_string(kMaxSlotLimit));
      } else {
        limit = static_cast<int>(n);
      }
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  auto practitioner = v.fhir_id(ids, "practitioner", "", false);
  auto service = v.fhir_id(ids, "service", "", false);
  if (ids.contains("practitioner") == ids.contains("service")) {
    v.add("practitioner", "required", "give a practitioner or a service, one of them");
  }
  if (!from && !request.query.count("from")) v.add("from", "required", "is required");
  if (!to && !request.query.count("to")) v.add("to", "required", "is required");
  if (from && to && *from >= *to) v.add("from", "out_of_range", "must be before 'to'");
  if (from && to && *to - *from > kMaxAvailabilityWindowMs) {
    v.add("to", "out_of_range", "must be at most 31 days after 'from'");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());

  auto ehr = facility_ehr(ctx, request, principal.facility_id);
  if (auto* problem = std::get_if<Response>(&ehr)) return std::move(*problem);
  sdk::SlotSearch search;
  search.practitioner_id = practitioner.value_or("");
  search.service_id = service.value_or("");
  search.from_ms = *from;
  search.to_ms = *to;
  search.limit = limit;
  const std::int64_t now = ctx.now_ms();
  std::optional<sdk::FreeSlots> slots = ctx.availability->find(principal.facility_id, search, now);
  if (!slots) {
    auto found = std::get<std::shared_ptr<sdk::EhrConnector>>(ehr)->find_free_slots(search);
    if (!found.ok()) return ehr_problem(request, found.error(), "");
    slots = std::move(found).value();
    ctx.availability->store(principal.facility_id, search, *slots,
                            now + ctx.options.availability_ttl.count());
  }
  nlohmann::json items = nlohmann::json::array();
  for (const sdk::FreeSlot& s : slots->slots) items.push_back(slot_json(s));
  return json_response(200, {{"items", std::move(items)}, {"truncated", slots->truncated}});
}

}  // namespace

std::variant<std::shared_ptr<sdk::EhrConnector>, Response> facility_ehr(
    const ApiContext& ctx, const Request& request, const std::string& facility_id) {
  std::string instance;
  if (ctx.config != nullptr) {
    auto facility = ctx.config->facilities.find(facility_id);
    if (facility != ctx.config->facilities.end()) {
      if (auto binding = facility->second.bindings.find("ehr");
          binding != facility->second.bindings.end()) {
        instance = binding->second;
      }
    }
  }
  if (instance.empty()) return problem_response(request, 409, MessageId::kNoEhrBinding);
  auto connector = ctx.ehr_connector(instance);
  if (!connector.ok()) {
    Response r = problem_response(request, 503, MessageId::kEhrUnavailable);
    r.set_header("Retry-After", "1");
    return r;
  }
  return std::move(connector).value();
}

std::variant<sdk::BookedSlot, Response> book_slot(ApiContext& ctx, const Request& request,
                                                  const std::string& facility_id,
                                                  const BookingChoice& choice) {
  auto ehr = facility_ehr(ctx, request, facility_id);
  if (auto* problem = std::get_if<Response>(&ehr)) return std::move(*problem);
  sdk::EhrConnector& connector = *std::get<std::shared_ptr<sdk::EhrConnector>>(ehr);
  sdk::SlotBooking booking;
  booking.idempotency_key = choice.idempotency_key;
  booking.patient_id = choice.patient_id;
  booking.practitioner_id = choice.practitioner_id;
  booking.description = "Telehealth consultation";

  std::vector<std::string> candidates;
  if (choice.slot) {
    candidates.push_back(*choice.slot);
  } else {
    sdk::SlotSearch search;
    search.service_id = choice.service.value_or("");
    search.from_ms = choice.from_ms;
    search.to_ms = choice.from_ms + kServiceBookingHorizonMs;
    search.limit = kServiceCandidates;
    auto found = connector.find_free_slots(search);
    if (!found.ok()) return ehr_problem(request, found.error(), "");
    for (const sdk::FreeSlot& s : found->slots) candidates.push_back(s.id);
    if (candidates.empty()) {
      return problem_response(request, 409, MessageId::kNoFreeSlot, {search.service_id});
    }
  }
  // A slot taken in between sends a service booking on to the next one; a
  // named slot taken is the answer.
  for (const std::string& slot : candidates) {
    booking.slot_id = slot;
    auto booked = connector.book_slot(booking);
    if (booked.ok()) {
      ctx.availability->forget(facility_id);
      return std::move(booked).value();
    }
    if (booked.error().code == sdk::ErrorCode::kConflict && !choice.slot) continue;
    if (booked.error().code == sdk::ErrorCode::kConflict) ctx.availability->forget(facility_id);
    return ehr_problem(request, booked.error(), slot);
  }
  ctx.availability->forget(facility_id);
  return problem_response(request, 409, MessageId::kNoFreeSlot, {choice.service.value_or("")});
}

void add_availability_routes(http::Router& router, ApiContext& context) {
  if (!context.availability) context.availability = std::make_shared<AvailabilityCache>();
  add_authorized_route(
      router, context, "GET", "/v1/availability",
      [&context](Request& r, const access::Principal& p) { return availability(context, r, p); },
      route_options("Free slots of a practitioner or a clinic in the facility's EHR."));
}

}  // namespace wasl::api
