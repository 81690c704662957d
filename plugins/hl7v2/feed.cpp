#include "plugins/hl7v2/feed.hpp"

#include <openssl/sha.h>

#include <chrono>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "plugins/hl7v2/ack.hpp"
#include "plugins/hl7v2/charset.hpp"
#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/hl7_time.hpp"
#include "plugins/hl7v2/mapping.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::plugins::hl7v2 {

namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Event;
using sdk::FeedAnswer;
using sdk::Result;
using ::wasl::hl7v2::AckCode;
using ::wasl::hl7v2::AckRequest;

constexpr std::string_view kAppointmentUpdated = "appointment.updated";
constexpr std::string_view kPatientUpdated = "patient.updated";
constexpr std::string_view kUnsupported = "hl7v2.unsupported";

// The first segment of `raw` (MSH, ASCII in every character set).
std::string_view first_segment(std::string_view raw) {
  return raw.substr(0, raw.find_first_of("\r\n"));
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return sdk::to_hex(digest, sizeof digest);
}

// The acknowledgement's MSH-10: 20 characters (MSH-10's length in v2.5)
// derived from the sender and the message's control id.
std::string ack_control_id(const std::string& sender, const std::string& control_id) {
  return "A" + sha256_hex(sender + "|" + control_id).substr(0, 19);
}

// What is known of the message once its MSH is read.
struct Received {
  AckRequest ack;
  std::string sender;  // "<MSH-3>^<MSH-4>"
  std::string control_id;
  std::string type;     // MSH-9.1
  std::string trigger;  // MSH-9.2
  std::int64_t now_ms = 0;
};

// The answer carrying the acknowledgement `code` (with `error`) and `events`.
FeedAnswer answer(const Received& r, const Hl7v2Settings& settings, AckCode code,
                  const std::optional<AckError>& error, std::vector<Event> events) {
  FeedAnswer out;
  out.sender = r.sender;
  out.message_id = r.control_id;
  out.events = std::move(events);
  out.accepted = code == AckCode::kAccept;
  if (error) out.reason = error->text;
  const std::string ack = ::wasl::hl7v2::build_ack(
      r.ack, code, error, format_hl7_time(r.now_ms, settings.time_zone_offset_minutes, false),
      ack_control_id(r.sender, r.control_id));
  if (!ack.empty()) out.ack_base64 = sdk::base64_encode(ack);
  return out;
}

Event make_event(std::string_view type, std::string resource_id, std::int64_t occurred_at_ms,
                 const Received& r) {
  Event event;
  event.type = std::string(type);
  event.resource_id = std::move(resource_id);
  event.occurred_at_ms = occurred_at_ms;
  event.payload = {{"message_type", r.type}, {"trigger", r.trigger}, {"control_id", r.control_id}};
  return event;
}

// Gives each event its dedupe key: the sender and MSH-10, numbered from 1
// when there are several.
void number_events(std::vector<Event>& events, const Received& r) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    events[i].dedupe_key = r.sender + "|" + r.control_id;
    if (events.size() > 1) events[i].dedupe_key += "|" + std::to_string(i + 1);
  }
}

bool is_siu(const Received& r) {
  static const std::set<std::string> kTriggers = {"S12", "S13", "S14", "S15", "S17", "S26"};
  return r.type == "SIU" && kTriggers.count(r.trigger) != 0;
}

bool is_adt_patient(const Received& r) {
  return r.type == "ADT" && (r.trigger == "A04" || r.trigger == "A08" || r.trigger == "A31");
}

bool is_adt_merge(const Received& r) { return r.type == "ADT" && r.trigger == "A40"; }

// An appointment message leaving out times or people keeps the stored ones
// (a cancellation often names only the appointment).
json merge_appointment(const json& stored, json value) {
  for (const char* key : {"start_ms", "end_ms", "patient_id", "practitioner_id", "service_type"}) {
    const bool missing = value[key].is_null() || value[key] == json(0) || value[key] == json("");
    if (missing && stored.contains(key)) value[key] = stored[key];
  }
  return value;
}

}  // namespace

Hl7v2Feed::Hl7v2Feed(sdk::Host& host, Hl7v2Settings settings)
    : host_(host), settings_(std::move(settings)), records_(host) {}

Result<FeedAnswer> Hl7v2Feed::accept(const sdk::FeedMessage& message) {
  const std::optional<std::string> raw = sdk::base64_decode(message.data_base64);
  if (!raw) {
    return Error(ErrorCode::kInvalidArgument, "the message's data is not base64", false);
  }
  Result<std::string> text = ::wasl::hl7v2::to_utf8(*raw, settings_.default_charset);
  Result<AckRequest> header = ::wasl::hl7v2::read_ack_request(
      text.ok() ? std::string_view(text.value()) : first_segment(*raw));
  if (!header.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 "the message has no readable MSH: " + header.error().message, false);
  }

  Received r;
  r.ack = std::move(header).value();
  r.sender = r.ack.sending_application + "^" + r.ack.sending_facility;
  r.control_id = r.ack.message_control_id;
  r.trigger = r.ack.trigger;
  r.now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch()).count();
  // The hub answers under its own names (MSH-3/4 of the acknowledgement).
  r.ack.receiving_application = settings_.receiving_application;
  if (!settings_.receiving_facility.empty()) {
    r.ack.receiving_facility = settings_.receiving_facility;
  }

  auto refuse = [&](AckCode code, std::string_view hl7_code, std::string location,
                    std::string text) {
    return answer(r, settings_, code,
                  AckError{std::string(hl7_code), std::move(location), std::move(text)}, {});
  };
  if (message.truncated) {
    // Table 0357 has no code for a message over the receiver's size limit:
    // 104 (value too long) would point at a field, and the 100s say the
    // message breaks the standard, which it may not. 207 says the receiving
    // application could not process it; the text says why.
    return refuse(AckCode::kReject, kApplicationInternalError, "",
                  "message exceeds the size limit");
  }
  if (r.control_id.empty()) {
    return refuse(AckCode::kReject, kRequiredFieldMissing, "MSH^1^10",
                  "the message has no control id (MSH-10)");
  }
  if (!text.ok()) {
    // A character set the converter knows converts the empty text.
    std::string charset = ::wasl::hl7v2::declared_charset(*raw);
    if (charset.empty()) charset = settings_.default_charset;
    const bool unknown = !::wasl::hl7v2::from_utf8("", charset).ok();
    return refuse(AckCode::kReject, unknown ? kTableValueNotFound : kDataTypeError, "MSH^1^18",
                  unknown ? "the character set (MSH-18) is not supported"
                          : "the message's bytes are not valid in its character set (MSH-18)");
  }
  Result<Er7Message> parsed = Er7Message::parse(text.value());
  if (!parsed.ok()) {
    return refuse(AckCode::kReject, kDataTypeError, "", parsed.error().message);
  }
  const Er7Message& m = parsed.value();
  r.type = m.value("MSH", 9, 1);
  if (r.trigger.empty()) r.trigger = m.value("MSH", 9, 2);

  if (!is_siu(r) && !is_adt_patient(r) && !is_adt_merge(r)) {
    const bool known_type = r.type == "SIU" || r.type == "ADT";
    std::vector<Event> events{make_event(kUnsupported, "", 0, r)};
    number_events(events, r);
    return answer(
        r, settings_, AckCode::kReject,
        AckError{std::string(known_type ? kUnsupportedEventCode : kUnsupportedMessageType),
                 "MSH^1^9", known_type ? "unsupported event code" : "unsupported message type"},
        std::move(events));
  }

  const std::string sent_at = m.value("MSH", 7);
  const std::optional<std::int64_t> sent_ms =
      parse_hl7_time(sent_at, settings_.time_zone_offset_minutes);
  if (!sent_ms) {
    return refuse(AckCode::kError, sent_at.empty() ? kRequiredFieldMissing : kDataTypeError,
                  "MSH^1^7", "MSH-7 is not an HL7 date/time");
  }
  const Stamp stamp{*sent_ms, r.control_id};
  std::vector<Event> events;

  // Everything is mapped before anything is written: a refused message
  // changes nothing.
  if (is_siu(r)) {
    auto appointment = map_appointment(m, r.trigger, settings_);
    if (!appointment.ok()) return answer(r, settings_, AckCode::kError, appointment.error(), {});
    std::optional<sdk::PatientSummary> patient;
    if (m.occurrences("PID") > 0) {
      auto mapped = map_patient(m, settings_);
      if (!mapped.ok()) return answer(r, settings_, AckCode::kError, mapped.error(), {});
      patient = std::move(mapped).value();
    }
    auto practitioner = map_practitioner(m, settings_);
    if (!practitioner.ok()) return answer(r, settings_, AckCode::kError, practitioner.error(), {});

    const sdk::Appointment& a = appointment.value();
    sdk::Appointment stored = a;
    stored.version_id = r.control_id;
    WASL_RETURN_IF_ERROR(
        records_.put_if_newer("appointment/" + a.id, stamp, json(stored), merge_appointment));
    if (patient)
      WASL_RETURN_IF_ERROR(records_.put_if_newer("patient/" + patient->id, stamp, *patient));
    if (const auto& p = practitioner.value(); p) {
      WASL_RETURN_IF_ERROR(records_.put_if_newer("practitioner/" + p->id, stamp, *p));
    }
    events.push_back(make_event(kAppointmentUpdated, "Appointment/" + a.id, *sent_ms, r));
  } else if (is_adt_patient(r)) {
    auto patient = map_patient(m, settings_);
    if (!patient.ok()) return answer(r, settings_, AckCode::kError, patient.error(), {});
    const std::string& id = patient.value().id;
    std::optional<std::vector<sdk::Coverage>> coverages;
    if (m.occurrences("IN1") > 0) {
      auto mapped = map_coverages(m, id, settings_, r.now_ms);
      if (!mapped.ok()) return answer(r, settings_, AckCode::kError, mapped.error(), {});
      coverages = std::move(mapped).value();
    }
    auto practitioner = map_practitioner(m, settings_);
    if (!practitioner.ok()) return answer(r, settings_, AckCode::kError, practitioner.error(), {});

    WASL_RETURN_IF_ERROR(records_.put_if_newer("patient/" + id, stamp, patient.value()));
    if (coverages) {
      WASL_RETURN_IF_ERROR(records_.put_if_newer("coverage/" + id, stamp, json(*coverages)));
      for (const auto& c : *coverages) {
        WASL_RETURN_IF_ERROR(records_.put_if_newer("coverage-id/" + c.id, stamp, json(id)));
      }
    }
    if (const auto& p = practitioner.value(); p) {
      WASL_RETURN_IF_ERROR(records_.put_if_newer("practitioner/" + p->id, stamp, *p));
    }
    events.push_back(make_event(kPatientUpdated, "Patient/" + id, *sent_ms, r));
  } else {
    auto merges = map_merges(m, settings_);
    if (!merges.ok()) return answer(r, settings_, AckCode::kError, merges.error(), {});
    std::set<std::string> notified;
    for (const PatientMerge& merge : merges.value()) {
      WASL_RETURN_IF_ERROR(
          records_.put_if_newer("merged/" + merge.prior_id, stamp, json(merge.patient.id)));
      WASL_RETURN_IF_ERROR(
          records_.put_if_newer("patient/" + merge.patient.id, stamp, merge.patient));
      if (notified.insert(merge.patient.id).second) {
        events.push_back(make_event(kPatientUpdated, "Patient/" + merge.patient.id, *sent_ms, r));
      }
    }
  }
  number_events(events, r);
  return answer(r, settings_, AckCode::kAccept, std::nullopt, std::move(events));
}

}  // namespace wasl::plugins::hl7v2
